"""The webhooks loop: hand queued events on, then claim due deliveries and send them, signed.

One loop per worker process. It keeps up to ``concurrency`` deliveries in
flight; the attempts that ended since the loop last looked are recorded
(delivered, retried later, or dead) together, in one short transaction, before
more work is taken: one commit per round instead of one per delivery (SQLite
has one writer). A worker killed between an attempt and its record leaves the
delivery leased; it is sent again once the lease expires (at least once).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING

import httpx

from ghee import __version__
from ghee.core.events import EVENTS_CHANNEL
from ghee.delivery.deliveries import ClaimedDelivery, claim_deliveries, record_attempt
from ghee.delivery.outbox import hand_on_events
from ghee.delivery.payloads import message_body, message_id
from ghee.delivery.sender import AttemptResult, post_message
from ghee.delivery.signing import signed_headers

if TYPE_CHECKING:
    from ghee.config import DeliverySettings
    from ghee.db.database import Database
    from ghee.db.sealing import Sealer

log = logging.getLogger("ghee.webhooks")

USER_AGENT = f"ghee-webhooks/{__version__}"


def request_headers(claimed: ClaimedDelivery, body: bytes) -> dict[str, str]:
    """The subscription's custom headers, then the content type and the Standard Webhooks headers."""
    return {
        **claimed.headers,
        "content-type": "application/json",
        **signed_headers(claimed.secret, message_id(claimed.id), body),
    }


Attempt = tuple[ClaimedDelivery, AttemptResult]


async def _send(delivery: DeliverySettings, client: httpx.AsyncClient, claimed: ClaimedDelivery) -> Attempt:
    if claimed.unopened is not None:
        # Not sent unsigned: a failed attempt, retried on schedule (the key may be put back meanwhile).
        return claimed, AttemptResult(None, 0, claimed.unopened, "")
    body = message_body(claimed.event_type, claimed.data, claimed.url)
    result = await post_message(
        client,
        claimed.url,
        body,
        request_headers(claimed, body),
        timeout=delivery.timeout_seconds,
        allow_private=delivery.allow_private,
    )
    return claimed, result


async def _record(delivery: DeliverySettings, db: Database, attempts: list[Attempt]) -> None:
    """Record ended attempts in one transaction; on failure they stay leased and are sent again later."""
    if not attempts:
        return
    try:
        async with db.write() as work:
            for claimed, result in attempts:
                await record_attempt(work, claimed, result, delivery.retry_schedule)
    except Exception:
        log.exception("webhooks: could not record %d attempts; they are retried once their leases pass", len(attempts))


async def _take_work(delivery: DeliverySettings, db: Database, sealer: Sealer, room: int) -> list[ClaimedDelivery]:
    async with db.write() as work:
        await hand_on_events(work, delivery.batch)
    if room <= 0:
        return []
    async with db.write() as work:
        return await claim_deliveries(work, sealer, min(room, delivery.batch), delivery.lease_seconds)


async def run_webhooks(delivery: DeliverySettings, db: Database, sealer: Sealer, stop: asyncio.Event) -> None:
    """Deliver webhooks until ``stop`` is set, then finish the attempts in flight (``sealer`` opens their secrets).

    An idle loop sleeps until a commit that recorded events wakes it (``EVENTS_CHANNEL``: in this process,
    or through PostgreSQL's LISTEN/NOTIFY), or ``poll_seconds`` pass (retries come due by the clock).
    """
    limits = httpx.Limits(max_connections=delivery.concurrency, max_keepalive_connections=delivery.concurrency)
    in_flight: set[asyncio.Task[Attempt]] = set()
    stopping = asyncio.ensure_future(stop.wait())
    woken = db.wakes.event(EVENTS_CHANNEL)
    listening = asyncio.create_task(db.listen([EVENTS_CHANNEL], stop))
    async with httpx.AsyncClient(follow_redirects=False, limits=limits, headers={"user-agent": USER_AGENT}) as client:
        try:
            while not stop.is_set():
                woken.clear()  # a commit from here on wakes the wait below
                try:
                    claimed = await _take_work(delivery, db, sealer, delivery.concurrency - len(in_flight))
                except Exception:
                    # The database is down or busy: say so, wait, try again; the loop must outlive it.
                    log.exception("webhooks: could not take work")
                    claimed = []
                for item in claimed:
                    in_flight.add(asyncio.create_task(_send(delivery, client, item)))
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
                await _record(delivery, db, _reap(in_flight))
            if in_flight:
                # Let the attempts in flight finish and be recorded; what is cut short is retried after its lease.
                await asyncio.wait(in_flight, timeout=delivery.timeout_seconds + 1)
                await _record(delivery, db, _reap(in_flight))
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
