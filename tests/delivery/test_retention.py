"""Retention: delivered webhooks, their attempts and old events go after their age; nothing undelivered ever goes."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from ghee.clock import utcnow
from ghee.config import RetentionSettings
from ghee.db.database import Database, opened
from ghee.db.tables import event_queue, events, webhook_attempts, webhook_deliveries, webhook_subscriptions
from ghee.delivery import retention
from ghee.delivery.retention import Removed, remove_expired, retention_loop
from tests.support.databases import make_database

DAY = timedelta(days=1)


@pytest.fixture
def database_url(backend: str, tmp_path: Path) -> Iterator[str]:
    url, drop = make_database(backend, tmp_path)
    yield url
    drop()


async def _event(db: Database, name: str, created_at: datetime, *, queued: bool = False) -> int:
    async with db.write() as work:
        event_id: int = await work.scalar(
            events.insert()
            .values(
                type="build.created",
                resource_type="build",
                resource_id=name,
                payload={"id": name},
                created_at=created_at,
            )
            .returning(events.c.id)
        )
        if queued:
            await work.execute(event_queue.insert().values(event_id=event_id))
    return event_id


async def _subscription(db: Database) -> int:
    now = utcnow()
    async with db.write() as work:
        subscription_id: int = await work.scalar(
            webhook_subscriptions.insert()
            .values(
                url="https://hooks.example.com/ghee",
                event_types=["*"],
                headers={},
                secret="sealed",  # noqa: S106 (never opened here)
                description="",
                active=True,
                created_at=now,
                updated_at=now,
            )
            .returning(webhook_subscriptions.c.id)
        )
    return subscription_id


async def _delivery(
    db: Database, subscription_id: int, event_id: int, state: str, created_at: datetime, finished_at: datetime | None
) -> int:
    async with db.write() as work:
        delivery_id: int = await work.scalar(
            webhook_deliveries.insert()
            .values(
                subscription_id=subscription_id,
                event_id=event_id,
                event_type="build.created",
                resource_key=f"build:{event_id}",
                state=state,
                attempts=2,
                next_attempt_at=created_at,
                created_at=created_at,
                finished_at=finished_at,
            )
            .returning(webhook_deliveries.c.id)
        )
        attempt = {"delivery_id": delivery_id, "started_at": created_at, "latency_ms": 5, "response_excerpt": ""}
        await work.execute(webhook_attempts.insert(), [{**attempt, "number": 1}, {**attempt, "number": 2}])
    return delivery_id


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
            subscription = await _subscription(db)
            old, young = now - 40 * DAY, now - 2 * DAY
            kept: dict[str, int] = {}
            # Rows are written in time order, as ghee writes them: ids grow with time.
            for name, state, created, finished in (
                ("pending-old", "pending", now - 200 * DAY, None),  # retried for months: never removed
                ("dead-100-days", "dead", now - 100 * DAY, now - 99 * DAY),
                ("delivered-old", "delivered", old, old + DAY),
                ("dead-40-days", "dead", old, old + DAY),  # a dead letter is kept 90 days
            ):
                event_id = await _event(db, name, created)
                kept[name] = await _delivery(db, subscription, event_id, state, created, finished)
            await _event(db, "event-old", old)
            await _event(db, "event-old-queued", old, queued=True)  # not yet handed on: stays
            event_id = await _event(db, "delivered-young", young)
            kept["delivered-young"] = await _delivery(db, subscription, event_id, "delivered", young, young)
            await _event(db, "event-young", young)
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
            await _event(db, "ancient", utcnow() - 365 * DAY)
            await _event(db, "fresh", utcnow())
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
