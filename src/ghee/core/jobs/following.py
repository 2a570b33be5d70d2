"""Which jobs to sync now, between passes: those a push from Jenkins named, and those with a build running.

A push (Jenkins' Notification plugin) marks its job ``nudged_at``; the
follower (``ghee.integrations.jenkins.follow``) syncs that job at once and
clears the mark. A job with a build running is synced every few seconds
while it runs, so its log, stages and duration move as Jenkins writes them.
"""

from __future__ import annotations

from datetime import datetime

import msgspec
import sqlalchemy as sa

from ghee.clock import utcnow
from ghee.core.jobs.model import Job
from ghee.core.jobs.reads import jobs_by_row_ids
from ghee.db.database import Write
from ghee.db.reads import Reads
from ghee.db.tables import builds, connections, jobs


class Followed(msgspec.Struct, frozen=True):
    """A job to sync now on its connection, and whether a push asked for it."""

    job_id: int
    connection_id: int
    nudged: bool


_LIVE_JOBS = jobs.join(connections, connections.c.id == jobs.c.connection_id)
_FOLLOWED = sa.and_(connections.c.archived_at.is_(None), connections.c.demo.is_(False))  # never the demo's
_NUDGED = (
    sa.select(jobs.c.id, jobs.c.connection_id)
    .select_from(_LIVE_JOBS)
    .where(jobs.c.nudged_at.is_not(None), jobs.c.deleted.is_(False), _FOLLOWED)
)
_RUNNING = (
    sa.select(builds.c.job_id, jobs.c.connection_id)
    .select_from(builds.join(_LIVE_JOBS, jobs.c.id == builds.c.job_id))
    .where(
        builds.c.status == "running",
        builds.c.deleted.is_(False),
        jobs.c.deleted.is_(False),
        _FOLLOWED,
    )
    .distinct()
)


async def jobs_to_follow(reads: Reads, per_connection: int) -> dict[int, list[Followed]]:
    """Per connection id, the jobs to sync now: nudged ones, then those running a build; ``per_connection`` at most."""
    wanted: dict[int, dict[int, Followed]] = {}
    for job_id, connection_id in await reads.all(_NUDGED, {}):
        wanted.setdefault(connection_id, {})[job_id] = Followed(job_id, connection_id, nudged=True)
    for job_id, connection_id in await reads.all(_RUNNING, {}):
        wanted.setdefault(connection_id, {}).setdefault(job_id, Followed(job_id, connection_id, nudged=False))
    return {connection_id: list(found.values())[:per_connection] for connection_id, found in wanted.items()}


async def followed_jobs(reads: Reads, followed: list[Followed]) -> list[Job]:
    """The stored jobs behind ``followed``, in id order."""
    return await jobs_by_row_ids(reads, [f.job_id for f in followed])


async def nudge_job(work: Write, connection_id: int, full_name: str) -> bool:
    """Mark the connection's job ``full_name`` for syncing now; ``False`` when ghee does not know the job.

    An unknown job (created on Jenkins since the last pass) makes the
    connection's next pass due now instead, which finds it.
    """
    marked = await work.execute(
        jobs.update()
        .where(jobs.c.connection_id == connection_id, jobs.c.full_name == full_name, jobs.c.deleted.is_(False))
        .values(nudged_at=utcnow())
    )
    if marked.rowcount:
        return True
    await work.execute(connections.update().where(connections.c.id == connection_id).values(next_sync_at=utcnow()))
    return False


async def followed(work: Write, job_id: int, since: datetime) -> None:
    """Clear the job's push mark unless a newer push came after ``since`` (when its sync began)."""
    await work.execute(jobs.update().where(jobs.c.id == job_id, jobs.c.nudged_at <= since).values(nudged_at=None))
