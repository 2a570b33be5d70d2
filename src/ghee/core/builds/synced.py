"""Builds a CI server reports (Jenkins): recording them with their stages and console log.

A build from a job is a row of ``builds`` with ``job_id`` set, numbered by
the job, belonging to the job's project if it is linked to one. This module
owns how such a build is written; ``record_job_builds`` writes one job's
batch in the caller's transaction and runs ``builds_finished`` on the builds
that finished in it, as ``reports`` does for a build an agent finishes.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import msgspec
import sqlalchemy as sa

from ghee.clock import utcnow
from ghee.core.builds import rollups
from ghee.core.builds.events import BuildFacts, build_event
from ghee.core.builds.finished import builds_finished
from ghee.core.builds.model import FINISHED, Stage, status_of
from ghee.core.events import NewEvent, record_events
from ghee.db.database import Write
from ghee.db.tables import build_log_chunks, build_stages, builds

MAX_LOG_BYTES = 16 * 1024 * 1024  # console text kept per build; the rest is left on the server
_IN_CHUNKS = 500  # numbers per IN (...) list


class LogPiece(msgspec.Struct, frozen=True):
    """Console text fetched in one read: ``text`` continues what is stored; ``cursor`` is where the next read starts."""

    text: bytes
    cursor: int
    complete: bool


class CiBuild(msgspec.Struct, frozen=True):
    """One build as the CI reports it, with what was fetched about it this pass (``None``: not fetched)."""

    number: int
    result: str | None
    building: bool
    started_at: datetime | None
    duration_ms: int | None
    queue_ms: int | None
    branch: str
    commit: str | None
    platform: str
    configuration: str
    causes: list[dict[str, Any]]
    parameters: dict[str, Any]
    agent: str | None
    label: str | None
    queue_id: int | None
    url: str | None
    stages: list[Stage] | None = None
    log: LogPiece | None = None

    @property
    def status(self) -> str:
        """The status ghee gives the build."""
        return status_of(self.result, building=self.building)

    @property
    def queued_at(self) -> datetime | None:
        """When it entered the queue: its start less its time queued, when known."""
        if self.started_at is None:
            return None
        return self.started_at - timedelta(milliseconds=self.queue_ms or 0)

    @property
    def finished_at(self) -> datetime | None:
        """Start plus duration, once finished."""
        if self.status not in FINISHED or self.started_at is None or self.duration_ms is None:
            return None
        return self.started_at + timedelta(milliseconds=self.duration_ms)


class JobRef(msgspec.Struct, frozen=True):
    """The job a batch of builds belongs to."""

    id: int
    project_id: int | None


class OpenBuild(msgspec.Struct, frozen=True):
    """A stored build a later pass must look at again: still running, or its log not read to the end."""

    job_id: int
    number: int
    status: str
    log_bytes: int | None
    log_cursor: int | None


async def open_builds(work: Write, job_ids: Sequence[int]) -> dict[int, list[OpenBuild]]:
    """The open builds of ``job_ids`` (not deleted), by job id.

    A sync pass's read inside its unit of work: its ``IN`` lists are expanded
    when run, which the fast read path does not do.
    """
    found: dict[int, list[OpenBuild]] = {}
    for start in range(0, len(job_ids), _IN_CHUNKS):
        rows = await work.execute(
            sa.select(builds.c.job_id, builds.c.number, builds.c.status, builds.c.log_bytes, builds.c.log_cursor).where(
                builds.c.job_id.in_(job_ids[start : start + _IN_CHUNKS]),
                builds.c.deleted.is_(False),
                sa.or_(
                    builds.c.status.in_(("pending", "running")),
                    sa.and_(builds.c.log_bytes.is_not(None), builds.c.log_complete.is_(False)),
                ),
            )
        )
        for row in rows:
            found.setdefault(row.job_id, []).append(OpenBuild(*row))
    return found


class _Stored(msgspec.Struct):
    id: int
    status: str
    result: str | None
    duration_ms: int | None
    log_bytes: int | None


def _columns(job: JobRef, build: CiBuild) -> dict[str, object]:
    return {
        "project_id": job.project_id,
        "status": build.status,
        "platform": build.platform[:60],
        "configuration": build.configuration[:60],
        "branch": build.branch[:255],
        "started_at": build.started_at,
        "finished_at": build.finished_at,
        "result": build.result,
        "duration_ms": build.duration_ms,
        "queue_ms": build.queue_ms,
        "commit": build.commit[:64] if build.commit else None,
        "causes": build.causes,
        "parameters": build.parameters,
        "agent": build.agent[:255] if build.agent else None,
        "label": build.label[:255] if build.label else None,
        "queue_id": build.queue_id,
        "url": build.url[:2048] if build.url else None,
    }


async def _stored(work: Write, job_id: int, numbers: list[int]) -> dict[int, _Stored]:
    found: dict[int, _Stored] = {}
    for start in range(0, len(numbers), _IN_CHUNKS):
        rows = await work.execute(
            sa.select(
                builds.c.number, builds.c.id, builds.c.status, builds.c.result, builds.c.duration_ms, builds.c.log_bytes
            ).where(builds.c.job_id == job_id, builds.c.number.in_(numbers[start : start + _IN_CHUNKS]))
        )
        for row in rows:
            found[row.number] = _Stored(row.id, row.status, row.result, row.duration_ms, row.log_bytes)
    return found


async def _adopt_triggered(work: Write, job: JobRef, reported: Sequence[CiBuild], stored: dict[int, _Stored]) -> None:
    """Give builds ghee queued on Jenkins (``queue_id`` set, no job yet) their job and Jenkins' number."""
    queued = {b.queue_id: b.number for b in reported if b.number not in stored and b.queue_id is not None}
    if job.project_id is None or not queued:
        return
    rows = await work.execute(
        sa.select(builds.c.id, builds.c.queue_id, builds.c.status).where(
            builds.c.project_id == job.project_id, builds.c.job_id.is_(None), builds.c.queue_id.in_(list(queued))
        )
    )
    for row in rows:
        number = queued[row.queue_id]
        await work.execute(builds.update().where(builds.c.id == row.id).values(job_id=job.id, number=number))
        stored[number] = _Stored(row.id, row.status, None, None, None)


async def record_job_builds(work: Write, job: JobRef, reported: Sequence[CiBuild]) -> list[int]:
    """Insert or update ``reported`` builds of ``job`` with their stages and log pieces; the ids that finished.

    Emits ``build.created`` for new rows, ``build.updated`` when status,
    result or duration changed, ``build.finished`` on reaching a finished
    status; then calls ``builds_finished`` with the finished ids.
    """
    [finished] = await record_jobs_builds(work, [(job, reported)])
    return finished


async def record_jobs_builds(work: Write, batches: Sequence[tuple[JobRef, Sequence[CiBuild]]]) -> list[list[int]]:
    """``record_job_builds`` for several jobs in one transaction; each job's finished ids, in order.

    ``builds_finished`` runs once, for all of them: a first sync's causes,
    rollup rows shared by its jobs (every build's hour under ``all``, its
    folder's, its label's) and the like are read and written once a batch.
    """
    finished: list[list[int]] = []
    to_follow: list[int] = []
    for job, reported in batches:
        done, recounted = await _record(work, job, reported)
        finished.append(done)
        to_follow += [*done, *recounted]
    await builds_finished(work, to_follow)
    return finished


async def _record(work: Write, job: JobRef, reported: Sequence[CiBuild]) -> tuple[list[int], list[int]]:
    """Write one job's ``reported`` builds; the ids that finished, and those counted again."""
    stored = await _stored(work, job.id, [b.number for b in reported])
    await _adopt_triggered(work, job, reported, stored)
    happened: list[NewEvent] = []
    finished: list[int] = []
    fresh = [b for b in reported if b.number not in stored]
    if fresh:
        made = await work.execute(
            builds.insert().returning(builds.c.id, builds.c.number),
            [
                {
                    "job_id": job.id,
                    "number": b.number,
                    "changelist": None,
                    "changelist_id": None,
                    "created_at": b.queued_at or utcnow(),
                    "log_bytes": None,
                    "log_complete": False,
                    "deleted": False,
                    **_columns(job, b),
                }
                for b in fresh
            ],
        )
        ids_by_number = {row.number: row.id for row in made}
        for b in fresh:
            build_id = ids_by_number[b.number]
            stored[b.number] = _Stored(build_id, b.status, b.result, b.duration_ms, None)
            happened.append(_event("build.created", job, build_id, b))
            if b.status in FINISHED:
                happened.append(_event("build.finished", job, build_id, b))
                finished.append(build_id)
    fresh_numbers = {b.number for b in fresh}
    changed = [
        b
        for b in reported
        if b.number not in fresh_numbers
        and (stored[b.number].status, stored[b.number].result, stored[b.number].duration_ms)
        != (b.status, b.result, b.duration_ms)
    ]
    # A finished build whose result or duration Jenkins changed is counted again as it is now.
    recounted = [stored[b.number].id for b in changed if stored[b.number].status in FINISHED]
    await rollups.take_back(work, recounted)
    for b in changed:
        known = stored[b.number]
        await work.execute(builds.update().where(builds.c.id == known.id).values(**_columns(job, b), deleted=False))
        happened.append(_event("build.updated", job, known.id, b))
        if b.status in FINISHED and known.status not in FINISHED:
            happened.append(_event("build.finished", job, known.id, b))
            finished.append(known.id)
    await _store_stages(work, [(stored[b.number].id, b.stages) for b in reported if b.stages is not None])
    await _append_logs(
        work, [(stored[b.number].id, stored[b.number].log_bytes or 0, b.log) for b in reported if b.log is not None]
    )
    await record_events(work, happened)
    return finished, recounted


async def _store_stages(work: Write, staged: list[tuple[int, list[Stage]]]) -> None:
    if not staged:
        return
    await work.execute(build_stages.delete().where(build_stages.c.build_id.in_([build_id for build_id, _ in staged])))
    rows = [
        {
            "build_id": build_id,
            "position": position,
            "name": stage.name[:255],
            "status": stage.status[:40],
            "started_at": stage.started_at,
            "duration_ms": stage.duration_ms,
        }
        for build_id, stages in staged
        for position, stage in enumerate(stages)
    ]
    if rows:
        await work.execute(build_stages.insert(), rows)


_LOG_STATE = (
    builds.update()
    .where(builds.c.id == sa.bindparam("build_id"))
    .values(
        log_bytes=sa.bindparam("log_bytes"),
        log_cursor=sa.bindparam("log_cursor"),
        log_complete=sa.bindparam("log_complete"),
    )
)


async def _append_logs(work: Write, pieces: list[tuple[int, int, LogPiece]]) -> None:
    """Store each ``(build id, bytes stored so far, piece)``: a chunk of the text, and where the log stands.

    One statement each for all the chunks and all the builds' states.
    """
    chunks = []
    states = []
    for build_id, stored_bytes, piece in pieces:
        text = piece.text[: max(0, MAX_LOG_BYTES - stored_bytes)]
        if text:
            chunks.append(
                {"build_id": build_id, "offset": stored_bytes, "length": len(text), "data": zlib.compress(text)}
            )
        total = stored_bytes + len(text)
        complete = piece.complete or total >= MAX_LOG_BYTES
        states.append({"build_id": build_id, "log_bytes": total, "log_cursor": piece.cursor, "log_complete": complete})
    if chunks:
        await work.execute(build_log_chunks.insert(), chunks)
    if states:
        await work.execute(_LOG_STATE, states)


async def mark_builds_deleted(
    work: Write, job_id: int, *, below: int | None = None, numbers: Sequence[int] = ()
) -> None:
    """Mark builds the CI no longer has: every one numbered under ``below`` and those in ``numbers``."""
    gone = []
    if below is not None:
        gone.append(builds.c.number < below)
    if numbers:
        gone.append(builds.c.number.in_(list(numbers)))
    if gone:
        await work.execute(
            builds.update()
            .where(builds.c.job_id == job_id, builds.c.deleted.is_(False), sa.or_(*gone))
            .values(deleted=True)
        )


def _event(event_type: str, job: JobRef, build_id: int, build: CiBuild) -> NewEvent:
    facts = BuildFacts(
        build_id,
        job.project_id,
        job.id,
        build.number,
        build.status,
        build.result,
        build.platform,
        build.configuration,
        build.branch,
        None,
        build.commit,
        build.url,
    )
    return build_event(event_type, facts)


async def remember_queue_item(work: Write, build_id: int, queue_id: int) -> None:
    """Note the CI queue item a build ghee queued became, so a sync pass can match the build Jenkins starts."""
    await work.execute(builds.update().where(builds.c.id == build_id).values(queue_id=queue_id))


async def attach_to_job(work: Write, build_id: int, job_id: int, number: int) -> bool:
    """Make a build ghee queued the job's build ``number``; ``False`` if a sync pass already recorded that build."""
    taken = await work.scalar(sa.select(builds.c.id).where(builds.c.job_id == job_id, builds.c.number == number))
    if taken is not None:
        return False
    await work.execute(builds.update().where(builds.c.id == build_id).values(job_id=job_id, number=number))
    return True
