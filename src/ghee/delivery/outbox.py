"""The outbox's consumer: takes queued events off ``event_queue`` and hands each one on.

In the transaction that removes an event from the queue it becomes one
delivery per matching active subscription, and in-process consumers (patch
notes drafted on ``deployment.live``) do their work, so an event is handed on
exactly once: a crash before the commit leaves it queued, one after leaves
nothing to redo.

Events are handed on in id order by one worker at a time (an advisory lock on
PostgreSQL, the write lock on SQLite), so a resource's deliveries are created
in the order its events happened.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import sqlalchemy as sa

from ghee.clock import utcnow
from ghee.core.event_types import matches
from ghee.core.events import EVENT_COLUMNS, Event
from ghee.core.patch_notes import draft_patch_notes
from ghee.db.database import Write
from ghee.db.tables import event_queue, events, webhook_deliveries
from ghee.delivery.subscriptions import active_subscriptions
from ghee.errors import DomainError

log = logging.getLogger("ghee.outbox")

_HAND_ON_LOCK = 0x6768_6565_0001  # pg_try_advisory_xact_lock key: "ghee" + 1

Consumer = Callable[[Write, Event], Awaitable[None]]


async def _draft_patch_notes(work: Write, event: Event) -> None:
    await draft_patch_notes(work, event.resource_id)


CONSUMERS: dict[str, list[Consumer]] = {"deployment.live": [_draft_patch_notes]}
"""In-process consumers by event type, run in the transaction that hands the event on."""


async def hand_on_events(work: Write, limit: int) -> int:
    """Take up to ``limit`` queued events, oldest first, and hand them on; returns how many were taken.

    Returns 0 without waiting when another worker is handing events on.
    """
    if work.dialect.name == "postgresql" and not await work.scalar(
        sa.select(sa.func.pg_try_advisory_xact_lock(_HAND_ON_LOCK))
    ):
        return 0
    oldest = sa.select(event_queue.c.event_id).order_by(event_queue.c.event_id).limit(limit)
    taken = (
        await work.execute(
            event_queue.delete().where(event_queue.c.event_id.in_(oldest)).returning(event_queue.c.event_id)
        )
    ).scalars()
    event_ids = sorted(taken)
    if not event_ids:
        return 0
    rows = await work.execute(sa.select(*EVENT_COLUMNS).where(events.c.id.in_(event_ids)).order_by(events.c.id))
    queued = [Event(*row) for row in rows]
    await _fan_out(work, queued)
    for event in queued:
        for consumer in CONSUMERS.get(event.type, ()):
            try:
                await consumer(work, event)
            except DomainError:
                # The event names something gone or refused (a deleted deployment): nothing to do, and
                # retrying would block the queue behind it.
                log.warning("consumer %s skipped event %s (%s)", consumer.__name__, event.id, event.type, exc_info=True)
    return len(event_ids)


async def _fan_out(work: Write, queued: list[Event]) -> None:
    subscriptions = await active_subscriptions(work)
    if not subscriptions:
        return
    now = utcnow()
    rows = [
        {
            "subscription_id": subscription.id,
            "event_id": event.id,
            "event_type": event.type,
            "resource_key": f"{event.resource_type}:{event.resource_id}"[:130],
            "state": "pending",
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }
        for event in queued
        for subscription in subscriptions
        if matches(subscription.event_types, event.type)
    ]
    if rows:
        await work.execute(webhook_deliveries.insert(), rows)
