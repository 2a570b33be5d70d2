"""BuildButler reads on 100 jobs with 1,000 builds each: server CPU and latency per request.

For each backend it fills a scratch database (100 jobs, each with 1,000
builds of three stages; 80 % SUCCESS), starts one ``ghee serve`` worker pinned
to CPU 0 and sends each request ``--requests`` times, one at a time, from
this process, every answer built (``GHEE_ANSWER_CACHE_MB=0``: a request
repeated would otherwise be answered from memory after the first). It
reports the server's CPU time per request (utime + stime of
its process tree, as ``loadtest`` reads it) and the p50 and p99 latency seen
by the client. It needs no wrk, so it runs where ``builds_list.py`` cannot.

    .venv/bin/python bench/buildbutler_reads.py
    .venv/bin/python bench/buildbutler_reads.py --backends sqlite --requests 500
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import sqlalchemy as sa

from ghee.clock import utcnow
from ghee.core.builds.model import build_public_id
from ghee.core.jobs.model import job_public_id
from ghee.core.tokens import create_token
from ghee.db.database import opened
from ghee.db.migrate import upgrade
from ghee.db.tables import build_stages, builds, connections, jobs
from loadtest import cpu_seconds, scratch_database, serve

JOBS = 100
BUILDS_PER_JOB = 1000
BATCH = 5_000
RESULTS = ("SUCCESS", "FAILURE", "UNSTABLE", "ABORTED")


async def fill(database_url: str) -> tuple[str, int, int]:
    """Migrate and fill; returns a read token, the first job's row id and that of a build in its middle."""
    rng = random.Random(2026)
    now = utcnow()
    async with opened(database_url) as db:
        await upgrade(db.engine)
        async with db.write() as work:
            _, secret = await create_token(work, name="bench", scope="read")
            connection_id = await work.scalar(
                connections.insert()
                .values(
                    name="Production",
                    url="https://jenkins.example.com",
                    username="ci",
                    token_encrypted="-",  # noqa: S106 (never used: no Jenkins here)
                    status="ok",
                    failures=0,
                    created_at=now,
                )
                .returning(connections.c.id)
            )
            await work.execute(
                jobs.insert(),
                [
                    {
                        "connection_id": connection_id,
                        "full_name": f"games/job-{n:03}",
                        "name": f"job-{n:03}",
                        "folder": "/games",
                        "url": f"https://jenkins.example.com/job/games/job/job-{n:03}/",
                        "kind": "pipeline",
                        "last_build_number": BUILDS_PER_JOB,
                        "last_result": "SUCCESS",
                        "flaky": False,
                        "deleted": False,
                        "created_at": now,
                        "updated_at": now,
                    }
                    for n in range(JOBS)
                ],
            )
            job_ids = [row[0] for row in await work.execute(sa.select(jobs.c.id).order_by(jobs.c.id))]
            rows = list(_build_rows(job_ids, rng))
            for start in range(0, len(rows), BATCH):
                await work.execute(builds.insert(), rows[start : start + BATCH])
            build_ids = [row[0] for row in await work.execute(sa.select(builds.c.id))]
            stages = [
                {"build_id": b, "position": p, "name": name, "status": "SUCCESS", "duration_ms": 1000 * (p + 1)}
                for b in build_ids
                for p, name in enumerate(("Checkout", "Build", "Test"))
            ]
            for start in range(0, len(stages), BATCH):
                await work.execute(build_stages.insert(), stages[start : start + BATCH])
            await work.execute(sa.text("ANALYZE"))
            middle = await work.scalar(
                sa.select(builds.c.id).where(builds.c.job_id == job_ids[0], builds.c.number == BUILDS_PER_JOB // 2)
            )
        return secret, job_ids[0], int(middle or 0)


def _build_rows(job_ids: list[int], rng: random.Random) -> Iterator[dict[str, object]]:
    first = utcnow() - timedelta(days=365)
    for job_id in job_ids:
        for number in range(1, BUILDS_PER_JOB + 1):
            started = first + timedelta(minutes=number * 30)
            result = rng.choices(RESULTS, weights=(80, 12, 5, 3))[0]
            yield {
                "job_id": job_id,
                "number": number,
                "status": "success" if result == "SUCCESS" else "failed",
                "platform": "",
                "configuration": "",
                "branch": "main",
                "created_at": started - timedelta(seconds=20),
                "started_at": started,
                "finished_at": started + timedelta(minutes=12),
                "result": result,
                "duration_ms": 720_000,
                "queue_ms": 20_000,
                "commit": f"{rng.getrandbits(40):010x}",
            }


def measure(base_url: str, pid: int, token: str, path: str, count: int) -> tuple[float, float, float]:
    """Server CPU µs per request, p50 and p99 ms, over ``count`` sequential requests (after 20 unmeasured)."""
    with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"}) as client:
        for _ in range(20):
            client.get(path).raise_for_status()
        latencies = []
        user_before, system_before = cpu_seconds(pid)
        for _ in range(count):
            started = time.perf_counter()
            client.get(path).raise_for_status()
            latencies.append((time.perf_counter() - started) * 1000)
        user_after, system_after = cpu_seconds(pid)
    cpu = (user_after - user_before + system_after - system_before) * 1e6 / count
    return cpu, statistics.median(latencies), statistics.quantiles(latencies, n=100)[98]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--postgres-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    logs = Path(tempfile.mkdtemp(prefix="ghee-bench-logs-"))
    print(f"server logs: {logs}")
    for backend in args.backends.split(","):
        with scratch_database(backend, args.postgres_url) as url:
            started = time.monotonic()
            token, first_job, middle = asyncio.run(fill(url))
            print(f"\n{backend}: {JOBS * BUILDS_PER_JOB:,} builds loaded in {time.monotonic() - started:.0f} s")
            with serve(url, logs / f"serve-{backend}.log", {"GHEE_ANSWER_CACHE_MB": "0"}) as (pid, base_url):
                job = job_public_id(first_job)
                paths = [
                    "/api/v1/jobs?per_page=25",
                    f"/api/v1/jobs/{job}",
                    f"/api/v1/jobs/{job}/builds?per_page=25",
                    f"/api/v1/jobs/{job}/builds?per_page=25&result=FAILURE&since=2026-01-01",
                    f"/api/v1/builds/{build_public_id(middle)}",
                ]
                print(f"{'request':<72} {'CPU/request':>12} {'p50':>8} {'p99':>8}")
                for path in paths:
                    cpu, p50, p99 = measure(base_url, pid, token, path, args.requests)
                    print(f"{path:<72} {cpu:>9,.0f} µs {p50:>5.1f} ms {p99:>5.1f} ms", flush=True)


if __name__ == "__main__":
    main()
