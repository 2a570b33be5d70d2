"""The webhooks loop: hand queued events on, then claim due deliveries and send them, signed.

One loop per worker process. It keeps up to ``concurrency`` deliveries in
flight. Each round records the attempts that ended since the last round
(delivered, retried later, or dead) together in one short transaction, then
hands queued events on and claims more deliveries in another: two commits per
round instead of several per delivery (SQLite has one writer). A worker
killed between an attempt and its record leaves the delivery leased; it is
sent again once the lease expires (at least once).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING

from ghee.core.events import EVENTS_CHANNEL
from ghee.delivery.connections import Connections, connections
from ghee.delivery.deliveries import ClaimedDelivery, claim_deliveries, record_attempts
from ghee.delivery.outbox import hand_on_events
from ghee.delivery.payloads import message_body, message_id
from ghee.delivery.sender import AttemptResult, post_message
from ghee.delivery.signing import signed_headers

if TYPE_CHECKING:
    from ghee.config import DeliverySettings
    from ghee.db.database import Database
    from ghee.db.sealing import Sealer

log = logging.getLogger("ghee.webhooks")


CHAT_HEADERS = {"content-type": "application/json"}
"""A chat message's headers: its URL authenticates it, so nothing is signed."""


def request_headers(claimed: ClaimedDelivery, body: bytes) -> dict[str, str]:
    """The subscription's custom headers, then the content type and the Standard Webhooks headers."""
    if claimed.message is not None:
        return CHAT_HEADERS
    return {
        **claimed.headers,
        "content-type": "application/json",
        **signed_headers(claimed.secret, message_id(claimed.id), body),
    }


Attempt = tuple[ClaimedDelivery, AttemptResult]


async def _send(delivery: DeliverySettings, pool: Connections, claimed: ClaimedDelivery) -> Attempt:
    if claimed.unopened is not None:
        # Not sent unsigned: a failed attempt, retried on schedule (the key may be put back meanwhile).
        return claimed, AttemptResult(None, 0, claimed.unopened, "")
    body = (
        message_body(claimed.event_type, claimed.data, claimed.url)
        if claimed.message is None
        else claimed.message.encode()
    )
    result = await post_message(
        pool,
        claimed.url,
        body,
        request_headers(claimed, body),
        timeout=delivery.timeout_seconds,
        allow_private=delivery.allow_private,
    )
    return claimed, result


async def _round(
    delivery: DeliverySettings, db: Database, sealer: Sealer, ended: list[Attempt], room: int
) -> list[ClaimedDelivery]:
    """Record the attempts that ended, then hand queued events on and claim up to ``room`` due deliveries.

    Two short transactions, so that nothing going wrong in handing on or
    claiming can take the records with it. Should the first fail, the ended
    attempts stay leased and are sent again once their leases pass (at least once).
    """
    if ended:
        async with db.write() as work:
            await record_attempts(work, ended, delivery.retry_schedule)
    async with db.write() as work:
        await hand_on_events(work, delivery.batch, delivery.public_url)
        if room <= 0:
            return []
        return await claim_deliveries(work, sealer, min(room, delivery.batch), delivery.lease_seconds)


async def run_webhooks(delivery: DeliverySettings, db: Database, sealer: Sealer, stop: asyncio.Event) -> None:
    """Deliver webhooks until ``stop`` is set, then finish the attempts in flight (``sealer`` opens their secrets).

    An idle loop sleeps until a commit that recorded events wakes it (``EVENTS_CHANNEL``: in this process,
    or through PostgreSQL's LISTEN/NOTIFY), or ``poll_seconds`` pass (retries come due by the clock).
    """
    in_flight: set[asyncio.Task[Attempt]] = set()
    stopping = asyncio.ensure_future(stop.wait())
    woken = db.wakes.event(EVENTS_CHANNEL)
    listening = asyncio.create_task(db.listen([EVENTS_CHANNEL], stop))
    async with connections(keep_idle=delivery.concurrency) as pool:
        try:
            while not stop.is_set():
                woken.clear()  # a commit from here on wakes the wait below
                ended = _reap(in_flight)
                try:
                    claimed = await _round(delivery, db, sealer, ended, delivery.concurrency - len(in_flight))
                except Exception:
                    # The database is down or busy: say so, wait, try again; the loop must outlive it.
                    log.exception("webhooks: a round failed (%d attempts to record, then work to take)", len(ended))
                    claimed = []
                for item in claimed:
                    in_flight.add(asyncio.create_task(_send(delivery, pool, item)))
                if not claimed or len(in_flight) >= delivery.concurrency:
                    waking = asyncio.ensure_future(woken.wait())
                    await asyncio.wait(
                        {*in_flight, stopping, waking},
                        timeout=delivery.poll_seconds,
                        return_when=asyncio.FIRST_COMPLETED,
                    )
                    waking.cancel()
                else:
                    await asyncio.sleep(0)
            if in_flight:
                # Let the attempts in flight finish and be recorded; what is cut short is retried after its lease.
                await asyncio.wait(in_flight, timeout=delivery.timeout_seconds + 1)
            try:
                await _round(delivery, db, sealer, _reap(in_flight), 0)
            except Exception:
                log.exception("webhooks: could not record the last attempts; they are retried once their leases pass")
        finally:
            stopping.cancel()
            listening.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await listening
            for task in in_flight:
                task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.gather(*in_flight, return_exceptions=True)


def _reap(in_flight: set[asyncio.Task[Attempt]]) -> list[Attempt]:
    """Take the finished sends out of ``in_flight``; returns their attempts, in the order they were claimed."""
    ended = []
    for task in [task for task in in_flight if task.done()]:
        in_flight.discard(task)
        if task.cancelled():
            continue
        if (error := task.exception()) is not None:
            log.error("webhooks: a delivery failed before it could be recorded", exc_info=error)
            continue
        ended.append(task.result())
    return sorted(ended, key=lambda attempt: attempt[0].id)
