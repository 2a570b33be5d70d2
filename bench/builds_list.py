"""Benchmark ``GET /v1/projects/:id/builds?limit=20`` on a project with 100,000 builds.

For each backend (SQLite, PostgreSQL) it makes a scratch database, fills it
with bulk Core inserts, starts one ``ghee serve`` worker pinned to CPU 0 and
drives it with ``wrk`` pinned to CPU 1. It reports requests/s, p99 latency and
the server's CPU time per request (see ``loadtest``). See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from ghee.clock import utcnow
from ghee.core.projects import create_project
from ghee.core.tokens import create_token
from ghee.db.database import opened
from ghee.db.migrate import upgrade
from ghee.db.tables import artifacts, builds
from loadtest import Result, check_tools, common_arguments, load, report, scratch_database

TARGET_CPU_US = 400
BATCH = 5_000
DEFAULT_PATH = "/v1/projects/{project}/builds?limit=20"


# Data


async def fill(database_url: str, count: int) -> tuple[str, str]:
    """Migrate, then add one project with ``count`` builds (and artifacts); returns its id and a read token."""
    async with opened(database_url) as db:
        await upgrade(db.engine)
        async with db.write() as work:
            project = await create_project(work, "Skyforge", "unreal")
            _, secret = await create_token(work, name="bench", scope="read", project_id=None, rate_limit=None)
            await work.execute(builds.insert(), list(_build_rows(project.id, count)))
        async with db.write() as work:
            done = await work.execute(
                sa.select(builds.c.id, builds.c.number, builds.c.platform, builds.c.configuration, builds.c.finished_at)
                .where(builds.c.status == "success")
                .order_by(builds.c.id)
            )
            rows = [row for build in done for row in _artifact_rows(*build)]
            for start in range(0, len(rows), BATCH):
                await work.execute(artifacts.insert(), rows[start : start + BATCH])
            await work.execute(sa.text("ANALYZE"))
        return project.public_id, secret


def _build_rows(project_id: int, count: int) -> Iterator[dict[str, object]]:
    rng = random.Random(2026)
    first = utcnow() - timedelta(days=365)
    for number in range(1, count + 1):
        queued = first + timedelta(seconds=number * 300)
        status = rng.choices(("success", "failed", "cancelled", "running"), weights=(80, 15, 3, 2))[0]
        started = queued + timedelta(seconds=rng.randint(5, 90))
        yield {
            "project_id": project_id,
            "number": number,
            "status": status,
            "platform": rng.choice(("win64", "ps5", "xsx", "linux")),
            "configuration": rng.choice(("development", "shipping", "test")),
            "branch": "main" if rng.random() < 0.9 else "release/0.9",
            "changelist": str(40_000 + number // 3),
            "changelist_id": None,
            "created_at": queued,
            "started_at": started,
            "finished_at": None if status == "running" else started + timedelta(minutes=rng.randint(20, 90)),
        }


def _artifact_rows(
    build_id: int, number: int, platform: str, configuration: str, finished: datetime
) -> Iterator[dict[str, object]]:
    names = [f"Skyforge-{platform}-{configuration}.zip"]
    if configuration == "shipping":
        names.append(f"Skyforge-{platform}-{configuration}-Symbols.zip")
    for name in names:
        url = f"https://artifacts.example.com/skyforge/builds/{number}/{name}"
        yield {"build_id": build_id, "name": name, "size_bytes": 14_000_000_000, "url": url, "created_at": finished}


def measure(backend: str, args: argparse.Namespace, folder: Path) -> Result:
    """Fill a scratch database of ``backend``, serve it, and load it with wrk."""
    with scratch_database(backend, args.postgres_url) as database_url:
        started = time.monotonic()
        project_id, token = asyncio.run(fill(database_url, args.builds))
        print(f"{backend}: {args.builds:,} builds loaded in {time.monotonic() - started:.1f} s", flush=True)
        path = args.path.format(project=project_id)
        full_page = (lambda body: len(body["builds"]) == 20) if args.path == DEFAULT_PATH else None
        return load(backend, database_url, path, token, args, folder, check=full_page)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    common_arguments(parser)
    parser.add_argument("--builds", type=int, default=100_000, help="builds in the benchmarked project")
    parser.add_argument(
        "--path", default=DEFAULT_PATH, help="the request to load, for comparison ({project} is the project's id)"
    )
    args = parser.parse_args()
    logs = check_tools()
    report([measure(backend, args, logs) for backend in args.backends.split(",")], TARGET_CPU_US)


if __name__ == "__main__":
    main()
