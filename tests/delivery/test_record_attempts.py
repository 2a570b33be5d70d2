"""Recording a round's attempts: what one delivery's fate does cannot take the others' records with it."""

from __future__ import annotations

import asyncio

import sqlalchemy as sa
from cryptography.fernet import Fernet

from ghee.clock import utcnow
from ghee.db.database import opened
from ghee.db.sealing import Sealer
from ghee.db.tables import webhook_attempts, webhook_deliveries, webhook_subscriptions
from ghee.delivery.deliveries import claim_deliveries, record_attempts
from ghee.delivery.sender import AttemptResult
from tests.support.queue_rows import delivery_row, event_row, subscription_row

SCHEDULE = (0.0, 60.0, 60.0)


def test_a_subscription_deleted_while_its_attempt_was_in_flight_loses_no_other_record(database_url: str) -> None:
    async def run() -> tuple[list[tuple[int, str, int | None]], list[tuple[int, int, int | None]]]:
        now = utcnow()
        async with opened(database_url) as db:
            kept, deleted = await subscription_row(db), await subscription_row(db)
            gone = await delivery_row(db, deleted, await event_row(db, "a", now), "pending", now, None)
            stays = await delivery_row(db, kept, await event_row(db, "b", now), "pending", now, None)
            async with db.write() as work:
                claimed = await claim_deliveries(work, Sealer(Fernet.generate_key()), 10, 60.0)
            assert [c.id for c in claimed] == [gone, stays]
            async with db.write() as work:  # the subscription is deleted while both attempts are in flight
                await work.execute(webhook_subscriptions.delete().where(webhook_subscriptions.c.id == deleted))
            async with db.write() as work:
                await record_attempts(work, [(c, AttemptResult(200, 7, None, "ok")) for c in claimed], SCHEDULE)
            reads = db.read()
            deliveries = await reads.all(
                sa.select(webhook_deliveries.c.id, webhook_deliveries.c.state, webhook_deliveries.c.lease_token), {}
            )
            attempts = await reads.all(
                sa.select(
                    webhook_attempts.c.delivery_id, webhook_attempts.c.number, webhook_attempts.c.status_code
                ).order_by(webhook_attempts.c.id),
                {},
            )
        return [tuple(row) for row in deliveries], [tuple(row) for row in attempts]  # type: ignore[misc]

    deliveries, attempts = asyncio.run(run())
    (stays,) = deliveries
    assert stays[1:] == ("delivered", None)  # moved on, its lease given back
    # Its two earlier attempts (written with the row), then this one, logged: none of the deleted one's.
    assert attempts == [(stays[0], 1, None), (stays[0], 2, None), (stays[0], 3, 200)]
