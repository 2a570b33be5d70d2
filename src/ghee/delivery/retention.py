"""Retention: delivered webhooks, their attempt logs and old events are removed, so the tables stop growing.

What goes, once older than its age (``GHEE_RETENTION_DAYS``, 30 by default;
``GHEE_DEAD_RETENTION_DAYS``, 90, for dead letters):

- a delivery that was delivered (its ``finished_at`` past the age), with its attempts;
- a dead delivery (given up, never replayed) past the dead-letter age, with its attempts;
- an event past the age that no delivery names and that is not waiting in the queue.

Nothing pending is ever removed: a pending delivery, its attempts, its event
and a queued event stay whatever their age. The work goes in batches of
``BATCH`` rows, each in a transaction of its own, walking the tables by id
from the oldest: a writer waits for at most one batch, and a pass stops at
the first row too young to go (ids grow with time), so it reads only what it
removes plus the few old rows that must stay.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime, timedelta

import msgspec
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from ghee.clock import utcnow
from ghee.config import RetentionSettings
from ghee.db.database import Database
from ghee.db.reads import as_datetime
from ghee.db.tables import event_queue, events, webhook_attempts, webhook_deliveries
from ghee.errors import Unavailable

log = logging.getLogger("ghee.retention")

BATCH = 500
"""Rows one transaction removes at most."""


class Removed(msgspec.Struct):
    """What one pass removed."""

    deliveries: int = 0
    attempts: int = 0
    events: int = 0


_DELIVERIES = (
    sa.select(
        webhook_deliveries.c.id,
        webhook_deliveries.c.state,
        webhook_deliveries.c.created_at,
        webhook_deliveries.c.finished_at,
    )
    .where(webhook_deliveries.c.id > sa.bindparam("after"))
    .order_by(webhook_deliveries.c.id)
    .limit(BATCH)
)


async def _remove_deliveries(db: Database, delivered_before: datetime, dead_before: datetime) -> tuple[int, int]:
    removed = attempts = 0
    after = 0
    while True:
        rows = await db.read().all(_DELIVERIES, {"after": after})
        expired: list[int] = []
        young = False
        for delivery_id, state, created_at, finished_at in rows:
            if as_datetime(created_at) >= delivered_before:  # type: ignore[operator]
                young = True  # it, and every later delivery, finished after the cutoff: the pass ends here
                break
            finished = as_datetime(finished_at)
            if finished is None:
                continue  # pending: never removed
            if (state == "delivered" and finished < delivered_before) or (state == "dead" and finished < dead_before):
                expired.append(delivery_id)
        if expired:
            async with db.write() as work:
                # Re-checked in the transaction: a dead delivery replayed meanwhile is pending again and stays.
                still = sa.select(webhook_deliveries.c.id).where(
                    webhook_deliveries.c.id.in_(expired), webhook_deliveries.c.state.in_(("delivered", "dead"))
                )
                gone = await work.execute(webhook_attempts.delete().where(webhook_attempts.c.delivery_id.in_(still)))
                attempts += gone.rowcount
                deleted = await work.execute(
                    webhook_deliveries.delete().where(
                        webhook_deliveries.c.id.in_(expired),
                        webhook_deliveries.c.state.in_(("delivered", "dead")),
                    )
                )
                removed += deleted.rowcount
        if young or len(rows) < BATCH:
            return removed, attempts
        after = rows[-1][0]
        await asyncio.sleep(0)  # let the waiting writers in between batches


_EVENTS = (
    sa.select(events.c.id, events.c.created_at)
    .where(events.c.id > sa.bindparam("after"))
    .order_by(events.c.id)
    .limit(BATCH)
)


async def _remove_events(db: Database, before: datetime) -> int:
    removed = 0
    after = 0
    while True:
        rows = await db.read().all(_EVENTS, {"after": after})
        old = [event_id for event_id, created_at in rows if as_datetime(created_at) < before]  # type: ignore[operator]
        if old:
            async with db.write() as work:
                named = sa.select(webhook_deliveries.c.event_id).where(webhook_deliveries.c.event_id.in_(old))
                queued = sa.select(event_queue.c.event_id).where(event_queue.c.event_id.in_(old))
                deleted = await work.execute(
                    events.delete().where(events.c.id.in_(old), events.c.id.not_in(named), events.c.id.not_in(queued))
                )
                removed += deleted.rowcount
        if len(rows) < BATCH or len(old) < len(rows):
            return removed  # the first event too young ends the pass
        after = rows[-1][0]
        await asyncio.sleep(0)


async def remove_expired(db: Database, settings: RetentionSettings, now: datetime | None = None) -> Removed:
    """One pass: remove what is past its age (see the module); returns how much went."""
    now = now or utcnow()
    delivered_before = now - timedelta(days=settings.days)
    dead_before = now - timedelta(days=settings.dead_days)
    deliveries, attempts = await _remove_deliveries(db, delivered_before, dead_before)
    # Events after deliveries: an event whose last delivery just went can go in the same pass.
    return Removed(deliveries, attempts, await _remove_events(db, delivered_before))


async def retention_loop(settings: RetentionSettings, db: Database, stop: asyncio.Event) -> None:
    """Run a pass at start and every ``settings.interval_seconds`` until ``stop`` is set."""
    while not stop.is_set():
        try:
            removed = await remove_expired(db, settings)
            if removed.deliveries or removed.events:
                log.info(
                    "retention removed %d deliveries, %d attempts and %d events",
                    removed.deliveries,
                    removed.attempts,
                    removed.events,
                )
        except (DBAPIError, OSError, Unavailable) as exc:
            log.warning("cannot remove expired deliveries and events: %s", exc)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), settings.interval_seconds)
