"""Build analytics on 1,000,000 builds: latency of the 30-day metrics by job, and p95 error against the exact value.

For each backend: fill a scratch database with ~500 Jenkins jobs and their
builds over 90 days (bulk: COPY on PostgreSQL, one executemany transaction
on SQLite), run ``rebuild``, serve it with one pinned worker, then time
``GET /api/v1/analytics/metrics?range=30d&group_by=job`` one request at a
time, every answer built (``GHEE_ANSWER_CACHE_MB=0``: the same request
repeated would otherwise be answered from memory after the first), and
compare every p95 it reports (overall and per job) with the exact
nearest-rank p95 of the same builds. See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import random
import sqlite3
import statistics
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from ghee.clock import utcnow
from ghee.core.builds.rollups import rebuild
from ghee.core.tokens import create_token
from ghee.db.database import opened
from ghee.db.migrate import upgrade
from ghee.db.tables import connections, jobs
from loadtest import scratch_database, serve

PATH = "/api/v1/analytics/metrics"
QUERY = {"range": "30d", "group_by": "job"}
TARGET_MS = 50.0
TARGET_ERROR = 0.02
RESULTS = ("SUCCESS", "FAILURE", "UNSTABLE", "ABORTED", "NOT_BUILT")
RESULT_WEIGHTS = (85, 9, 3, 2.5, 0.5)
STATUS = {"SUCCESS": "success", "FAILURE": "failed", "UNSTABLE": "failed", "ABORTED": "cancelled"}
STATUS["NOT_BUILT"] = "cancelled"
BUILD_COLUMNS = (
    "job_id",
    "number",
    "status",
    "platform",
    "configuration",
    "branch",
    "label",
    "created_at",
    "started_at",
    "finished_at",
    "result",
    "duration_ms",
    "queue_ms",
)


def build_rows(job_ids: list[int], count: int, now: datetime) -> Iterator[tuple[Any, ...]]:
    """Builds spread over the last 90 days; each job has its own typical duration, label and branches."""
    rng = random.Random(2026)
    first = now - timedelta(days=90)
    profiles = []
    for job_id in job_ids:
        branches = ("main",) if rng.random() < 0.7 else ("main", "develop", f"release/{rng.randint(1, 9)}.0")
        profiles.append(
            (job_id, math.log(rng.uniform(60_000, 1_800_000)), rng.choice(("linux", "windows", "macos")), branches)
        )
    per_job = count // len(job_ids)
    for job_id, log_median, label, branches in profiles:
        moments = sorted(rng.uniform(0, 90 * 86_400) for _ in range(per_job))
        for number, offset in enumerate(moments, start=1):
            started = first + timedelta(seconds=offset)
            result = rng.choices(RESULTS, RESULT_WEIGHTS)[0]
            duration = int(rng.lognormvariate(log_median, 0.5))
            queue = int(rng.expovariate(1 / 8_000))
            branch = branches[0] if rng.random() < 0.8 else rng.choice(branches)
            yield (
                job_id,
                number,
                STATUS[result],
                "jenkins",
                "default",
                branch,
                label,
                started - timedelta(milliseconds=queue),
                started,
                started + timedelta(milliseconds=duration),
                result,
                duration,
                queue,
            )


async def fill(database_url: str, builds: int, job_count: int) -> tuple[str, float, float]:
    """Migrate, add jobs and builds in bulk, rebuild the rollups; returns a token and the load and rebuild seconds."""
    async with opened(database_url) as db:
        await upgrade(db.engine)
        now = utcnow()
        async with db.write() as work:
            connection_id = (
                await work.execute(
                    connections.insert()
                    .values(name="bench", url="http://127.0.0.1:1", username="bench", token_encrypted="x")  # noqa: S106
                    .values(status="ok", failures=0, created_at=now)
                    .returning(connections.c.id)
                )
            ).scalar_one()
            job_rows = [
                {
                    "connection_id": connection_id,
                    "full_name": f"team-{n % 25}/service-{n}",
                    "name": f"service-{n}",
                    "folder": f"/team-{n % 25}",
                    "url": f"http://127.0.0.1:1/job/service-{n}/",
                    "kind": "pipeline",
                    "flaky": False,
                    "deleted": False,
                    "created_at": now,
                    "updated_at": now,
                }
                for n in range(job_count)
            ]
            job_ids = list((await work.execute(jobs.insert().returning(jobs.c.id), job_rows)).scalars())
            _, token = await create_token(work, name="bench", scope="read", project_id=None, rate_limit=None)
        started = time.monotonic()
        rows = build_rows(job_ids, builds, now)
        if db.dialect.name == "sqlite":
            _insert_sqlite(make_url(database_url).database or "", rows)
        else:
            await _copy_postgres(database_url, rows)
        loaded = time.monotonic() - started
        started = time.monotonic()
        async with db.write() as work:
            await rebuild(work, lambda done, total: print(f"\r  rebuild: {done:,} of {total:,}", end="", flush=True))
            await work.execute(sa.text("ANALYZE"))
        print()
        return token, loaded, time.monotonic() - started


def _insert_sqlite(path: str, rows: Iterator[tuple[Any, ...]]) -> None:
    conn = sqlite3.connect(path)
    try:
        placeholders = ", ".join("?" for _ in BUILD_COLUMNS)
        with conn:
            conn.executemany(
                f"INSERT INTO builds ({', '.join(BUILD_COLUMNS)}) VALUES ({placeholders})",  # noqa: S608 (constants)
                ((*row[:7], *(m.isoformat(sep=" ") for m in row[7:10]), *row[10:]) for row in rows),
            )
    finally:
        conn.close()


async def _copy_postgres(database_url: str, rows: Iterator[tuple[Any, ...]]) -> None:
    import asyncpg  # noqa: PLC0415 (only the PostgreSQL run needs it)

    dsn = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
    conn = await asyncpg.connect(dsn)
    try:
        await conn.copy_records_to_table("builds", records=list(rows), columns=list(BUILD_COLUMNS))
    finally:
        await conn.close()


async def exact_p95(database_url: str, start: str, end: str) -> tuple[int, dict[int, int]]:
    """The exact nearest-rank p95 of the builds the metrics count, overall and per job row id."""
    query = sa.text(
        "SELECT job_id, duration_ms FROM builds WHERE job_id IS NOT NULL AND duration_ms IS NOT NULL"
        " AND result IN ('SUCCESS', 'FAILURE', 'UNSTABLE', 'ABORTED')"
        " AND started_at >= :start AND started_at < :end"
    )
    bounds = {"start": datetime.fromisoformat(start.rstrip("Z")), "end": datetime.fromisoformat(end.rstrip("Z"))}
    async with opened(database_url) as db:
        rows = await db.read().all(query, bounds)
    job_ids = np.array([r[0] for r in rows], dtype=np.int64)
    durations = np.array([r[1] for r in rows], dtype=np.int64)

    def nearest_rank(values: np.ndarray[Any, Any]) -> int:
        ordered = np.sort(values)
        return int(ordered[math.ceil(0.95 * len(ordered)) - 1])

    return nearest_rank(durations), {int(j): nearest_rank(durations[job_ids == j]) for j in np.unique(job_ids)}


def measure(backend: str, args: argparse.Namespace, logs: Path) -> dict[str, Any]:
    """Fill, serve and time one backend; returns its figures."""
    from ghee.core.jobs.model import job_row_id  # noqa: PLC0415

    with scratch_database(backend, args.postgres_url) as database_url:
        token, loaded, rebuilt = asyncio.run(fill(database_url, args.builds, args.jobs))
        print(
            f"{backend}: {args.builds:,} builds loaded in {loaded:.1f} s, rollups rebuilt in {rebuilt:.1f} s",
            flush=True,
        )
        with serve(database_url, logs / f"serve-{backend}.log", {"GHEE_ANSWER_CACHE_MB": "0"}) as (_, base_url):
            client = httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=60)
            for _ in range(args.warmup_requests):
                client.get(PATH, params=QUERY).raise_for_status()
            timings = []
            for _ in range(args.requests):
                begun = time.perf_counter()
                response = client.get(PATH, params=QUERY)
                timings.append((time.perf_counter() - begun) * 1000)
                response.raise_for_status()
            body = response.json()
            groups = []
            page = 1
            while True:
                listed = client.get(PATH, params={**QUERY, "page": page, "per_page": 100}).json()
                groups += listed["groups"]
                if page * 100 >= listed["meta"]["total"]:
                    break
                page += 1
            client.close()
        overall, per_job = asyncio.run(exact_p95(database_url, body["from"], body["to"]))
    errors = [abs(body["p95Duration"] - overall) / overall]
    errors += [abs(g["p95Duration"] - per_job[job_row_id(g["key"])]) / per_job[job_row_id(g["key"])] for g in groups]
    timings.sort()
    return {
        "backend": backend,
        "builds": body["totalBuilds"],
        "groups": len(groups),
        "p50": statistics.median(timings),
        "p99": timings[min(len(timings) - 1, math.ceil(0.99 * len(timings)) - 1)],
        "overall_error": errors[0],
        "max_error": max(errors),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backends", default="sqlite,postgres", help="comma-separated: sqlite, postgres")
    parser.add_argument("--builds", type=int, default=1_000_000)
    parser.add_argument("--jobs", type=int, default=500)
    parser.add_argument("--requests", type=int, default=200, help="timed requests, one at a time")
    parser.add_argument("--warmup-requests", type=int, default=20)
    parser.add_argument(
        "--postgres-url",
        default="postgresql://postgres@127.0.0.1:5432/postgres",
        help="an admin connection, used to create and drop the scratch database",
    )
    args = parser.parse_args()
    logs = Path(tempfile_dir())
    results = [measure(backend, args, logs) for backend in args.backends.split(",")]
    print()
    print(
        f"{'backend':<10} {'builds in 30d':>13} {'jobs':>5} {'p50':>9} {'p99':>9} {'p95 error':>10} {'worst job':>10}"
    )
    for r in results:
        verdict = "ok" if r["p99"] <= TARGET_MS and r["max_error"] <= TARGET_ERROR else "over target"
        print(
            f"{r['backend']:<10} {r['builds']:>13,} {r['groups']:>5} {r['p50']:>6.1f} ms {r['p99']:>6.1f} ms "
            f"{r['overall_error']:>10.3%} {r['max_error']:>10.3%}  {verdict}"
        )


def tempfile_dir() -> str:
    import tempfile  # noqa: PLC0415

    folder = tempfile.mkdtemp(prefix="ghee-bench-logs-")
    print(f"server logs: {folder}", flush=True)
    return folder


if __name__ == "__main__":
    main()
