"""Jenkins-shaped rows written straight into a test server's database, as the sync would write them."""

from __future__ import annotations

import asyncio
import itertools
import zlib
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import sqlalchemy as sa

from ghee.clock import to_storage
from ghee.db.database import Write, opened
from ghee.db.tables import build_log_chunks, build_stages, builds, connections, events, jobs
from tests.support.servers import Server

T = TypeVar("T")
_names = itertools.count(1)
START = datetime(2025, 1, 15, 10, 0, 0, tzinfo=UTC)

_STATUS = {"SUCCESS": "success", "FAILURE": "failed", "UNSTABLE": "failed", "ABORTED": "cancelled", None: "running"}


def in_db(server: Server, unit: Callable[[Write], Awaitable[T]]) -> T:
    """Run ``unit`` in one unit of work (committed at its end) on the server's database."""

    async def run() -> T:
        async with opened(server.database_url) as db, db.write() as work:
            return await unit(work)

    return asyncio.run(run())


async def new_connection(work: Write, name: str | None = None) -> tuple[int, str]:
    """A Jenkins connection; returns its row id and name."""
    name = name or f"Jenkins {next(_names)}"
    row_id = await work.scalar(
        connections.insert()
        .values(
            name=name,
            url=f"https://{name.lower().replace(' ', '-')}.example.com",
            username="ci-bot",
            token_encrypted="not-a-real-token",  # noqa: S106 (never used: no Jenkins here)
            status="ok",
            failures=0,
            created_at=to_storage(START),
        )
        .returning(connections.c.id)
    )
    return int(row_id or 0), name


async def new_job(
    work: Write,
    connection_id: int,
    name: str | None = None,
    folder: str = "/",
    *,
    project_id: int | None = None,
    deleted: bool = False,
    kind: str = "pipeline",
) -> int:
    """A job in ``folder``; returns its row id."""
    name = name or f"job-{next(_names)}"
    full_name = f"{folder.strip('/')}/{name}".strip("/")
    row_id = await work.scalar(
        jobs.insert()
        .values(
            connection_id=connection_id,
            project_id=project_id,
            full_name=full_name,
            name=name,
            folder=folder,
            url=f"https://jenkins.example.com/job/{'/job/'.join(full_name.split('/'))}/",
            kind=kind,
            branch=None,
            last_build_number=None,
            last_result=None,
            flaky=False,
            deleted=deleted,
            created_at=to_storage(START),
            updated_at=to_storage(START),
        )
        .returning(jobs.c.id)
    )
    return int(row_id or 0)


async def new_build(
    work: Write,
    job_id: int,
    number: int,
    result: str | None = "SUCCESS",
    *,
    branch: str = "main",
    commit: str | None = None,
    started_at: datetime | None = None,
    duration_ms: int | None = 60_000,
    queue_ms: int | None = 1_000,
    stages: Sequence[tuple[str, str, int]] = (),
    log: str | bytes | None = None,
    chunk_size: int = 4096,
    deleted: bool = False,
    project_id: int | None = None,
) -> int:
    """A build of job ``job_id`` with its stages and log (stored in zlib chunks); returns its row id.

    Also moves the job's last build and result, as the sync does.
    """
    started = to_storage(started_at or START + timedelta(hours=number))
    finished = None if result is None or duration_ms is None else started + timedelta(milliseconds=duration_ms)
    data = log.encode() if isinstance(log, str) else log
    row_id = int(
        await work.scalar(
            builds.insert()
            .values(
                project_id=project_id,
                job_id=job_id,
                number=number,
                status=_STATUS[result],
                platform="",
                configuration="",
                branch=branch,
                changelist=None,
                created_at=started - timedelta(milliseconds=queue_ms or 0),
                started_at=started,
                finished_at=finished,
                result=result,
                duration_ms=duration_ms if result is not None else None,
                queue_ms=queue_ms,
                commit=commit,
                url=f"https://jenkins.example.com/job/x/{number}/",
                agent="agent-1",
                log_bytes=None if data is None else len(data),
                log_complete=result is not None and data is not None,
                deleted=deleted,
            )
            .returning(builds.c.id)
        )
        or 0
    )
    if stages:
        await work.execute(
            build_stages.insert(),
            [
                {"build_id": row_id, "position": i, "name": n, "status": s, "duration_ms": d, "started_at": started}
                for i, (n, s, d) in enumerate(stages)
            ],
        )
    if data:
        await work.execute(
            build_log_chunks.insert(),
            [
                {
                    "build_id": row_id,
                    "offset": offset,
                    "length": len(data[offset : offset + chunk_size]),
                    "data": zlib.compress(data[offset : offset + chunk_size]),
                }
                for offset in range(0, len(data), chunk_size)
            ],
        )
    await work.execute(
        jobs.update()
        .where(jobs.c.id == job_id, sa.func.coalesce(jobs.c.last_build_number, 0) < number)
        .values(last_build_number=number, last_result=result)
    )
    return row_id


async def events_about(work: Write, resource_id: str) -> list[tuple[str, dict[str, Any]]]:
    """``(type, payload)`` of the events about one resource, oldest first."""
    rows = await work.execute(
        sa.select(events.c.type, events.c.payload).where(events.c.resource_id == resource_id).order_by(events.c.id)
    )
    return [(row.type, row.payload) for row in rows]
