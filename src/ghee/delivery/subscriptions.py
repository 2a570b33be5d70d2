"""Webhook subscriptions: a target URL, the events it wants, custom headers and its signing secret.

A subscription's ``format`` is ``standard`` (signed Standard Webhooks) or a
chat service's (``slack``, ``discord``, ``teams``: ``ghee.delivery.chat``).
A chat target authenticates by its secret URL: the URL is sealed in the
``secret`` column, and only its host and a masked tail are kept in ``url``
(what every answer, page and log shows). Any subscription may also be
limited to some projects and branches; a chat one may keep quiet about a
job that keeps failing (``ghee.delivery.quiet``).

The signing secret and the custom headers' values (an ``Authorization``
header is a credential) are stored sealed, as Jenkins tokens are
(``ghee.db.sealing``): a ``Subscription`` carries them sealed, and only
``signing_secrets`` opens them, for what sends a message.
"""

from __future__ import annotations

import re
from datetime import datetime

import msgspec
import sqlalchemy as sa

from ghee import ids
from ghee.clock import utcnow
from ghee.core.event_types import check_patterns, matches
from ghee.core.inputs import check_free_text
from ghee.core.paging import Slice, Window, cut
from ghee.db.database import Write
from ghee.db.reads import Reads, Row, as_datetime
from ghee.db.sealing import SealBroken, Sealer
from ghee.db.tables import webhook_subscriptions
from ghee.delivery.chat import CHAT_FORMATS, masked_url
from ghee.delivery.rules import check_branches, check_format, check_projects, check_quiet_minutes
from ghee.delivery.signing import check_secret, new_secret
from ghee.delivery.ssrf import check_target
from ghee.errors import Conflict, Invalid, NotFound

MAX_HEADERS = 20
MAX_HEADER_VALUE = 1000
MAX_DESCRIPTION = 500
MAX_CHAT_URL = 2000
_HEADER_NAME = re.compile(r"[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}")
# Headers ghee sets itself: a subscription may not replace them.
RESERVED_HEADERS = frozenset(
    {"content-type", "content-length", "host", "user-agent", "transfer-encoding", "connection"}
)


class Subscription(msgspec.Struct, frozen=True):
    """One subscription row, its custom headers' values and its signing secret sealed."""

    id: int
    url: str
    event_types: list[str]
    sealed_headers: dict[str, str]
    """Each custom header's name and its value, sealed."""
    sealed_secret: str
    description: str
    active: bool
    disabled_reason: str | None
    created_at: datetime
    updated_at: datetime
    format: str = "standard"
    """``standard``, or the chat service a message is shaped for (``slack``, ``discord``, ``teams``)."""
    projects: list[int] | None = None
    """The project row ids whose events it wants; ``None`` for every project."""
    branches: list[str] | None = None
    """The branches whose build and deployment events it wants; ``None`` for every branch."""
    quiet_minutes: int = 0
    """Chat: minutes after a job's "failed" message in which its further failures send nothing."""

    @property
    def public_id(self) -> str:
        """``wh_...``."""
        return ids.encode("wh", self.id)

    @property
    def chat(self) -> bool:
        """Whether messages go to a chat service (shaped for it, not signed)."""
        return self.format in CHAT_FORMATS

    def wants(self, event_type: str, project_id: int | None, branch: object) -> bool:
        """Whether an event of ``event_type``, about ``project_id`` and ``branch`` (if it names one), is for it.

        Events of no project pass a project rule, and events naming no branch a branch rule.
        """
        return (
            matches(self.event_types, event_type)
            and (self.projects is None or project_id is None or project_id in self.projects)
            and (self.branches is None or not isinstance(branch, str) or branch in self.branches)
        )

    @property
    def header_names(self) -> list[str]:
        """The custom headers' names (their values are shown to no one)."""
        return list(self.sealed_headers)


class Created(msgspec.Struct, frozen=True):
    """A new subscription and its signing secret in clear, to be shown once."""

    subscription: Subscription
    secret: str


class SigningSecrets(msgspec.Struct, frozen=True):
    """A subscription's custom headers and signing secret in clear: held in memory to send a message, nowhere else."""

    headers: dict[str, str]
    secret: str


UNOPENED = "the signing secret or custom headers cannot be decrypted: GHEE_SECRET_KEY changed since they were set"
"""Why a subscription's messages cannot be sent when its sealed values do not open with this installation's key."""


def signing_secrets(sealer: Sealer, sealed_headers: dict[str, str], sealed_secret: str) -> SigningSecrets:
    """The sealed headers and secret of a subscription opened; raises ``SealBroken`` if another key sealed them."""
    return SigningSecrets(
        {name: sealer.open(value) for name, value in sealed_headers.items()}, sealer.open(sealed_secret)
    )


def opened(sealer: Sealer, subscription: Subscription) -> SigningSecrets:
    """``signing_secrets`` of ``subscription``; raises ``Conflict`` (saying why) if they do not open."""
    try:
        return signing_secrets(sealer, subscription.sealed_headers, subscription.sealed_secret)
    except SealBroken as exc:
        raise Conflict(f"{UNOPENED}; restore that key, or give the subscription a new secret and headers") from exc


def _sealed(sealer: Sealer, headers: dict[str, str]) -> dict[str, str]:
    return {name: sealer.seal(value) for name, value in headers.items()}


class SubscriptionChanges(msgspec.Struct, frozen=True):
    """What a create or update sets; ``None`` leaves a field as it is (or its default on create)."""

    url: str | None = None
    events: list[str] | None = None
    headers: dict[str, str] | None = None
    secret: str | None = None
    description: str | None = None
    active: bool | None = None
    format: str | None = None
    projects: list[str] | None = None
    """Public project ids (``proj_...``); an empty list clears the rule."""
    branches: list[str] | None = None
    """Branch names; an empty list clears the rule."""
    quiet_minutes: int | None = None


async def _chat_target(sealer: Sealer, url: str, *, allow_private: bool) -> dict[str, str]:
    """A chat URL checked (``ghee.delivery.ssrf``), as stored: masked in ``url``, sealed in ``secret``."""
    if len(url) > MAX_CHAT_URL:
        raise Invalid("url", f"must be at most {MAX_CHAT_URL} characters")
    checked = await check_target(url, allow_private=allow_private)
    return {"url": masked_url(checked), "secret": sealer.seal(checked)}


async def _target_changes(
    sealer: Sealer, subscription: Subscription, changes: SubscriptionChanges, *, allow_private: bool
) -> dict[str, object]:
    """The columns a change of URL, headers or secret sets, each checked as its format wants."""
    values: dict[str, object] = {}
    if subscription.chat:
        _refuse_signing_for_chat(changes)
        if changes.url is not None:
            values |= await _chat_target(sealer, changes.url, allow_private=allow_private)
        return values
    if changes.url is not None:
        values["url"] = await check_target(changes.url, allow_private=allow_private)
    if changes.headers is not None:
        values["headers"] = _sealed(sealer, check_headers(changes.headers))
    if changes.secret is not None:
        values["secret"] = sealer.seal(check_secret(changes.secret))
    return values


def _refuse_signing_for_chat(changes: SubscriptionChanges) -> None:
    if changes.secret is not None:
        raise Invalid("secret", "chat subscriptions are not signed: their URL is their secret")
    if changes.headers:
        raise Invalid("headers", "chat subscriptions take no custom headers")


def check_headers(headers: dict[str, str], field: str = "headers") -> dict[str, str]:
    """Custom headers, checked: at most 20, token names, no ``webhook-*`` or framing headers, no line breaks."""
    if len(headers) > MAX_HEADERS:
        raise Invalid(field, f"at most {MAX_HEADERS} headers")
    checked: dict[str, str] = {}
    for name, value in headers.items():
        if not _HEADER_NAME.fullmatch(name):
            raise Invalid(field, f"{name!r} is not a valid header name")
        lowered = name.lower()
        if lowered in RESERVED_HEADERS or lowered.startswith("webhook-"):
            raise Invalid(field, f"{name!r} is set by ghee and cannot be replaced")
        if len(value) > MAX_HEADER_VALUE or any(ch in value for ch in "\r\n\x00"):
            raise Invalid(field, f"the value of {name!r} must be one line of at most {MAX_HEADER_VALUE} characters")
        checked[name] = value
    return checked


def subscription_row_id(public_id: str) -> int:
    """The row id of ``wh_...``; raises ``NotFound`` for anything malformed."""
    return ids.decode("wh", public_id, "webhook")


async def create_subscription(
    work: Write, sealer: Sealer, changes: SubscriptionChanges, *, allow_private: bool
) -> Created:
    """Store a new, active subscription; a secret is generated unless one is given. Headers and secret are sealed.

    A chat subscription's URL is sealed and ``Created.secret`` is empty. Raises
    ``Invalid`` for a missing or refused URL (see ``ghee.delivery.ssrf``),
    unknown event patterns or format, bad headers, a malformed secret, a
    secret or headers for a chat subscription, or malformed rules.
    """
    if changes.url is None:
        raise Invalid("url", "is required")
    if changes.events is None:
        raise Invalid("events", "is required")
    now = utcnow()
    fmt = check_format(changes.format or "standard")
    values: dict[str, object] = {"event_types": check_patterns(changes.events)}
    if fmt in CHAT_FORMATS:
        _refuse_signing_for_chat(changes)
        secret = ""
        values |= await _chat_target(sealer, changes.url, allow_private=allow_private)
        values["headers"] = {}
    else:
        secret = check_secret(changes.secret) if changes.secret is not None else new_secret()
        values["url"] = await check_target(changes.url, allow_private=allow_private)
        values["headers"] = _sealed(sealer, check_headers(changes.headers or {}))
        values["secret"] = sealer.seal(secret)
    values |= {
        "description": _description(changes.description or ""),
        "active": True if changes.active is None else changes.active,
        "disabled_reason": None,
        "created_at": now,
        "updated_at": now,
        "format": fmt,
        "projects": await check_projects(work, changes.projects or []),
        "branches": check_branches(changes.branches or []),
        "quiet_minutes": check_quiet_minutes(changes.quiet_minutes or 0, fmt),
    }
    row_id = await work.scalar(webhook_subscriptions.insert().values(**values).returning(webhook_subscriptions.c.id))
    fields = {_FIELDS.get(name, name): value for name, value in values.items()}
    return Created(Subscription(id=row_id, **fields), secret)  # type: ignore[arg-type]


async def update_subscription(
    work: Write, sealer: Sealer, subscription: Subscription, changes: SubscriptionChanges, *, allow_private: bool
) -> Subscription:
    """Change a subscription; re-activating one clears why it was disabled. Raises ``Invalid`` as create does.

    A subscription's format cannot change (``Invalid``): make a new one.
    """
    if changes.format is not None and changes.format != subscription.format:
        raise Invalid("format", "cannot be changed; create a new subscription instead")
    values = await _target_changes(sealer, subscription, changes, allow_private=allow_private)
    if changes.events is not None:
        values["event_types"] = check_patterns(changes.events)
    if changes.description is not None:
        values["description"] = _description(changes.description)
    if changes.active is not None:
        values["active"] = changes.active
        if changes.active:
            values["disabled_reason"] = None
    if changes.projects is not None:
        values["projects"] = await check_projects(work, changes.projects)
    if changes.branches is not None:
        values["branches"] = check_branches(changes.branches)
    if changes.quiet_minutes is not None:
        values["quiet_minutes"] = check_quiet_minutes(changes.quiet_minutes, subscription.format)
    values["updated_at"] = utcnow()
    await work.execute(
        webhook_subscriptions.update().where(webhook_subscriptions.c.id == subscription.id).values(**values)
    )
    fields = {_FIELDS.get(name, name): value for name, value in values.items()}
    return msgspec.structs.replace(subscription, **fields)


async def rotate_secret(work: Write, sealer: Sealer, subscription: Subscription, secret: str | None) -> Created:
    """Give the subscription a new signing secret (``secret``, or a generated one); the old one signs nothing more.

    Messages sent from now on are signed with the new secret, retries of
    earlier ones included. Raises ``Invalid`` for a malformed ``secret``.
    """
    new = secret if secret is not None else new_secret()
    changes = SubscriptionChanges(secret=new)  # no URL: nothing to check against private addresses
    return Created(await update_subscription(work, sealer, subscription, changes, allow_private=False), new)


async def disable_subscription(work: Write, subscription_id: int, reason: str) -> None:
    """Stop delivering to a subscription (its pending deliveries wait until it is re-activated)."""
    await work.execute(
        webhook_subscriptions.update()
        .where(webhook_subscriptions.c.id == subscription_id)
        .values(active=False, disabled_reason=reason[:MAX_DESCRIPTION], updated_at=utcnow())
    )


async def delete_subscription(work: Write, subscription: Subscription) -> None:
    """Delete a subscription with its deliveries and their attempts."""
    await work.execute(webhook_subscriptions.delete().where(webhook_subscriptions.c.id == subscription.id))


_FIELDS = {"headers": "sealed_headers", "secret": "sealed_secret"}
"""The ``Subscription`` fields of the columns named otherwise."""
_COLUMN_NAMES = ("id", "url", "event_types", "headers", "secret", "description", "active", "disabled_reason")
_RULES = ("format", "projects", "branches", "quiet_minutes")
_COLUMNS = [webhook_subscriptions.c[name] for name in (*_COLUMN_NAMES, "created_at", "updated_at", *_RULES)]
_EVENT_TYPES = msgspec.json.Decoder(list[str])
_HEADERS = msgspec.json.Decoder(dict[str, str] | None)
_PROJECTS = msgspec.json.Decoder(list[int] | None)
_BRANCHES = msgspec.json.Decoder(list[str] | None)


def _subscription(row: Row) -> Subscription:
    row_id, url, event_types, headers, secret, description, active, disabled_reason, created_at, updated_at = row[:10]
    fmt, projects, branches, quiet_minutes = row[10:]
    # JSON columns come as text on the fast path, decoded through a unit of work.
    if isinstance(event_types, str):
        event_types = _EVENT_TYPES.decode(event_types)
    if isinstance(headers, str):
        headers = _HEADERS.decode(headers)
    if isinstance(projects, str):
        projects = _PROJECTS.decode(projects)
    if isinstance(branches, str):
        branches = _BRANCHES.decode(branches)
    return Subscription(
        row_id,
        url,
        event_types,
        headers or {},
        secret,
        description,
        bool(active),  # 0/1 on SQLite's fast path
        disabled_reason,
        as_datetime(created_at),  # type: ignore[arg-type]
        as_datetime(updated_at),  # type: ignore[arg-type]
        fmt,
        projects,
        branches,
        quiet_minutes,
    )


_ONE = sa.select(*_COLUMNS).where(webhook_subscriptions.c.id == sa.bindparam("subscription_id"))


async def get_subscription(reads: Reads, public_id: str) -> Subscription:
    """The subscription ``wh_...``; raises ``NotFound``."""
    row = await reads.first(_ONE, {"subscription_id": subscription_row_id(public_id)})
    if row is None:
        raise NotFound("webhook", public_id)
    return _subscription(row)


_PAGE = (
    sa.select(*_COLUMNS)
    .order_by(webhook_subscriptions.c.id)
    .limit(sa.bindparam("limit"))
    .offset(sa.bindparam("offset"))
)


async def list_subscriptions(reads: Reads, window: Window) -> Slice[Subscription]:
    """Subscriptions, oldest first."""
    rows = await reads.all(_PAGE, {"limit": window.limit + 1, "offset": window.offset})
    return cut([_subscription(row) for row in rows], window)


_ACTIVE = sa.select(*_COLUMNS).where(webhook_subscriptions.c.active.is_(True)).order_by(webhook_subscriptions.c.id)


async def active_subscriptions(reads: Reads) -> list[Subscription]:
    """Every active subscription (the fan-out matches each event against them)."""
    return [_subscription(row) for row in await reads.all(_ACTIVE, {})]


def _description(text: str) -> str:
    text = check_free_text("description", text.strip())
    if len(text) > MAX_DESCRIPTION:
        raise Invalid("description", f"must be at most {MAX_DESCRIPTION} characters")
    return text
