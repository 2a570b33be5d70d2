"""Jobs a sync pass found on a connection: new ones stored, moved or revived ones updated, vanished ones marked."""

from __future__ import annotations

from collections.abc import Sequence

import msgspec
import sqlalchemy as sa

from ghee.clock import utcnow
from ghee.core.events import NewEvent, record_events
from ghee.core.jobs.model import Job
from ghee.db.database import Write
from ghee.db.tables import connections, jobs

MAX_NAME = 255
MAX_FULL_NAME = 1024
MAX_URL = 2048


class SeenJob(msgspec.Struct, frozen=True):
    """A job as a sync pass found it on the server."""

    full_name: str  # "folder/sub/job"
    name: str
    folder: str  # "/folder/sub", "/" at the top
    url: str
    kind: str  # freestyle, pipeline, branch, matrix, ...
    branch: str | None
    last_build_number: int | None
    first_build_number: int | None
    label: str | None


def _differs(stored: Job, seen: SeenJob) -> bool:
    wanted = _values(seen)
    return stored.deleted or any(getattr(stored, name) != value for name, value in wanted.items())


def _values(seen: SeenJob) -> dict[str, object]:
    return {
        "name": seen.name[:MAX_NAME],
        "folder": seen.folder[:MAX_FULL_NAME],
        "url": seen.url[:MAX_URL],
        "kind": seen.kind[:40],
        "branch": seen.branch[:MAX_NAME] if seen.branch else None,
    }


def _event(event_type: str, job: Job) -> NewEvent:
    return NewEvent(
        event_type,
        "job",
        job.public_id,
        job.project_id,
        {"id": job.public_id, "name": job.full_name, "folder": job.folder, "kind": job.kind},
    )


async def record_seen_jobs(
    work: Write, connection_id: int, seen: Sequence[SeenJob], stored: dict[str, Job]
) -> dict[str, Job]:
    """Store jobs new to ``stored``, update moved or revived ones, mark the ones not seen as deleted.

    Returns every job of the connection by full name, as stored now. Emits
    ``job.created`` and ``job.deleted``. Jobs whose full name exceeds the
    column are skipped.
    """
    now = utcnow()
    seen_names = {job.full_name for job in seen}
    fresh = [job for job in seen if job.full_name not in stored and len(job.full_name) <= MAX_FULL_NAME]
    happened: list[NewEvent] = []
    if fresh:
        instance = str(await work.scalar(sa.select(connections.c.name).where(connections.c.id == connection_id)))
        made = await work.execute(
            jobs.insert().returning(jobs.c.id, jobs.c.full_name),
            [
                {
                    "connection_id": connection_id,
                    "project_id": None,
                    "full_name": job.full_name,
                    **_values(job),
                    "last_build_number": None,
                    "last_result": None,
                    "flaky": False,
                    "deleted": False,
                    "created_at": now,
                    "updated_at": now,
                }
                for job in fresh
            ],
        )
        by_name = {job.full_name: job for job in fresh}
        for row in made:
            made_job = Job(
                id=row.id,
                connection_id=connection_id,
                instance=instance,
                project_id=None,
                full_name=row.full_name,
                last_build_number=None,
                last_result=None,
                flaky=False,
                deleted=False,
                **_values(by_name[row.full_name]),  # type: ignore[arg-type]
            )
            stored[made_job.full_name] = made_job
            happened.append(_event("job.created", made_job))
    for job in seen:
        known = stored.get(job.full_name)
        if known is not None and _differs(known, job):
            await work.execute(
                jobs.update().where(jobs.c.id == known.id).values(**_values(job), deleted=False, updated_at=now)
            )
            stored[job.full_name] = msgspec.structs.replace(known, **_values(job), deleted=False)
    gone = [known for name, known in stored.items() if name not in seen_names and not known.deleted]
    if gone:
        await work.execute(
            jobs.update().where(jobs.c.id.in_([known.id for known in gone])).values(deleted=True, updated_at=now)
        )
        for known in gone:
            stored[known.full_name] = msgspec.structs.replace(known, deleted=True)
            happened.append(_event("job.deleted", known))
    await record_events(work, happened)
    return stored


async def record_job_progress(work: Write, job_id: int, last_build_number: int | None, last_result: str | None) -> None:
    """Remember the newest build number synced (what the next pass compares with) and its result."""
    await work.execute(
        jobs.update()
        .where(jobs.c.id == job_id)
        .values(last_build_number=last_build_number, last_result=last_result, updated_at=utcnow())
    )
