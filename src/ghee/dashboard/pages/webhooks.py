"""Webhooks (``/webhooks``, admin): subscriptions, a test send, and each subscription's delivery log.

The same functions as the ``/v1/webhooks`` API (``ghee.delivery``): the SSRF
guard refuses private targets unless ``GHEE_WEBHOOK_ALLOW_PRIVATE`` is set,
and its reason is shown next to the form. A chat subscription (Slack,
Discord, Teams) is made here too; its URL is shown masked, as everywhere.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Request, get, post
from litestar.params import Parameter, QueryParameter
from litestar.response import Redirect, Template

from ghee.core.event_types import EVENT_TYPES, FAMILIES
from ghee.core.paging import Window
from ghee.core.projects import list_projects
from ghee.dashboard.flash import Flash, forget_flash, keep_flash, take_flash
from ghee.dashboard.nav import NavItem, add_nav
from ghee.dashboard.web import form_fields, render, require_admin
from ghee.db.database import Database
from ghee.db.sealing import Sealer, sealer_for
from ghee.delivery import deliveries, subscriptions
from ghee.delivery.chat import FORMATS
from ghee.delivery.sender import AttemptResult, send_test_message
from ghee.errors import Invalid
from ghee.http.services import services_of

WEBHOOKS_PER_PAGE = 20
DELIVERIES_PER_PAGE = 50
ATTEMPTS_PER_PAGE = 50
_MAX_FIELD = 4000
PROJECTS_LISTED = 200
"""Projects offered in the form's project rule (by name)."""
FORMAT_NAMES = {
    "standard": "Standard Webhooks (signed JSON)",
    "slack": "Slack",
    "discord": "Discord",
    "teams": "Microsoft Teams",
}

add_nav(NavItem("Webhooks", "/webhooks", order=80, admin_only=True))


async def _list_page(  # noqa: PLR0913 (the page and its one-off notices)
    request: Request[Any, Any, Any],
    db: Database,
    page: int = 1,
    *,
    created: Flash | None = None,
    chat_created: Flash | None = None,
    rotated: Flash | None = None,
    tested: tuple[subscriptions.Subscription, AttemptResult] | None = None,
    deleted: str = "",
    error: str = "",
    form: dict[str, str] | None = None,
    status_code: int = 200,
) -> Template:
    found = await subscriptions.list_subscriptions(db.read(), Window(WEBHOOKS_PER_PAGE, (page - 1) * WEBHOOKS_PER_PAGE))
    projects = (await list_projects(db.read(), Window(PROJECTS_LISTED, 0))).items
    return render(
        request,
        "pages/webhooks.html",
        status_code=status_code,
        title="Webhooks",
        webhooks=found.items,
        has_more=found.has_more,
        page=page,
        created=created,
        chat_created=chat_created,
        rotated=rotated,
        tested=tested,
        deleted=deleted,
        error=error,
        form=form or {},
        event_types=EVENT_TYPES,
        families=sorted(FAMILIES),
        allow_private=services_of(request.app.state).settings.delivery.allow_private,
        formats=[(name, FORMAT_NAMES[name]) for name in FORMATS],
        projects=projects,
        project_names={p.id: p.name for p in projects},
    )


@get("/webhooks", guards=[require_admin])
async def webhooks_page(
    request: Request[Any, Any, Any],
    db: Database,
    page: int = Parameter(default=1, ge=1, le=100_000),
    deleted: str = Parameter(default="", max_length=_MAX_FIELD),
) -> Template:
    """Every subscription, oldest first, and the form to add one; a secret just made is shown this once."""
    shown = await _list_page(
        request,
        db,
        page,
        created=take_flash(request, "webhook"),
        chat_created=take_flash(request, "webhook-chat"),
        rotated=take_flash(request, "webhook-secret"),
        deleted=deleted,
    )
    forget_flash(request, shown)
    return shown


def _shown_once(request: Request[Any, Any, Any], kind: str, made: subscriptions.Created) -> Redirect:
    """The redirect to the list, which shows ``made``'s secret once (post/redirect/get).

    A chat subscription has no secret: its notice says which service, and its URL masked.
    """
    redirect = Redirect("/webhooks", status_code=303)
    name = made.subscription.url
    if made.subscription.format != "standard":
        name = f"{FORMAT_NAMES.get(made.subscription.format, made.subscription.format)} subscription to {name}"
    keep_flash(request, redirect, Flash(kind, name, made.secret))
    return redirect


def _sealer(request: Request[Any, Any, Any]) -> Sealer:
    return sealer_for(services_of(request.app.state).settings)


def _events(text: str) -> list[str]:
    return [part.strip() for part in text.replace("\n", ",").split(",") if part.strip()]


def _quiet_minutes(text: str) -> int:
    try:
        return int(text.strip() or "0")
    except ValueError as exc:
        raise Invalid("quiet_minutes", "must be a whole number of minutes") from exc


@post("/webhooks", guards=[require_admin])
async def create_webhook(request: Request[Any, Any, Any], db: Database) -> Template | Redirect:
    """Subscribe a URL to events, then redirect to the list, which shows the signing secret this once."""
    fields = await form_fields(request)
    names = ("url", "events", "description", "format", "branches", "quiet_minutes")
    form = {name: str(fields.get(name, ""))[:_MAX_FIELD] for name in names}
    chosen = fields.get("projects", [])
    projects = [str(p)[:100] for p in (chosen if isinstance(chosen, list) else [chosen]) if p][:100]
    allow_private = services_of(request.app.state).settings.delivery.allow_private
    try:
        changes = subscriptions.SubscriptionChanges(
            url=form["url"].strip(),
            events=_events(form["events"]),
            description=form["description"],
            format=form["format"] or "standard",
            projects=projects,
            branches=_events(form["branches"]),
            quiet_minutes=_quiet_minutes(form["quiet_minutes"]),
        )
        async with db.write() as work:
            created = await subscriptions.create_subscription(
                work, _sealer(request), changes, allow_private=allow_private
            )
    except Invalid as exc:
        field = {"url": "URL", "events": "event types", "quiet_minutes": "quiet period"}.get(exc.field, exc.field)
        return await _list_page(request, db, error=f"The {field} {exc.problem}.", form=form, status_code=400)
    # A chat subscription has no signing secret: its notice names its masked URL only.
    return _shown_once(request, "webhook" if created.secret else "webhook-chat", created)


@post("/webhooks/{webhook_id:str}/test", guards=[require_admin])
async def test_webhook(request: Request[Any, Any, Any], db: Database, webhook_id: str) -> Template:
    """Send a test message now (signed ``webhook.test``, or a sample chat message) and show the answer."""
    sub = await subscriptions.get_subscription(db.read(), webhook_id)
    result = await send_test_message(_sealer(request), sub, services_of(request.app.state).settings.delivery)
    return await _list_page(request, db, tested=(sub, result))


@post("/webhooks/{webhook_id:str}/secret", guards=[require_admin])
async def new_secret(request: Request[Any, Any, Any], db: Database, webhook_id: str) -> Redirect:
    """Give a subscription a new signing secret, shown this once on the list; the old one signs nothing more."""
    async with db.write() as work:
        sub = await subscriptions.get_subscription(work, webhook_id)
        rotated = await subscriptions.rotate_secret(work, _sealer(request), sub, None)
    return _shown_once(request, "webhook-secret", rotated)


@post("/webhooks/{webhook_id:str}/active", guards=[require_admin])
async def set_active(request: Request[Any, Any, Any], db: Database, webhook_id: str) -> Redirect:
    """Disable a subscription (its deliveries wait) or enable it again (``active`` = ``1`` or ``0``)."""
    active = str((await form_fields(request)).get("active", "")) == "1"
    allow_private = services_of(request.app.state).settings.delivery.allow_private
    changes = subscriptions.SubscriptionChanges(active=active)
    async with db.write() as work:
        sub = await subscriptions.get_subscription(work, webhook_id)
        await subscriptions.update_subscription(work, _sealer(request), sub, changes, allow_private=allow_private)
    return Redirect("/webhooks", status_code=303)


@get("/webhooks/{webhook_id:str}/delete", guards=[require_admin])
async def confirm_delete_webhook(request: Request[Any, Any, Any], db: Database, webhook_id: str) -> Template:
    """Ask before deleting a subscription."""
    sub = await subscriptions.get_subscription(db.read(), webhook_id)
    return render(
        request,
        "pages/confirm.html",
        title="Delete a webhook",
        question=f"Delete the subscription to {sub.url}?",
        consequence="Nothing more is sent to it, and its delivery log goes with it. This cannot be undone.",
        action=f"/webhooks/{sub.public_id}/delete",
        verb="Delete subscription",
        cancel="/webhooks",
    )


@post("/webhooks/{webhook_id:str}/delete", guards=[require_admin])
async def delete_webhook(db: Database, webhook_id: str) -> Redirect:
    """Delete a subscription with its deliveries, then say so on the list."""
    async with db.write() as work:
        sub = await subscriptions.get_subscription(work, webhook_id)
        await subscriptions.delete_subscription(work, sub)
    return Redirect("/webhooks?" + urlencode({"deleted": sub.url}), status_code=303)


@get("/webhooks/{webhook_id:str}", guards=[require_admin])
async def delivery_log(
    request: Request[Any, Any, Any],
    db: Database,
    webhook_id: str,
    state_name: Annotated[str | None, QueryParameter(name="state", max_length=20)] = None,
    page: int = Parameter(default=1, ge=1, le=100_000),
) -> Template:
    """A subscription's deliveries, newest first (``state`` keeps pending, delivered or dead ones)."""
    state = state_name or None
    reads = db.read()
    sub = await subscriptions.get_subscription(reads, webhook_id)
    found = await deliveries.list_deliveries(
        reads, sub.id, state, Window(DELIVERIES_PER_PAGE, (page - 1) * DELIVERIES_PER_PAGE)
    )
    return render(
        request,
        "pages/webhook_deliveries.html",
        title=f"Deliveries · {sub.url}",
        webhook=sub,
        deliveries=found.items,
        has_more=found.has_more,
        page=page,
        state=state,
        states=deliveries.STATES,
        replayed=request.query_params.get("replayed") == "one",
        replayed_dead=request.query_params.get("replayed_dead", ""),
    )


@post("/webhooks/{webhook_id:str}/deliveries/{delivery_id:str}/replay", guards=[require_admin])
async def replay_delivery(db: Database, webhook_id: str, delivery_id: str) -> Redirect:
    """Queue a dead or delivered delivery again (a pending one is a 409 page)."""
    async with db.write() as work:
        sub = await subscriptions.get_subscription(work, webhook_id)
        await deliveries.replay_delivery(work, await deliveries.get_delivery(work, sub.id, delivery_id))
    return Redirect(f"/webhooks/{webhook_id}?replayed=one", status_code=303)


@post("/webhooks/{webhook_id:str}/replay", guards=[require_admin])
async def replay_dead(db: Database, webhook_id: str) -> Redirect:
    """Queue every dead delivery of the subscription again."""
    async with db.write() as work:
        sub = await subscriptions.get_subscription(work, webhook_id)
        count = await deliveries.replay_dead(work, sub.id)
    return Redirect(f"/webhooks/{webhook_id}?replayed_dead={count}", status_code=303)


@get("/webhooks/{webhook_id:str}/deliveries/{delivery_id:str}", guards=[require_admin])
async def delivery_attempts(
    request: Request[Any, Any, Any],
    db: Database,
    webhook_id: str,
    delivery_id: str,
    page: int = Parameter(default=1, ge=1, le=100_000),
) -> Template:
    """One delivery and its attempts, oldest first: when, the status code, how long, the error, the response."""
    reads = db.read()
    sub = await subscriptions.get_subscription(reads, webhook_id)
    item = await deliveries.get_delivery(reads, sub.id, delivery_id)
    log = await deliveries.list_attempts(reads, item.id, Window(ATTEMPTS_PER_PAGE, (page - 1) * ATTEMPTS_PER_PAGE))
    return render(
        request,
        "pages/webhook_attempts.html",
        title=f"Delivery {item.public_id}",
        webhook=sub,
        delivery=item,
        attempts=log.items,
        has_more=log.has_more,
        page=page,
    )


ROUTES = [
    webhooks_page,
    create_webhook,
    test_webhook,
    new_secret,
    set_active,
    confirm_delete_webhook,
    delete_webhook,
    delivery_log,
    delivery_attempts,
    replay_delivery,
    replay_dead,
]
