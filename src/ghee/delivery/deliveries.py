"""The delivery queue: one row per event per subscription, claimed under a lease, retried on a schedule.

Claiming is one ``UPDATE ... WHERE id IN (SELECT ...)`` statement. On
PostgreSQL the inner select takes ``FOR UPDATE SKIP LOCKED``, so any number of
workers share the queue and each claim goes to one of them; on SQLite the
UPDATE, being the transaction's first statement, takes the write lock before
it reads (what ``BEGIN IMMEDIATE`` does). A worker killed mid-delivery leaves
its lease behind; once it expires the delivery is due again (at least once).

Order: a delivery is only claimable when no earlier event's delivery for the
same subscription and resource is still pending, so one subscription sees a
resource's events in the order they happened.
"""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta
from functools import cache
from typing import Any

import msgspec
import sqlalchemy as sa

from ghee import ids
from ghee.clock import utcnow
from ghee.core.paging import Slice, Window, cut
from ghee.db.database import Write
from ghee.db.newest_first import newest_first, of_parent
from ghee.db.reads import Reads, Row, as_datetime
from ghee.db.sealing import SealBroken, Sealer
from ghee.db.tables import events, webhook_attempts, webhook_deliveries, webhook_subscriptions
from ghee.delivery.sender import AttemptResult
from ghee.delivery.subscriptions import UNOPENED, SigningSecrets, disable_subscription, signing_secrets
from ghee.errors import Conflict, Invalid, NotFound

STATES = ("pending", "delivered", "dead")
GONE = 410
JITTER = 0.2
"""Each retry waits its scheduled delay times a random factor in 1 ± JITTER."""

_d = webhook_deliveries.alias("d")
_e = webhook_deliveries.alias("e")


class ClaimedDelivery(msgspec.Struct, frozen=True):
    """A delivery a worker holds the lease of, with what it needs to send it."""

    id: int
    lease_token: str
    attempt: int
    event_type: str
    data: dict[str, Any]
    subscription_id: int
    url: str
    headers: dict[str, str]
    """The subscription's custom headers, opened (empty when ``unopened``)."""
    secret: str
    """Its signing secret, opened (empty when ``unopened``)."""
    unopened: str | None = None
    """Why the headers and secret could not be opened (the key changed), or ``None``: then nothing is sent."""
    message: str | None = None
    """A chat message's body, composed at fan-out: then ``url`` is the chat URL, opened, and nothing is signed."""


class Attempt(msgspec.Struct, frozen=True):
    """One logged attempt."""

    number: int
    started_at: datetime
    status_code: int | None
    latency_ms: int
    error: str | None
    response_excerpt: str


class Delivery(msgspec.Struct, frozen=True):
    """One delivery row, as the API shows it."""

    id: int
    subscription_id: int
    event_id: int
    event_type: str
    state: str
    attempts: int
    next_attempt_at: datetime
    last_status: int | None
    last_error: str | None
    created_at: datetime
    finished_at: datetime | None

    @property
    def public_id(self) -> str:
        """``msg_...``, also the ``webhook-id`` header of every attempt."""
        return ids.encode("msg", self.id)


def _due(now: datetime, limit: int, *, skip_locked: bool) -> sa.Select[tuple[int]]:
    earlier_pending = sa.exists().where(
        _e.c.subscription_id == _d.c.subscription_id,
        _e.c.resource_key == _d.c.resource_key,
        _e.c.state == "pending",
        _e.c.event_id < _d.c.event_id,
    )
    query = (
        sa.select(_d.c.id)
        .join(webhook_subscriptions, webhook_subscriptions.c.id == _d.c.subscription_id)
        .where(
            _d.c.state == "pending",
            webhook_subscriptions.c.active.is_(True),
            _d.c.next_attempt_at <= now,
            sa.or_(_d.c.lease_until.is_(None), _d.c.lease_until < now),
            ~earlier_pending,
        )
        .order_by(_d.c.id)
        .limit(limit)
    )
    return query.with_for_update(skip_locked=True, of=_d) if skip_locked else query


_WALK_THE_QUEUE_IN_ORDER = sa.text(
    "SELECT set_config('enable_sort', 'off', true), set_config('plan_cache_mode', 'force_custom_plan', true)"
)
"""PostgreSQL: take the due deliveries in id order from an index, stopping at the limit, whatever the statistics say.

A burst fills the queue faster than autovacuum analyses it: planned with the
empty table's statistics, the claim read and sorted every pending delivery
(37 ms for 20,000, each claim) instead of walking ``ix_webhook_deliveries_due``
until it had its 32 (0.17 ms). For the rest of the claim's transaction only.
"""


async def claim_deliveries(work: Write, sealer: Sealer, limit: int, lease_seconds: float) -> list[ClaimedDelivery]:
    """Lease up to ``limit`` due deliveries for ``lease_seconds``; commit right after, then send them.

    Each comes with its subscription's headers and secret opened with ``sealer``.
    """
    now = utcnow()
    token = uuid.uuid4().hex
    postgres = work.dialect.name == "postgresql"
    if postgres:
        await work.execute(_WALK_THE_QUEUE_IN_ORDER)
    due = _due(now, limit, skip_locked=postgres)
    claimed = (
        await work.execute(
            webhook_deliveries.update()
            .where(webhook_deliveries.c.id.in_(due))
            .values(
                lease_until=now + timedelta(seconds=lease_seconds),
                lease_token=token,
                attempts=webhook_deliveries.c.attempts + 1,
            )
            .returning(webhook_deliveries.c.id, webhook_deliveries.c.attempts)
        )
    ).all()
    if not claimed:
        return []
    attempts = {row.id: row.attempts for row in claimed}
    rows = await work.execute(
        sa.select(
            webhook_deliveries.c.id,
            webhook_deliveries.c.event_type,
            events.c.payload,
            webhook_subscriptions.c.id.label("subscription_id"),
            webhook_subscriptions.c.url,
            webhook_subscriptions.c.headers,
            webhook_subscriptions.c.secret,
            webhook_deliveries.c.message,
        )
        .select_from(
            webhook_deliveries.join(events, events.c.id == webhook_deliveries.c.event_id).join(
                webhook_subscriptions, webhook_subscriptions.c.id == webhook_deliveries.c.subscription_id
            )
        )
        .where(webhook_deliveries.c.id.in_(list(attempts)))
        .order_by(webhook_deliveries.c.id)
    )
    found = []
    opened_by_subscription: dict[int, tuple[SigningSecrets, str | None]] = {}  # opened once per claim, not per row
    for row in rows:
        if row.subscription_id not in opened_by_subscription:
            opened_by_subscription[row.subscription_id] = _signing(sealer, row.headers or {}, row.secret)
        opened, unopened = opened_by_subscription[row.subscription_id]
        found.append(
            ClaimedDelivery(
                id=row.id,
                lease_token=token,
                attempt=attempts[row.id],
                event_type=row.event_type,
                data=row.payload,
                subscription_id=row.subscription_id,
                # A chat subscription's URL is the secret it keeps sealed; it signs nothing.
                url=row.url if row.message is None else opened.secret,
                headers=opened.headers,
                secret=opened.secret if row.message is None else "",
                unopened=unopened,
                message=row.message,
            )
        )
    return found


def _signing(sealer: Sealer, sealed_headers: dict[str, str], sealed_secret: str) -> tuple[SigningSecrets, str | None]:
    """A subscription's headers and secret opened; empty ones and why, when they do not open."""
    try:
        return signing_secrets(sealer, sealed_headers, sealed_secret), None
    except SealBroken:
        return SigningSecrets({}, ""), UNOPENED


def next_delay(schedule: tuple[float, ...], attempt: int, retry_after: float | None) -> float | None:
    """Seconds to wait after failed attempt number ``attempt`` (1-based), jittered; ``None`` when none remain."""
    if attempt >= len(schedule):
        return None
    delay = schedule[attempt] * random.uniform(1 - JITTER, 1 + JITTER)  # noqa: S311 (spreading retries, not secrets)
    return max(delay, retry_after or 0.0)


Ended = tuple[ClaimedDelivery, AttemptResult]
"""A claimed delivery and what its attempt got."""

_ATTEMPT_TYPES: dict[str, sa.types.TypeEngine[Any]] = {
    "delivery_id": sa.BigInteger(),
    "number": sa.Integer(),
    "started_at": sa.DateTime(),
    "status_code": sa.Integer(),
    "latency_ms": sa.Integer(),
    "error": sa.String(),
    "response_excerpt": sa.Text(),
}
# An attempt is logged only if its delivery is still there: a subscription deleted while its attempt
# was in flight took its deliveries with it, and one such attempt must not fail the others' records.
_LOG_ATTEMPT = webhook_attempts.insert().from_select(
    list(_ATTEMPT_TYPES),
    sa.select(*[sa.bindparam(name, type_=kind) for name, kind in _ATTEMPT_TYPES.items()]).where(
        sa.exists().where(webhook_deliveries.c.id == sa.bindparam("delivery_id", type_=sa.BigInteger()))
    ),
)
# A delivery moved on, unless its lease passed to another worker meanwhile (then only the attempt is logged).
_MOVE_ON = (
    webhook_deliveries.update()
    .where(webhook_deliveries.c.id == sa.bindparam("b_id"), webhook_deliveries.c.lease_token == sa.bindparam("b_lease"))
    .values(
        lease_until=None,
        lease_token=None,
        state=sa.bindparam("b_state"),
        last_status=sa.bindparam("b_status"),
        last_error=sa.bindparam("b_error"),
        finished_at=sa.bindparam("b_finished", type_=sa.DateTime()),
        next_attempt_at=sa.func.coalesce(
            sa.bindparam("b_next", type_=sa.DateTime()), webhook_deliveries.c.next_attempt_at
        ),
    )
)


def _moved_on(
    claimed: ClaimedDelivery, result: AttemptResult, schedule: tuple[float, ...], now: datetime
) -> dict[str, Any]:
    """The delivery's next state after ``result``: delivered, retried at a time, or dead."""
    moved: dict[str, Any] = {"b_id": claimed.id, "b_lease": claimed.lease_token, "b_status": result.status_code}
    moved |= {"b_error": None if result.ok else (result.error or f"HTTP {result.status_code}")[:500]}
    moved |= {"b_state": "dead", "b_finished": now, "b_next": None}
    if result.ok:
        moved["b_state"] = "delivered"
    elif result.status_code == GONE:
        moved["b_error"] = "410 Gone: the subscription was disabled"
    elif (delay := next_delay(schedule, claimed.attempt, result.retry_after)) is not None:
        moved |= {"b_state": "pending", "b_finished": None, "b_next": now + timedelta(seconds=delay)}
    return moved


async def record_attempts(work: Write, ended: list[Ended], schedule: tuple[float, ...]) -> None:
    """Log each attempt and move its delivery on: delivered, retried later, or dead; in two statements for all.

    A 410 answer disables the subscription. Should a lease have passed to
    another worker meanwhile, only that attempt is logged: the holder decides.
    An attempt whose delivery was deleted meanwhile (with its subscription) is not logged.
    """
    if not ended:
        return
    now = utcnow()
    await work.execute(
        _LOG_ATTEMPT,
        [
            {
                "delivery_id": claimed.id,
                "number": claimed.attempt,
                "started_at": now - timedelta(milliseconds=result.latency_ms),
                "status_code": result.status_code,
                "latency_ms": result.latency_ms,
                "error": result.error,
                "response_excerpt": result.excerpt,
            }
            for claimed, result in ended
        ],
    )
    kept_on = [_moved_on(c, r, schedule, now) for c, r in ended if r.status_code != GONE]
    if kept_on:
        await work.execute(_MOVE_ON, kept_on)
    for claimed, result in ended:
        # One at a time, rare: the subscription is disabled only if this worker's attempt moved the delivery.
        gone = result.status_code == GONE
        if gone and (await work.execute(_MOVE_ON, _moved_on(claimed, result, schedule, now))).rowcount == 1:
            await disable_subscription(work, claimed.subscription_id, "the target answered 410 Gone")


def delivery_row_id(public_id: str) -> int:
    """The row id of ``msg_...``; raises ``NotFound``."""
    return ids.decode("msg", public_id, "delivery")


_DELIVERY_COLUMNS = [webhook_deliveries.c[name] for name in Delivery.__struct_fields__]


def _delivery(row: Row) -> Delivery:
    row_id, subscription_id, event_id, event_type, state, attempts = row[:6]
    next_attempt_at, last_status, last_error, created_at, finished_at = row[6:]
    return Delivery(
        row_id,
        subscription_id,
        event_id,
        event_type,
        state,
        attempts,
        as_datetime(next_attempt_at),  # type: ignore[arg-type]
        last_status,
        last_error,
        as_datetime(created_at),  # type: ignore[arg-type]
        as_datetime(finished_at),
    )


@cache
def _list_statement(by_state: bool) -> sa.Select[Any]:
    """A page of a subscription's deliveries, newest first, of one state or all."""
    query = sa.select(*_DELIVERY_COLUMNS).where(
        of_parent(webhook_deliveries.c.subscription_id, sa.bindparam("subscription_id"))
    )
    if by_state:
        query = query.where(webhook_deliveries.c.state == sa.bindparam("state"))
    query = query.order_by(*newest_first(webhook_deliveries.c.subscription_id, webhook_deliveries.c.id))
    return query.limit(sa.bindparam("limit")).offset(sa.bindparam("offset"))


async def list_deliveries(reads: Reads, subscription_id: int, state: str | None, window: Window) -> Slice[Delivery]:
    """A subscription's deliveries, newest first; raises ``Invalid`` for an unknown state."""
    params: dict[str, object] = {"subscription_id": subscription_id, "limit": window.limit + 1, "offset": window.offset}
    if state is not None:
        if state not in STATES:
            raise Invalid("state", f"must be one of {', '.join(STATES)}")
        params["state"] = state
    rows = await reads.all(_list_statement(state is not None), params)
    return cut([_delivery(row) for row in rows], window)


_ONE = sa.select(*_DELIVERY_COLUMNS).where(
    webhook_deliveries.c.id == sa.bindparam("delivery_id"),
    webhook_deliveries.c.subscription_id == sa.bindparam("subscription_id"),
)


async def get_delivery(reads: Reads, subscription_id: int, public_id: str) -> Delivery:
    """The delivery ``msg_...`` of the subscription; raises ``NotFound``."""
    row = await reads.first(_ONE, {"delivery_id": delivery_row_id(public_id), "subscription_id": subscription_id})
    if row is None:
        raise NotFound("delivery", public_id)
    return _delivery(row)


_ATTEMPTS = (
    sa.select(*[webhook_attempts.c[name] for name in Attempt.__struct_fields__])
    .where(webhook_attempts.c.delivery_id == sa.bindparam("delivery_id"))
    .order_by(webhook_attempts.c.id)
    .limit(sa.bindparam("limit"))
    .offset(sa.bindparam("offset"))
)


async def list_attempts(reads: Reads, delivery_id: int, window: Window) -> Slice[Attempt]:
    """A delivery's attempts, oldest first."""
    rows = await reads.all(_ATTEMPTS, {"delivery_id": delivery_id, "limit": window.limit + 1, "offset": window.offset})
    return cut(
        [
            Attempt(number, as_datetime(started_at), status_code, latency_ms, error, excerpt)  # type: ignore[arg-type]
            for number, started_at, status_code, latency_ms, error, excerpt in rows
        ],
        window,
    )


async def replay_delivery(work: Write, delivery: Delivery) -> Delivery:
    """Queue a dead (or delivered) delivery again, with a fresh retry schedule and the same ``webhook-id``.

    Raises ``Conflict`` if it is still pending.
    """
    if delivery.state == "pending":
        raise Conflict("the delivery is still pending; only dead or delivered ones can be replayed")
    now = utcnow()
    changes = {"state": "pending", "attempts": 0, "next_attempt_at": now, "finished_at": None}
    await work.execute(
        webhook_deliveries.update()
        .where(webhook_deliveries.c.id == delivery.id)
        .values(lease_until=None, lease_token=None, **changes)
    )
    return msgspec.structs.replace(delivery, **changes)


async def replay_dead(work: Write, subscription_id: int) -> int:
    """Queue every dead delivery of a subscription again; returns how many."""
    moved = await work.execute(
        webhook_deliveries.update()
        .where(webhook_deliveries.c.subscription_id == subscription_id, webhook_deliveries.c.state == "dead")
        .values(state="pending", attempts=0, next_attempt_at=utcnow(), finished_at=None, lease_until=None)
    )
    return int(moved.rowcount)
