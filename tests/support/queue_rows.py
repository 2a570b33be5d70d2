"""Rows of the webhook queue written straight to a database: events, subscriptions, deliveries with two attempts."""

from __future__ import annotations

from datetime import datetime

from ghee.clock import utcnow
from ghee.db.database import Database
from ghee.db.tables import event_queue, events, webhook_attempts, webhook_deliveries, webhook_subscriptions


async def event_row(db: Database, name: str, created_at: datetime, *, queued: bool = False) -> int:
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


async def subscription_row(db: Database) -> int:
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


async def delivery_row(
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
