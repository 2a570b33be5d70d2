"""Jobs found on a Jenkins connection: recording what a sync pass saw, and linking a job to a project."""

from __future__ import annotations

from collections.abc import Sequence

import msgspec
import sqlalchemy as sa

from ghee import ids
from ghee.clock import utcnow
from ghee.core.events import NewEvent, record_event, record_events
from ghee.core.projects import project_public_id
from ghee.db.database import Write
from ghee.db.reads import Reads, Row
from ghee.db.tables import builds, connections, jobs
from ghee.errors import NotFound

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


class Job(msgspec.Struct, frozen=True):
    """A stored job."""

    id: int
    connection_id: int
    project_id: int | None
    full_name: str
    name: str
    folder: str
    url: str
    kind: str
    branch: str | None
    last_build_number: int | None
    last_result: str | None
    deleted: bool

    @property
    def public_id(self) -> str:
        """``j_...``."""
        return job_public_id(self.id)


def job_public_id(row_id: int) -> str:
    """``j_...`` for a job row id."""
    return ids.encode("j", row_id, "job")


def job_row_id(public_id: str) -> int:
    """The row id behind ``j_...``; raises ``NotFound`` when malformed."""
    return ids.decode("j", public_id, "job", coder_kind="job")


_COLUMNS = (
    jobs.c.id,
    jobs.c.connection_id,
    jobs.c.project_id,
    jobs.c.full_name,
    jobs.c.name,
    jobs.c.folder,
    jobs.c.url,
    jobs.c.kind,
    jobs.c.branch,
    jobs.c.last_build_number,
    jobs.c.last_result,
    jobs.c.deleted,
)


_OF_CONNECTION = sa.select(*_COLUMNS).where(jobs.c.connection_id == sa.bindparam("connection_id"))
_ONE = sa.select(*_COLUMNS).where(jobs.c.id == sa.bindparam("id"))
_LINKED = (
    sa.select(*_COLUMNS)
    .where(jobs.c.project_id == sa.bindparam("project_id"), jobs.c.deleted.is_(False))
    .order_by(jobs.c.id)
)
_INSTANCE = sa.select(connections.c.name).where(connections.c.id == sa.bindparam("connection_id"))


def _job(row: Row) -> Job:
    values = list(row)
    values[-1] = bool(values[-1])  # ``deleted``: SQLite's fast path gives booleans as 0 or 1
    return Job(*values)


async def jobs_of(reads: Reads, connection_id: int) -> dict[str, Job]:
    """Every stored job of a connection, deleted ones too, by full name."""
    found = [_job(row) for row in await reads.all(_OF_CONNECTION, {"connection_id": connection_id})]
    return {job.full_name: job for job in found}


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
        made = await work.execute(
            jobs.insert().returning(*_COLUMNS),
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
        for row in made:
            made_job = _job(row)
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


def _event(event_type: str, job: Job) -> NewEvent:
    return NewEvent(
        event_type,
        "job",
        job.public_id,
        job.project_id,
        {"id": job.public_id, "name": job.full_name, "folder": job.folder, "kind": job.kind},
    )


async def get_job(reads: Reads, public_id: str) -> Job:
    """The job ``j_...``; raises ``NotFound``."""
    row = await reads.first(_ONE, {"id": job_row_id(public_id)})
    if row is None:
        raise NotFound("job", public_id)
    return _job(row)


async def link_job(work: Write, job: Job, project_id: int | None) -> Job:
    """Make ``job`` (and every build it has) belong to project ``project_id``, or to none; emits ``job.linked``.

    Builds triggered through the project then go to this job.
    """
    await work.execute(jobs.update().where(jobs.c.id == job.id).values(project_id=project_id, updated_at=utcnow()))
    await work.execute(builds.update().where(builds.c.job_id == job.id).values(project_id=project_id))
    linked = msgspec.structs.replace(job, project_id=project_id)
    await record_event(
        work,
        "job.linked",
        resource_type="job",
        resource_id=linked.public_id,
        project_id=project_id,
        payload={
            "id": linked.public_id,
            "project": project_public_id(project_id) if project_id is not None else None,
        },
    )
    return linked


async def instance_name(reads: Reads, job: Job) -> str:
    """The name of the connection ``job`` came from (BuildButler's ``instance``)."""
    row = await reads.first(_INSTANCE, {"connection_id": job.connection_id})
    return str(row[0] if row is not None else None)


async def job_for_project(reads: Reads, project_id: int, branch: str | None) -> Job | None:
    """The live job linked to a project that a build of ``branch`` should run on, or ``None`` if none is linked.

    A branch job of that branch wins; otherwise the job linked first.
    """
    linked = [_job(row) for row in await reads.all(_LINKED, {"project_id": project_id})]
    for job in linked:
        if branch and job.branch == branch:
            return job
    plain = [job for job in linked if job.kind != "branch"]
    choices = plain or linked
    return choices[0] if choices else None
