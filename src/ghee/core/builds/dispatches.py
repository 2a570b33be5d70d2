"""Builds ghee must start on a Jenkins job, kept until Jenkins has them: an outbox the dispatcher drains.

A dispatch is ``waiting`` until the dispatcher has called Jenkins'
``buildWithParameters``, then ``queued`` while it follows the queue item;
it is gone once the item became a build (the build then has the job and
Jenkins' number) or was cancelled (the build is cancelled). A dispatch
Jenkins refuses ``MAX_ATTEMPTS`` times is ``failed``: its build is
cancelled and ``last_error`` says why.

Claiming a dispatch moves its ``next_attempt_at`` past a lease, so two
dispatchers never send one build twice, and one that died leaves it to
the next after the lease.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import msgspec
import sqlalchemy as sa

from ghee.clock import utcnow
from ghee.core.builds.events import build_event
from ghee.core.builds.reads import build_by_row_id
from ghee.core.builds.reports import facts_of
from ghee.core.events import record_events
from ghee.db.database import Write
from ghee.db.reads import Reads
from ghee.db.tables import build_dispatches, builds, jobs

MAX_ATTEMPTS = 5
LEASE = timedelta(seconds=30)
FOLLOW_EVERY = timedelta(seconds=1)
MAX_ERROR = 500


class Dispatch(msgspec.Struct, frozen=True):
    """A build to start or follow on a job: what the dispatcher needs to call Jenkins."""

    build_id: int
    job_id: int
    connection_id: int
    job_full_name: str
    state: str
    queue_id: int | None
    attempts: int
    platform: str
    configuration: str
    changelist: str | None
    adopted: bool  # a sync pass already gave the build its job and number (matched by queue item)

    @property
    def parameters(self) -> list[tuple[str, str]]:
        """The build parameters Jenkins gets: platform, configuration, and the changelist when there is one."""
        found = [("PLATFORM", self.platform), ("CONFIGURATION", self.configuration)]
        if self.changelist is not None:
            found.append(("CHANGELIST", self.changelist))
        return found


async def record_dispatch(work: Write, build_id: int, job_id: int) -> None:
    """Ask for build ``build_id`` to be started on job ``job_id`` once this transaction commits."""
    now = utcnow()
    await work.execute(
        build_dispatches.insert().values(
            build_id=build_id,
            job_id=job_id,
            state="waiting",
            queue_id=None,
            attempts=0,
            next_attempt_at=now,
            last_error=None,
            created_at=now,
        )
    )


_DUE = (
    sa.select(
        build_dispatches.c.build_id,
        build_dispatches.c.job_id,
        jobs.c.connection_id,
        jobs.c.full_name.label("job_full_name"),
        build_dispatches.c.state,
        build_dispatches.c.queue_id,
        build_dispatches.c.attempts,
        builds.c.platform,
        builds.c.configuration,
        builds.c.changelist,
        builds.c.job_id.is_not(None).label("adopted"),
    )
    .join(jobs, jobs.c.id == build_dispatches.c.job_id)
    .join(builds, builds.c.id == build_dispatches.c.build_id)
    .where(
        build_dispatches.c.state.in_(("waiting", "queued")), build_dispatches.c.next_attempt_at <= sa.bindparam("now")
    )
    .order_by(build_dispatches.c.next_attempt_at)
    .limit(sa.bindparam("limit"))
)


async def claim_due(work: Write, limit: int, now: datetime | None = None) -> list[Dispatch]:
    """Up to ``limit`` dispatches due now, each leased for ``LEASE`` so no other dispatcher takes it meanwhile."""
    now = now or utcnow()
    due = [
        Dispatch(**{**row._mapping, "adopted": bool(row.adopted)})
        for row in await work.execute(_DUE, {"now": now, "limit": limit})
    ]
    if due:
        await work.execute(
            build_dispatches.update()
            .where(build_dispatches.c.build_id.in_([d.build_id for d in due]))
            .values(next_attempt_at=now + LEASE)
        )
    return due


async def sent(work: Write, dispatch: Dispatch, queue_id: int | None) -> None:
    """Jenkins accepted the build: follow queue item ``queue_id`` (when Jenkins named none, the sync adopts it)."""
    if queue_id is None:
        await work.execute(build_dispatches.delete().where(build_dispatches.c.build_id == dispatch.build_id))
        return
    await work.execute(builds.update().where(builds.c.id == dispatch.build_id).values(queue_id=queue_id))
    await work.execute(
        build_dispatches.update()
        .where(build_dispatches.c.build_id == dispatch.build_id)
        .values(state="queued", queue_id=queue_id, next_attempt_at=utcnow() + FOLLOW_EVERY / 4)
    )


async def still_queued(work: Write, dispatch: Dispatch) -> None:
    """The queue item is still waiting for an executor: look again in ``FOLLOW_EVERY``."""
    await work.execute(
        build_dispatches.update()
        .where(build_dispatches.c.build_id == dispatch.build_id)
        .values(next_attempt_at=utcnow() + FOLLOW_EVERY)
    )


async def started(work: Write, dispatch: Dispatch, number: int, url: str | None) -> bool:
    """The queue item became the job's build ``number``: the build takes the job, the number and ``running``.

    ``False`` when a sync pass recorded that build first (then the sync's row
    stands, and the pending one is cancelled as a duplicate).
    """
    await work.execute(build_dispatches.delete().where(build_dispatches.c.build_id == dispatch.build_id))
    taken = await work.scalar(
        sa.select(builds.c.id).where(builds.c.job_id == dispatch.job_id, builds.c.number == number)
    )
    if taken is not None and taken != dispatch.build_id:
        await _cancel(work, dispatch.build_id)
        return False
    before = await build_by_row_id(work, dispatch.build_id)
    values: dict[str, object] = {"job_id": dispatch.job_id, "number": number, "url": url}
    if before.status == "pending":
        values.update(status="running", started_at=before.started_at or utcnow())
    await work.execute(builds.update().where(builds.c.id == dispatch.build_id).values(**values))
    after = await build_by_row_id(work, dispatch.build_id)
    await record_events(work, [build_event("build.updated", facts_of(after))])
    return True


async def refused(work: Write, dispatch: Dispatch, error: str, *, retry_in: timedelta | None) -> None:
    """Jenkins refused or could not be reached: try again in ``retry_in``, or give up (the build is cancelled)."""
    attempts = dispatch.attempts + 1
    if retry_in is not None and attempts < MAX_ATTEMPTS:
        await work.execute(
            build_dispatches.update()
            .where(build_dispatches.c.build_id == dispatch.build_id)
            .values(attempts=attempts, last_error=error[:MAX_ERROR], next_attempt_at=utcnow() + retry_in)
        )
        return
    await work.execute(
        build_dispatches.update()
        .where(build_dispatches.c.build_id == dispatch.build_id)
        .values(state="failed", attempts=attempts, last_error=error[:MAX_ERROR])
    )
    await _cancel(work, dispatch.build_id)


async def abandoned(work: Write, dispatch: Dispatch) -> None:
    """The queue item was cancelled on Jenkins: so is the build."""
    await work.execute(build_dispatches.delete().where(build_dispatches.c.build_id == dispatch.build_id))
    await _cancel(work, dispatch.build_id)


async def forgotten(work: Write, dispatch: Dispatch) -> None:
    """Jenkins no longer knows the queue item: stop following; the next sync pass adopts the build by ``queue_id``."""
    await work.execute(build_dispatches.delete().where(build_dispatches.c.build_id == dispatch.build_id))


async def _cancel(work: Write, build_id: int) -> None:
    moved = await work.execute(
        builds.update()
        .where(builds.c.id == build_id, builds.c.status.in_(("pending", "running")))
        .values(status="cancelled", finished_at=utcnow())
    )
    if moved.rowcount:
        build = await build_by_row_id(work, build_id)
        facts = facts_of(build)
        await record_events(work, [build_event("build.updated", facts), build_event("build.finished", facts)])


_ERROR = sa.select(build_dispatches.c.state, build_dispatches.c.last_error).where(
    build_dispatches.c.build_id == sa.bindparam("build_id")
)


async def dispatch_problem(reads: Reads, build_id: int) -> str | None:
    """Why ghee could not start the build on Jenkins (yet), for the build page; ``None`` when nothing went wrong."""
    row = await reads.first(_ERROR, {"build_id": build_id})
    if row is None or row[1] is None:
        return None
    return f"Jenkins refused the build: {row[1]}" if row[0] == "failed" else f"Retrying: {row[1]}"
