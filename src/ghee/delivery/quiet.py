"""Quiet periods: while a job keeps failing, a chat subscription hears of it at most once per ``quiet_minutes``.

A "failed" message inside a subscription's quiet period for that job is not
delivered: no delivery row is made (nothing to retry, replay or list). The
first failure after the period, or after a "fixed" build, is delivered and
starts a new period. ``chat_quiet`` holds, per subscription and job, when
the last delivered "failed" message was made; a fixed build clears the job's
rows. Read and written in the transaction that hands the events on, so one
worker at a time decides (``ghee.delivery.outbox``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from ghee.db.database import Write
from ghee.db.tables import chat_quiet

Pair = tuple[int, str]
"""A subscription's row id and a job key (``ghee.delivery.news.job_key``)."""


async def quiet_until(work: Write, pairs: set[Pair]) -> dict[Pair, datetime]:
    """When each (subscription, job) of ``pairs`` last had a "failed" message delivered; absent if never."""
    if not pairs:
        return {}
    subscription_ids = sorted({subscription_id for subscription_id, _ in pairs})
    keys = sorted({key for _, key in pairs})
    rows = await work.execute(
        sa.select(chat_quiet.c.subscription_id, chat_quiet.c.job_key, chat_quiet.c.failed_at).where(
            chat_quiet.c.subscription_id.in_(subscription_ids), chat_quiet.c.job_key.in_(keys)
        )
    )
    return {
        (row.subscription_id, row.job_key): row.failed_at for row in rows if (row.subscription_id, row.job_key) in pairs
    }


def is_quiet(last_failed: datetime | None, quiet_minutes: int, now: datetime) -> bool:
    """Whether a "failed" message now falls inside the quiet period that began at ``last_failed``."""
    return last_failed is not None and quiet_minutes > 0 and now < last_failed + timedelta(minutes=quiet_minutes)


async def remember_failures(work: Write, failed: dict[Pair, datetime]) -> None:
    """Note that these (subscription, job) pairs had a "failed" message delivered at the given moments."""
    if not failed:
        return
    await _forget(work, set(failed))
    await work.execute(
        chat_quiet.insert(),
        [{"subscription_id": s, "job_key": k, "failed_at": at} for (s, k), at in failed.items()],
    )


async def forget_jobs(work: Write, job_keys: set[str]) -> None:
    """End the quiet periods of these jobs, for every subscription (they were fixed)."""
    if job_keys:
        await work.execute(chat_quiet.delete().where(chat_quiet.c.job_key.in_(sorted(job_keys))))


async def _forget(work: Write, pairs: set[Pair]) -> None:
    for subscription_id in {s for s, _ in pairs}:
        keys = sorted(k for s, k in pairs if s == subscription_id)
        await work.execute(
            chat_quiet.delete().where(chat_quiet.c.subscription_id == subscription_id, chat_quiet.c.job_key.in_(keys))
        )
