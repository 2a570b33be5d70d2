"""Benchmark a Jenkins sync pass: 500 jobs in nested folders with 50,000 builds, then 20 new builds.

For each backend (SQLite, PostgreSQL) it makes a scratch database, serves a
Jenkins-shaped fake on a local socket (the tests' ``FakeJenkins``), connects
it, and times three passes through ``sync_now`` (what ``ghee sync`` runs):
the first (the whole history), an incremental one after 20 builds were added
to 20 jobs, and one with nothing new. It prints the HTTP requests each pass
made and its seconds. See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import sys
import time
from multiprocessing.connection import Connection
from pathlib import Path

from cryptography.fernet import Fernet

from ghee.config import Settings
from ghee.core.connections import NewConnection
from ghee.db.database import opened
from ghee.db.migrate import upgrade
from ghee.integrations.jenkins.connect import add_connection
from ghee.integrations.jenkins.loop import sync_now
from loadtest import scratch_database

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.support.fake_jenkins import (
    FOLDER,
    PIPELINE,
    T0,
    FakeBuild,
    FakeFolder,
    FakeJenkins,
    FakeJob,
)

STAGES = [
    {"id": "6", "name": "Checkout", "status": "SUCCESS", "startTimeMillis": T0, "durationMillis": 3000},
    {"id": "12", "name": "Build", "status": "SUCCESS", "startTimeMillis": T0 + 3000, "durationMillis": 45000},
]


def furnish(fake: FakeJenkins, jobs: int, builds_per_job: int) -> list[FakeJob]:
    """``jobs`` jobs, ten per folder ``team-N/area-M/sub-K``, every fifth a pipeline; each with its builds."""
    made = []
    for index in range(jobs):
        team, area, sub = f"team-{index // 100}", f"area-{index // 20 % 5}", f"sub-{index // 10 % 2}"
        for folder in (team, f"{team}/{area}", f"{team}/{area}/{sub}"):
            if fake.find(folder.split("/")) is None:
                fake.put(folder, FakeFolder(FOLDER))
        pipeline = index % 5 == 0
        job = fake.put(
            f"{team}/{area}/{sub}/job-{index}", FakeJob(PIPELINE if pipeline else "hudson.model.FreeStyleProject")
        )
        for number in range(1, builds_per_job + 1):
            job.add(_build(number, pipeline=pipeline))
        made.append(job)
    return made


def _build(number: int, *, pipeline: bool) -> FakeBuild:
    return FakeBuild(
        number,
        "SUCCESS" if number % 7 else "FAILURE",
        timestamp=T0 + number * 600_000,
        duration=120_000 + number * 10,
        queue_id=number,
        parameters={"PLATFORM": "win64", "CONFIGURATION": "shipping"},
        git=(f"{number:040x}", "origin/main"),
        queue_ms=None if pipeline else 1500,
        log=b"".join(b"[%d] compiling module %d\n" % (number, line) for line in range(8)),
        stages=STAGES if pipeline else None,
    )


async def connect(settings: Settings, url: str) -> str:
    async with opened(settings.database_url) as db:
        await upgrade(db.engine)
        await add_connection(db, settings, NewConnection("bench", url, "ci-bot", "s3cret-api-token"))
    return "bench"


def serve_fake(jobs: int, builds_per_job: int, delay_ms: float, commands: Connection) -> None:
    """In a process of its own (the fake's threads would otherwise share the GIL with the sync)."""
    fake = FakeJenkins().start()
    fake.delay = delay_ms / 1000
    made = furnish(fake, jobs, builds_per_job)
    commands.send(fake.url)
    while True:
        command, value = commands.recv()
        if command == "add":
            with fake.lock:
                for job in made[:: max(1, len(made) // value)][:value]:
                    job.add(_build(max(job.builds) + 1, pipeline=job.cls == PIPELINE))
            commands.send(None)
        elif command == "requests":
            with fake.lock:
                commands.send(len(fake.requests))
                fake.requests.clear()
        else:
            fake.stop()
            return


def timed_pass(settings: Settings, fake: Connection, label: str, backend: str) -> None:
    fake.send(("requests", None))
    fake.recv()
    began, cpu_began = time.perf_counter(), time.process_time()
    [outcome] = asyncio.run(sync_now(settings, "bench"))
    seconds, cpu = time.perf_counter() - began, time.process_time() - cpu_began
    assert outcome.error is None, outcome.error
    assert outcome.stats is not None
    stats = outcome.stats
    fake.send(("requests", None))
    requests = fake.recv()
    load = os.getloadavg()[0]
    print(
        f"{backend:<9} {label:<24} {requests:>7} requests {seconds:>8.1f} s ({cpu:.1f} s CPU)   "
        f"{stats.changed:>4} changed jobs, {stats.builds:>6} builds written   load {load:.2f}"
    )


def run(backend: str, admin_url: str, jobs: int, builds_per_job: int, new_builds: int, delay_ms: float) -> None:  # noqa: PLR0913
    fake, child_end = multiprocessing.Pipe()
    child = multiprocessing.Process(target=serve_fake, args=(jobs, builds_per_job, delay_ms, child_end), daemon=True)
    child.start()
    try:
        url = fake.recv()
        with scratch_database(backend, admin_url) as database_url:
            key = Fernet.generate_key().decode()
            settings = Settings(database_url=database_url, secret_key=key, jenkins_allow_private=True)
            asyncio.run(connect(settings, url))
            timed_pass(settings, fake, f"first ({jobs * builds_per_job} builds)", backend)
            fake.send(("add", new_builds))
            fake.recv()
            timed_pass(settings, fake, f"incremental (+{new_builds})", backend)
            timed_pass(settings, fake, "nothing new", backend)
    finally:
        fake.send(("stop", None))
        child.join(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backends", default="sqlite,postgres", help="comma-separated: sqlite, postgres")
    parser.add_argument("--jobs", type=int, default=500)
    parser.add_argument("--builds-per-job", type=int, default=100)
    parser.add_argument("--new-builds", type=int, default=20)
    parser.add_argument(
        "--delay-ms",
        type=float,
        default=20.0,
        help="how long the fake takes to answer each request (a real Jenkins is not instant)",
    )
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("GHEE_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"),
        help="an admin connection, used to create and drop the scratch database",
    )
    options = parser.parse_args()
    for backend in options.backends.split(","):
        run(backend, options.postgres_url, options.jobs, options.builds_per_job, options.new_builds, options.delay_ms)


if __name__ == "__main__":
    main()
