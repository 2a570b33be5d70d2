"""The outbox's consumer: takes queued events off ``event_queue`` and hands each one on.

In the transaction that removes an event from the queue it becomes one
delivery per matching active subscription, and in-process consumers (patch
notes drafted on ``deployment.live``) do their work, so an event is handed on
exactly once: a crash before the commit leaves it queued, one after leaves
nothing to redo.

Events are handed on in id order by one worker at a time (an advisory lock on
PostgreSQL, the write lock on SQLite), so a resource's deliveries are created
in the order its events happened.

A subscription gets an event when it matches its patterns and its project and
branch rules. A chat subscription gets only events that make a chat message
(``ghee.delivery.news``), composed here once and kept on the delivery row, and
no "failed" message inside its quiet period (``ghee.delivery.quiet``).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import sqlalchemy as sa

from ghee.clock import utcnow
from ghee.config import DEFAULT_PUBLIC_URL
from ghee.core.events import EVENT_COLUMNS, Event
from ghee.core.patch_notes import draft_patch_notes
from ghee.db.database import Write
from ghee.db.tables import event_queue, events, webhook_deliveries
from ghee.delivery import quiet
from ghee.delivery.chat import render
from ghee.delivery.news import Composed, compose_news
from ghee.delivery.subscriptions import Subscription, active_subscriptions
from ghee.errors import DomainError

log = logging.getLogger("ghee.outbox")

_HAND_ON_LOCK = 0x6768_6565_0001  # pg_try_advisory_xact_lock key: "ghee" + 1

Consumer = Callable[[Write, Event], Awaitable[None]]


async def _draft_patch_notes(work: Write, event: Event) -> None:
    await draft_patch_notes(work, event.resource_id)


CONSUMERS: dict[str, list[Consumer]] = {"deployment.live": [_draft_patch_notes]}
"""In-process consumers by event type, run in the transaction that hands the event on."""


async def hand_on_events(work: Write, limit: int, public_url: str = DEFAULT_PUBLIC_URL) -> int:
    """Take up to ``limit`` queued events, oldest first, and hand them on; returns how many were taken.

    Chat messages link to ghee's pages under ``public_url`` (``GHEE_PUBLIC_URL``).

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
    for event in queued:
        for consumer in CONSUMERS.get(event.type, ()):
            try:
                await consumer(work, event)
            except DomainError:
                # The event names something gone or refused (a deleted deployment): nothing to do, and
                # retrying would block the queue behind it.
                log.warning("consumer %s skipped event %s (%s)", consumer.__name__, event.id, event.type, exc_info=True)
    # After the consumers: a deployment's chat message links the patch notes they just drafted.
    await _fan_out(work, queued, public_url)
    return len(event_ids)


async def _fan_out(work: Write, queued: list[Event], public_url: str) -> None:
    subscriptions = await active_subscriptions(work)
    if not subscriptions:
        return
    wanted = [
        (event, subscription)
        for event in queued
        for subscription in subscriptions
        if subscription.wants(event.type, event.project_id, event.payload.get("branch"))
    ]
    messages: dict[tuple[int, int], str] = {}
    if any(subscription.chat for _, subscription in wanted):
        messages = await _chat_messages(work, [(e, s) for e, s in wanted if s.chat], public_url)
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
            "message": messages.get((event.id, subscription.id)),
        }
        for event, subscription in wanted
        if not subscription.chat or (event.id, subscription.id) in messages
    ]
    if rows:
        await work.execute(webhook_deliveries.insert(), rows)


async def _chat_messages(
    work: Write, wanted: list[tuple[Event, Subscription]], public_url: str
) -> dict[tuple[int, int], str]:
    """The body of each (event, chat subscription) to deliver, by their ids; quiet "failed" messages left out."""
    composed = await compose_news(work, list({event.id: event for event, _ in wanted}.values()), public_url)
    failing = {
        (s.id, str(c.job_key)) for e, s in wanted if (c := composed.get(e.id)) and _failed(c) and s.quiet_minutes
    }
    last_failed = await quiet.quiet_until(work, failing)
    fixed: set[str] = set()
    now = utcnow()
    messages: dict[tuple[int, int], str] = {}
    rendered: dict[tuple[int, str], str] = {}  # one body per event and format, however many subscriptions share it
    for event, subscription in wanted:  # in event order: a fix ends the quiet period of the failures after it
        news = composed.get(event.id)
        if news is None:
            continue
        if news.kind == "fixed" and news.job_key is not None and news.job_key not in fixed:
            fixed.add(news.job_key)
            last_failed = {pair: at for pair, at in last_failed.items() if pair[1] != news.job_key}
        if _failed(news) and subscription.quiet_minutes:
            pair = (subscription.id, str(news.job_key))
            if quiet.is_quiet(last_failed.get(pair), subscription.quiet_minutes, now):
                continue
            last_failed[pair] = now
        key = (event.id, subscription.format)
        if key not in rendered:
            rendered[key] = render(subscription.format, news.news).decode()
        messages[(event.id, subscription.id)] = rendered[key]
    await quiet.forget_jobs(work, fixed)
    await quiet.remember_failures(work, {pair: at for pair, at in last_failed.items() if at == now})
    return messages


def _failed(composed: Composed) -> bool:
    return composed.kind == "failed" and composed.job_key is not None
