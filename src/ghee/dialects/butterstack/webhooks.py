"""``/v1/webhooks``: subscriptions, a test send, and each subscription's deliveries and attempts.

Only admin tokens not bound to a project may use them (``ghee.dialects.butterstack`` declares it for these routes).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from litestar import Response, delete, get, patch, post
from litestar.params import QueryParameter

from ghee import ids
from ghee.clock import iso
from ghee.core.paging import Window
from ghee.core.projects import project_public_id
from ghee.db.database import Database
from ghee.db.sealing import Sealer, sealer_for
from ghee.delivery import deliveries, subscriptions
from ghee.delivery.sender import send_test_message
from ghee.dialects.butterstack.routes import _ERRORS
from ghee.http.auth import ApiRequest
from ghee.http.pagination import Limit, Offset
from ghee.http.services import services_of

DeliveryState = Literal["pending", "delivered", "dead"]
Format = Literal["standard", "slack", "discord", "teams"]


class ButterstackWebhook(msgspec.Struct):
    id: str
    url: str
    events: list[str]
    headers: dict[str, str]
    description: str
    active: bool
    disabled_reason: str | None
    created_at: str
    updated_at: str
    format: str
    """``standard`` (signed), or ``slack``, ``discord``, ``teams``: then ``url`` is the host and a masked tail."""
    projects: list[str] | None
    branches: list[str] | None
    quiet_minutes: int


class CreatedWebhook(ButterstackWebhook):
    secret: str
    """Shown once, when the subscription is created."""


class WebhookList(msgspec.Struct):
    webhooks: list[ButterstackWebhook]
    limit: int
    offset: int
    has_more: bool


class NewWebhookBody(msgspec.Struct):
    url: str
    events: list[str]
    headers: dict[str, str] = {}
    secret: str | None = None
    description: str = ""
    format: Format = "standard"
    projects: list[str] = []
    branches: list[str] = []
    quiet_minutes: int = 0


class NewSecretBody(msgspec.Struct):
    secret: str | None = None
    """``whsec_`` + base64 of 16 to 64 bytes; generated when absent."""


class NewSecret(msgspec.Struct):
    id: str
    secret: str
    """Shown once: messages are signed with it from now on, the old secret no longer."""


class WebhookChangesBody(msgspec.Struct):
    url: str | None = None
    events: list[str] | None = None
    headers: dict[str, str] | None = None
    description: str | None = None
    active: bool | None = None
    projects: list[str] | None = None
    branches: list[str] | None = None
    quiet_minutes: int | None = None


class ButterstackAttempt(msgspec.Struct):
    number: int
    started_at: str
    status_code: int | None
    latency_ms: int
    error: str | None
    response: str


class ButterstackDelivery(msgspec.Struct):
    id: str
    webhook_id: str
    event_id: str
    event: str
    state: str
    attempts: int
    next_attempt_at: str | None
    last_status: int | None
    last_error: str | None
    created_at: str
    finished_at: str | None


class DeliveryDetail(ButterstackDelivery):
    attempt_log: list[ButterstackAttempt]
    attempt_log_has_more: bool


class DeliveryList(msgspec.Struct):
    deliveries: list[ButterstackDelivery]
    limit: int
    offset: int
    has_more: bool


class TestResult(msgspec.Struct):
    ok: bool
    status_code: int | None
    latency_ms: int
    error: str | None
    response: str


class Replayed(msgspec.Struct):
    replayed: int


MASK = "********"


def masked(names: list[str]) -> dict[str, str]:
    """Custom headers with their values hidden: they often carry credentials (``Authorization``)."""
    return dict.fromkeys(names, MASK)


def webhook_shape(sub: subscriptions.Subscription) -> ButterstackWebhook:
    return ButterstackWebhook(
        id=sub.public_id,
        url=sub.url,
        events=sub.event_types,
        headers=masked(sub.header_names),
        description=sub.description,
        active=sub.active,
        disabled_reason=sub.disabled_reason,
        created_at=iso(sub.created_at) or "",
        updated_at=iso(sub.updated_at) or "",
        format=sub.format,
        projects=[project_public_id(p) for p in sub.projects] if sub.projects is not None else None,
        branches=sub.branches,
        quiet_minutes=sub.quiet_minutes,
    )


def delivery_shape(item: deliveries.Delivery) -> ButterstackDelivery:
    return ButterstackDelivery(**_delivery_fields(item))


def _delivery_fields(item: deliveries.Delivery) -> dict[str, Any]:
    return {
        "id": item.public_id,
        "webhook_id": ids.encode("wh", item.subscription_id),
        "event_id": ids.encode("evt", item.event_id),
        "event": item.event_type,
        "state": item.state,
        "attempts": item.attempts,
        "next_attempt_at": iso(item.next_attempt_at) if item.state == "pending" else None,
        "last_status": item.last_status,
        "last_error": item.last_error,
        "created_at": iso(item.created_at) or "",
        "finished_at": iso(item.finished_at),
    }


def attempt_shape(attempt: deliveries.Attempt) -> ButterstackAttempt:
    return ButterstackAttempt(
        number=attempt.number,
        started_at=iso(attempt.started_at) or "",
        status_code=attempt.status_code,
        latency_ms=attempt.latency_ms,
        error=attempt.error,
        response=attempt.response_excerpt,
    )


def _allow_private(request: ApiRequest) -> bool:
    return services_of(request.app.state).settings.delivery.allow_private


def _sealer(request: ApiRequest) -> Sealer:
    return sealer_for(services_of(request.app.state).settings)


@post("/webhooks", responses=_ERRORS)
async def create_webhook(
    request: ApiRequest, db: Database, data: NewWebhookBody
) -> Response[CreatedWebhook | ButterstackWebhook]:
    """Subscribe a URL to events; the response shows the signing secret, the only time it is shown.

    A chat subscription (``format`` ``slack``, ``discord`` or ``teams``) has no secret: its URL is one, and
    is never shown again in full.
    """
    changes = subscriptions.SubscriptionChanges(
        url=data.url,
        events=data.events,
        headers=data.headers,
        secret=data.secret,
        description=data.description,
        format=data.format,
        projects=data.projects,
        branches=data.branches,
        quiet_minutes=data.quiet_minutes,
    )
    async with db.write() as work:
        created = await subscriptions.create_subscription(
            work, _sealer(request), changes, allow_private=_allow_private(request)
        )
    shape = webhook_shape(created.subscription)
    if created.subscription.chat:
        return Response(shape, status_code=201)
    return Response(CreatedWebhook(**msgspec.structs.asdict(shape), secret=created.secret), status_code=201)


@get("/webhooks", responses=_ERRORS)
async def list_webhooks(request: ApiRequest, limit: Limit = 20, offset: Offset = 0) -> WebhookList:
    """List subscriptions, oldest first (never their secrets)."""
    page = await subscriptions.list_subscriptions(request.reads, Window(limit, offset))
    return WebhookList([webhook_shape(s) for s in page.items], limit, offset, page.has_more)


@get("/webhooks/{webhook_id:str}", responses=_ERRORS)
async def get_webhook(request: ApiRequest, webhook_id: str) -> ButterstackWebhook:
    """Get one subscription."""
    return webhook_shape(await subscriptions.get_subscription(request.reads, webhook_id))


@patch("/webhooks/{webhook_id:str}", responses=_ERRORS)
async def update_webhook(
    request: ApiRequest, db: Database, webhook_id: str, data: WebhookChangesBody
) -> ButterstackWebhook:
    """Change a subscription; ``active: true`` re-enables one a 410 disabled (its waiting deliveries resume)."""
    sub = await subscriptions.get_subscription(db.read(), webhook_id)
    changes = subscriptions.SubscriptionChanges(
        url=data.url,
        events=data.events,
        headers=data.headers,
        description=data.description,
        active=data.active,
        projects=data.projects,
        branches=data.branches,
        quiet_minutes=data.quiet_minutes,
    )
    async with db.write() as work:
        updated = await subscriptions.update_subscription(
            work, _sealer(request), sub, changes, allow_private=_allow_private(request)
        )
    return webhook_shape(updated)


@delete("/webhooks/{webhook_id:str}", responses=_ERRORS, status_code=204)
async def delete_webhook(db: Database, webhook_id: str) -> None:
    """Delete a subscription with its deliveries."""
    sub = await subscriptions.get_subscription(db.read(), webhook_id)
    async with db.write() as work:
        await subscriptions.delete_subscription(work, sub)


@post("/webhooks/{webhook_id:str}/secret", responses=_ERRORS, status_code=200)
async def rotate_webhook_secret(
    request: ApiRequest, db: Database, webhook_id: str, data: NewSecretBody | None = None
) -> NewSecret:
    """Replace the signing secret (the one given, or a generated one); the answer shows it, the only time."""
    sub = await subscriptions.get_subscription(db.read(), webhook_id)
    async with db.write() as work:
        rotated = await subscriptions.rotate_secret(work, _sealer(request), sub, data.secret if data else None)
    return NewSecret(rotated.subscription.public_id, rotated.secret)


@post("/webhooks/{webhook_id:str}/test", responses=_ERRORS, status_code=200)
async def test_webhook(request: ApiRequest, webhook_id: str) -> TestResult:
    """Send a signed ``webhook.test`` message (a sample chat message to a chat subscription) now.

    Reports what the target answered; nothing is queued.
    """
    sub = await subscriptions.get_subscription(request.reads, webhook_id)
    settings = services_of(request.app.state).settings.delivery
    result = await send_test_message(_sealer(request), sub, settings)
    return TestResult(result.ok, result.status_code, result.latency_ms, result.error, result.excerpt)


@get("/webhooks/{webhook_id:str}/deliveries", responses=_ERRORS)
async def list_webhook_deliveries(
    request: ApiRequest,
    webhook_id: str,
    delivery_state: Annotated[DeliveryState | None, QueryParameter(name="state")] = None,
    limit: Limit = 20,
    offset: Offset = 0,
) -> DeliveryList:
    """A subscription's deliveries, newest first; ``state=dead`` lists the dead letters."""
    sub = await subscriptions.get_subscription(request.reads, webhook_id)
    page = await deliveries.list_deliveries(request.reads, sub.id, delivery_state, Window(limit, offset))
    return DeliveryList([delivery_shape(d) for d in page.items], limit, offset, page.has_more)


@get("/webhooks/{webhook_id:str}/deliveries/{delivery_id:str}", responses=_ERRORS)
async def get_webhook_delivery(
    request: ApiRequest,
    webhook_id: str,
    delivery_id: str,
    limit: Limit = 20,
    offset: Offset = 0,
) -> DeliveryDetail:
    """One delivery with its attempt log (status, latency, response excerpt), oldest attempt first."""
    sub = await subscriptions.get_subscription(request.reads, webhook_id)
    item = await deliveries.get_delivery(request.reads, sub.id, delivery_id)
    log = await deliveries.list_attempts(request.reads, item.id, Window(limit, offset))
    return DeliveryDetail(
        **_delivery_fields(item),
        attempt_log=[attempt_shape(a) for a in log.items],
        attempt_log_has_more=log.has_more,
    )


@post("/webhooks/{webhook_id:str}/deliveries/{delivery_id:str}/replay", responses=_ERRORS, status_code=202)
async def replay_webhook_delivery(db: Database, webhook_id: str, delivery_id: str) -> ButterstackDelivery:
    """Queue a dead (or delivered) delivery again with a fresh retry schedule and the same ``webhook-id``."""
    sub = await subscriptions.get_subscription(db.read(), webhook_id)
    item = await deliveries.get_delivery(db.read(), sub.id, delivery_id)
    async with db.write() as work:
        replayed = await deliveries.replay_delivery(work, item)
    return delivery_shape(replayed)


@post("/webhooks/{webhook_id:str}/replay", responses=_ERRORS, status_code=202)
async def replay_dead_deliveries(db: Database, webhook_id: str) -> Replayed:
    """Queue every dead delivery of a subscription again."""
    sub = await subscriptions.get_subscription(db.read(), webhook_id)
    async with db.write() as work:
        count = await deliveries.replay_dead(work, sub.id)
    return Replayed(count)


HANDLERS = [
    create_webhook,
    list_webhooks,
    get_webhook,
    update_webhook,
    delete_webhook,
    rotate_webhook_secret,
    test_webhook,
    list_webhook_deliveries,
    get_webhook_delivery,
    replay_webhook_delivery,
    replay_dead_deliveries,
]
