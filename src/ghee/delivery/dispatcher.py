"""The webhooks loop: hand queued events on, then claim due deliveries and send them, signed.

One loop per worker process. It keeps up to ``concurrency`` deliveries in
flight; each is recorded (delivered, retried later, or dead) in its own short
transaction as soon as its attempt ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import httpx

from ghee import __version__
from ghee.delivery.deliveries import ClaimedDelivery, claim_deliveries, record_attempt
from ghee.delivery.outbox import hand_on_events
from ghee.delivery.payloads import message_body, message_id
from ghee.delivery.sender import post_message
from ghee.delivery.signing import signed_headers

if TYPE_CHECKING:
    from ghee.worker import WorkerContext

log = logging.getLogger("ghee.webhooks")

USER_AGENT = f"ghee-webhooks/{__version__}"


def request_headers(claimed: ClaimedDelivery, body: bytes) -> dict[str, str]:
    """The subscription's custom headers, then the content type and the Standard Webhooks headers."""
    return {
        **claimed.headers,
        "content-type": "application/json",
        **signed_headers(claimed.secret, message_id(claimed.id), body),
    }


async def _deliver(context: WorkerContext, client: httpx.AsyncClient, claimed: ClaimedDelivery) -> None:
    delivery = context.settings.delivery
    body = message_body(claimed.event_type, claimed.data, claimed.url)
    result = await post_message(
        client,
        claimed.url,
        body,
        request_headers(claimed, body),
        timeout=delivery.timeout_seconds,
        allow_private=delivery.allow_private,
    )
    async with context.engine.begin() as conn:
        await record_attempt(conn, claimed, result, delivery.retry_schedule)


async def _take_work(context: WorkerContext, room: int) -> list[ClaimedDelivery]:
    delivery = context.settings.delivery
    async with context.engine.begin() as conn:
        await hand_on_events(conn, delivery.batch)
    if room <= 0:
        return []
    async with context.engine.begin() as conn:
        return await claim_deliveries(conn, min(room, delivery.batch), delivery.lease_seconds)


async def run_webhooks(context: WorkerContext) -> None:
    """Deliver webhooks until ``context.stopping`` is set, then finish the attempts in flight."""
    delivery = context.settings.delivery
    limits = httpx.Limits(max_connections=delivery.concurrency, max_keepalive_connections=delivery.concurrency)
    in_flight: set[asyncio.Task[None]] = set()
    stopping = asyncio.ensure_future(context.stopping.wait())
    async with httpx.AsyncClient(follow_redirects=False, limits=limits, headers={"user-agent": USER_AGENT}) as client:
        try:
            while not context.stopping.is_set():
                try:
                    claimed = await _take_work(context, delivery.concurrency - len(in_flight))
                except Exception:
                    # The database is down or busy: say so, wait, try again; the loop must outlive it.
                    log.exception("webhooks: could not take work")
                    claimed = []
                for item in claimed:
                    in_flight.add(asyncio.create_task(_deliver(context, client, item)))
                if not claimed or len(in_flight) >= delivery.concurrency:
                    done, _ = await asyncio.wait(
                        {*in_flight, stopping}, timeout=delivery.poll_seconds, return_when=asyncio.FIRST_COMPLETED
                    )
                    _reap(in_flight, done)
                else:
                    await asyncio.sleep(0)
                    _reap(in_flight, {task for task in in_flight if task.done()})
            if in_flight:
                # Let the attempts in flight finish and be recorded; what is cut short is retried after its lease.
                done, _ = await asyncio.wait(in_flight, timeout=delivery.timeout_seconds + 1)
                _reap(in_flight, done)
        finally:
            stopping.cancel()
            for task in in_flight:
                task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.gather(*in_flight, return_exceptions=True)


def _reap(in_flight: set[asyncio.Task[None]], done: Iterable[asyncio.Future[Any]]) -> None:
    for task in done:
        if task in in_flight:
            in_flight.discard(task)
            if not task.cancelled() and (error := task.exception()) is not None:
                log.error("webhooks: a delivery failed to record", exc_info=error)
