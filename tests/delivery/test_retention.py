"""Retention: delivered webhooks, their attempts and old events go after their age; nothing undelivered ever goes."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
import sqlalchemy as sa

from ghee.clock import utcnow
from ghee.config import RetentionSettings
from ghee.db.database import Database, opened
from ghee.db.tables import events, webhook_attempts, webhook_deliveries
from ghee.delivery import retention
from ghee.delivery.retention import Removed, remove_expired, retention_loop
from tests.support.queue_rows import delivery_row, event_row, subscription_row

DAY = timedelta(days=1)


async def _left(db: Database) -> tuple[set[str], set[int], int]:
    reads = db.read()
    names = {row[0] for row in await reads.all(sa.select(events.c.resource_id), {})}
    deliveries = {row[0] for row in await reads.all(sa.select(webhook_deliveries.c.id), {})}
    attempts = (await reads.first(sa.select(sa.func.count()).select_from(webhook_attempts), {}) or (0,))[0]
    return names, deliveries, int(attempts)


def test_what_is_past_its_age_goes_and_nothing_undelivered_ever_does(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(retention, "BATCH", 2)  # several batches, each its own transaction

    async def run() -> tuple[Removed, tuple[set[str], set[int], int], Removed]:
        now = utcnow()
        async with opened(database_url) as db:
            subscription = await subscription_row(db)
            old, young = now - 40 * DAY, now - 2 * DAY
            kept: dict[str, int] = {}
            # Rows are written in time order, as ghee writes them: ids grow with time.
            for name, state, created, finished in (
                ("pending-old", "pending", now - 200 * DAY, None),  # retried for months: never removed
                ("dead-100-days", "dead", now - 100 * DAY, now - 99 * DAY),
                ("delivered-old", "delivered", old, old + DAY),
                ("dead-40-days", "dead", old, old + DAY),  # a dead letter is kept 90 days
            ):
                event_id = await event_row(db, name, created)
                kept[name] = await delivery_row(db, subscription, event_id, state, created, finished)
            await event_row(db, "event-old", old)
            await event_row(db, "event-old-queued", old, queued=True)  # not yet handed on: stays
            event_id = await event_row(db, "delivered-young", young)
            kept["delivered-young"] = await delivery_row(db, subscription, event_id, "delivered", young, young)
            await event_row(db, "event-young", young)
            first = await remove_expired(db, RetentionSettings())
            left = await _left(db)
            again = await remove_expired(db, RetentionSettings())
            assert left[1] == {kept["delivered-young"], kept["dead-40-days"], kept["pending-old"]}
            return first, left, again

    first, (names, _, attempts), again = asyncio.run(run())
    assert first == Removed(deliveries=2, attempts=4, events=3)
    assert names == {"delivered-young", "dead-40-days", "pending-old", "event-old-queued", "event-young"}
    assert attempts == 6  # two for each delivery left
    assert again == Removed()


def test_the_worker_loop_removes_at_start_and_stops_when_asked(database_url: str) -> None:
    async def run() -> set[str]:
        async with opened(database_url) as db:
            await event_row(db, "ancient", utcnow() - 365 * DAY)
            await event_row(db, "fresh", utcnow())
            stop = asyncio.Event()
            loop = asyncio.create_task(retention_loop(RetentionSettings(interval_seconds=3600), db, stop))
            for _ in range(100):
                if "ancient" not in (await _left(db))[0]:
                    break
                await asyncio.sleep(0.05)
            stop.set()
            await asyncio.wait_for(loop, 5)
            return (await _left(db))[0]

    assert asyncio.run(run()) == {"fresh"}
