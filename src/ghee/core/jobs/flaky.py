"""Flaky jobs: jobs whose outcome does not follow from their code.

A job is flaky when, among its last ``WINDOW`` finished builds (passed:
SUCCESS; failed: FAILURE or UNSTABLE; aborted builds say nothing either way),
one commit both passed and failed, or the outcome flipped ``FLIPS`` times or
more. ``jobs.flaky`` holds the verdict and ``job_flakiness`` the reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from itertools import pairwise

import msgspec
import sqlalchemy as sa

from ghee.clock import utcnow
from ghee.core.events import record_event
from ghee.core.inserts import insert_unless_taken
from ghee.core.jobs.model import job_public_id
from ghee.db.database import Write
from ghee.db.reads import Reads, as_datetime
from ghee.db.tables import builds, job_flakiness, jobs

WINDOW = 30
FLIPS = 5
PASSED = "SUCCESS"
FAILED = ("FAILURE", "UNSTABLE")


class Outcome(msgspec.Struct, frozen=True):
    """One finished build as flakiness sees it."""

    number: int
    passed: bool
    commit: str | None


class Flakiness(msgspec.Struct, frozen=True):
    """Why a job is flaky, and since when ghee has thought so."""

    reason: str
    detected_at: datetime


def flaky_reason(outcomes: Sequence[Outcome]) -> str | None:
    """Why these outcomes (oldest first) make a job flaky, or ``None`` if they do not."""
    passed_at: dict[str, int] = {}
    failed_at: dict[str, int] = {}
    for outcome in outcomes:
        if outcome.commit:
            (passed_at if outcome.passed else failed_at).setdefault(outcome.commit, outcome.number)
            if outcome.commit in passed_at and outcome.commit in failed_at:
                commit = outcome.commit
                return f"commit {commit[:12]} both passed (#{passed_at[commit]}) and failed (#{failed_at[commit]})"
    flips = sum(1 for older, newer in pairwise(outcomes) if older.passed != newer.passed)
    if flips >= FLIPS:
        return f"{flips} flips between passing and failing in the last {len(outcomes)} finished builds"
    return None


_OUTCOMES = (
    sa.select(builds.c.number, builds.c.result, builds.c.commit)
    .where(
        builds.c.job_id == sa.bindparam("job_id"),
        builds.c.deleted == sa.false(),
        builds.c.result.in_((PASSED, *FAILED)),
    )
    .order_by(builds.c.number.desc())
    .limit(WINDOW)
)


async def _recent_outcomes(work: Write, job_id: int) -> list[Outcome]:
    rows = await work.execute(_OUTCOMES, {"job_id": job_id})
    return [Outcome(number, result == PASSED, commit) for number, result, commit in reversed(list(rows))]


async def update_jobs(work: Write, job_ids: Sequence[int]) -> None:
    """Recompute ``jobs.flaky`` and its reason for each job, after its builds changed.

    A job turning flaky records a ``job.flaky`` event, a flaky job turning
    steady a ``job.steady`` event. Jobs that do not exist are skipped.
    """
    for job_id in job_ids:
        job = (await work.execute(sa.select(jobs.c.flaky, jobs.c.project_id).where(jobs.c.id == job_id))).first()
        if job is None:
            continue
        was_flaky, project_id = bool(job[0]), job[1]
        reason = flaky_reason(await _recent_outcomes(work, job_id))
        if reason is None:
            if was_flaky:
                await work.execute(job_flakiness.delete().where(job_flakiness.c.job_id == job_id))
                await work.execute(jobs.update().where(jobs.c.id == job_id).values(flaky=False))
                await _emit(work, "job.steady", job_id, project_id, None)
            continue
        stored = await work.execute(
            job_flakiness.update().where(job_flakiness.c.job_id == job_id).values(reason=reason)
        )
        if stored.rowcount == 0:
            # Another process may record the same verdict at the same moment: its row stands.
            await work.execute(
                insert_unless_taken(work, job_flakiness).values(job_id=job_id, reason=reason, detected_at=utcnow())
            )
        if not was_flaky:
            await work.execute(jobs.update().where(jobs.c.id == job_id).values(flaky=True))
            await _emit(work, "job.flaky", job_id, project_id, reason)


async def _emit(work: Write, event_type: str, job_id: int, project_id: int | None, reason: str | None) -> None:
    public_id = job_public_id(job_id)
    await record_event(
        work,
        event_type,
        resource_type="job",
        resource_id=public_id,
        project_id=project_id,
        payload={"id": public_id, "flaky": reason is not None, "reason": reason},
    )


_REASON = sa.select(job_flakiness.c.reason, job_flakiness.c.detected_at).where(
    job_flakiness.c.job_id == sa.bindparam("job_id")
)


async def get_flakiness(reads: Reads, job_id: int) -> Flakiness | None:
    """Why the job is flaky, or ``None`` when it is not."""
    row = await reads.first(_REASON, {"job_id": job_id})
    return None if row is None else Flakiness(row[0], as_datetime(row[1]))  # type: ignore[arg-type]
