"""Personal access tokens: stored hashed, scoped, optionally bound to one project."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta

import msgspec
import sqlalchemy as sa
from limits import parse_many

from ghee import ids
from ghee.clock import to_storage, utcnow
from ghee.core.paging import Slice, Window, cut
from ghee.core.scopes import SCOPES
from ghee.db.database import Write
from ghee.db.reads import Reads, Row, as_datetime
from ghee.db.tables import tokens, users
from ghee.errors import Forbidden, Invalid, NotFound, TokenInvalid

_RANK = {scope: rank for rank, scope in enumerate(SCOPES)}
TOKEN_PREFIX = "ghee_"  # noqa: S105 (a marker that makes leaked tokens easy to scan for, not a secret)
# last_used_at is a convenience for humans; refreshing it at most once a
# minute keeps reads from turning into writes.
_LAST_USED_GRANULARITY = timedelta(seconds=60)
_LIFETIME = re.compile(r"(\d{1,6})\s*([hdw])")
_UNITS = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}
MAX_LIFETIME = timedelta(days=3660)
"""The furthest ahead a token may expire: ten years (and a leap day or two)."""


class Principal(msgspec.Struct, frozen=True):
    """Who is calling: the token's id, scope, project restriction and rate limit."""

    token_id: int
    scope: str
    project_id: int | None
    rate_limit: str | None
    rate_key: str
    """Names the token's rate-limit counters; unique across installations sharing a Redis."""

    def require(self, scope: str) -> None:
        """Raise ``Forbidden`` unless this token's scope is at least ``scope``."""
        if _RANK[self.scope] < _RANK[scope]:
            raise Forbidden(scope)


class Token(msgspec.Struct, frozen=True):
    """A token as listed: never the secret, only its first characters."""

    id: int
    name: str
    prefix: str
    scope: str
    project_id: int | None
    rate_limit: str | None
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    user_id: int | None = None
    """The dashboard user who made it, or ``None`` for a token made with ``ghee token create``."""
    expires_at: datetime | None = None
    """From when the token is refused (naive UTC), or ``None``: it never expires."""

    @property
    def public_id(self) -> str:
        """``tok_...``."""
        return ids.encode("tok", self.id)

    def expired(self, now: datetime) -> bool:
        """Whether the token is refused at ``now`` for having expired (revoked or not)."""
        return has_expired(self.expires_at, now)


def has_expired(expires_at: datetime | None, now: datetime) -> bool:
    """Whether a token expiring at ``expires_at`` (``None``: never) is refused at ``now``: from that very moment."""
    return expires_at is not None and now >= expires_at


def expiry_from(text: str, now: datetime) -> datetime:
    """When a token given ``text`` expires, as naive UTC: ``90d``, ``12h``, ``2w`` from ``now``, or an ISO date or time.

    A date alone means midnight UTC at its start; a time without an offset is
    taken as UTC. Raises ``Invalid`` (field ``expires``) for anything else, a
    moment not after ``now``, or one more than ``MAX_LIFETIME`` ahead.
    """
    cleaned = text.strip()
    if lifetime := _LIFETIME.fullmatch(cleaned.lower()):
        moment = now + min(int(lifetime.group(1)) * _UNITS[lifetime.group(2)], MAX_LIFETIME + _UNITS["d"])
    else:
        try:
            moment = to_storage(datetime.fromisoformat(cleaned))  # a date alone is its midnight
        except ValueError:
            raise Invalid("expires", "must be like 30d, 12h, 2w, or an ISO date such as 2027-03-01") from None
    if moment <= now:
        raise Invalid("expires", "must be in the future")
    if moment - now > MAX_LIFETIME:
        raise Invalid("expires", f"must be at most {MAX_LIFETIME.days} days ahead")
    return moment


def hash_secret(secret: str) -> str:
    """The stored form of a token: SHA-256 hex (tokens are 256-bit random, so no slow hash is needed)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def validate_rate_limit(text: str) -> str:
    """Return ``text`` if it parses as ``limits`` notation (``600/minute;50/second``), else raise ``Invalid``."""
    try:
        parse_many(text)
    except ValueError as exc:
        raise Invalid("rate_limit", f"not a rate limit like '600/minute;50/second': {exc}") from exc
    return text


async def create_token(  # noqa: PLR0913 (every field of a token is named at the call)
    work: Write,
    *,
    name: str,
    scope: str,
    project_id: int | None = None,
    rate_limit: str | None = None,
    user_id: int | None = None,
    expires_at: datetime | None = None,
) -> tuple[Token, str]:
    """Create a token (owned by ``user_id`` if given); returns it and its secret, never stored nor shown again.

    ``expires_at`` (naive UTC, see ``expiry_from``) is when it stops working; ``None``: never.
    Raises ``Invalid`` for a blank name, an unknown scope, a malformed rate limit or an expiry not in the future.
    """
    if not name.strip():
        raise Invalid("name", "must not be blank")
    if scope not in _RANK:
        raise Invalid("scope", f"must be one of {', '.join(SCOPES)}")
    if rate_limit is not None:
        validate_rate_limit(rate_limit)
    now = utcnow()
    if expires_at is not None and expires_at <= now:
        raise Invalid("expires", "must be in the future")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = Token(
        id=0,
        name=name.strip(),
        prefix=secret[:12],
        scope=scope,
        project_id=project_id,
        rate_limit=rate_limit,
        created_at=now,
        last_used_at=None,
        revoked_at=None,
        user_id=user_id,
        expires_at=expires_at,
    )
    values = msgspec.structs.asdict(token)
    del values["id"], values["last_used_at"], values["revoked_at"]
    inserted = await work.execute(
        tokens.insert().values(**values, token_hash=hash_secret(secret)).returning(tokens.c.id)
    )
    return msgspec.structs.replace(token, id=inserted.scalar_one()), secret


_TOKEN_COLUMNS = (
    tokens.c.id,
    tokens.c.scope,
    tokens.c.project_id,
    tokens.c.rate_limit,
    tokens.c.last_used_at,
    tokens.c.expires_at,
)
TOKEN_BY_HASH = (
    sa.select(*_TOKEN_COLUMNS)
    .select_from(tokens.outerjoin(users, users.c.id == tokens.c.user_id))
    .where(
        tokens.c.token_hash == sa.bindparam("token_hash"),
        tokens.c.revoked_at.is_(None),
        users.c.disabled_at.is_(None),  # a token made with ``ghee token create`` has no user: the join gives NULL
    )
)
"""The unrevoked token whose hash is the ``token_hash`` parameter (``hash_secret``), as ``authenticated_by`` reads it.

A token of a disabled user is not found: it is refused while the user is
disabled, and works again once they are enabled.

Expiry is judged by ``authenticated_by``, against the clock when the request
is checked, never by a cached answer: an expired token is refused from its
very moment. A caller may add columns after these, to read them in the same statement.
"""


class Authenticated(msgspec.Struct, frozen=True):
    """What checking a presented secret found."""

    principal: Principal
    stamp_due: bool
    """The token's last-used time is due a refresh (``record_token_use``)."""


def authenticated_by(token_hash: str, row: Row | None) -> Authenticated:
    """The principal a ``TOKEN_BY_HASH`` row stands for, and whether its last use is due a stamp.

    Columns a caller added after the statement's own are left to it. Raises
    ``TokenInvalid`` when there is no row (the secret matches no unrevoked
    token) or the token has expired.
    """
    if row is None:
        raise TokenInvalid
    token_id, scope, project_id, rate_limit, last_used_raw, expires_raw = row[: len(_TOKEN_COLUMNS)]
    now = utcnow()
    if has_expired(as_datetime(expires_raw), now):
        raise TokenInvalid
    last_used_at = as_datetime(last_used_raw)
    principal = Principal(
        token_id=token_id,
        scope=scope,
        project_id=project_id,
        rate_limit=rate_limit,
        rate_key=f"token:{token_hash[:24]}",
    )
    stamp_due = last_used_at is None or now - last_used_at > _LAST_USED_GRANULARITY
    return Authenticated(principal, stamp_due)


async def record_token_use(work: Write, token_id: int) -> None:
    """Stamp a token's last-used time with now."""
    await work.execute(tokens.update().where(tokens.c.id == token_id).values(last_used_at=utcnow()))


_NAME = sa.select(tokens.c.name, tokens.c.prefix).where(tokens.c.id == sa.bindparam("id"))


async def token_label(reads: Reads, token_id: int) -> str:
    """How a revision names the token that published it: ``token <name> (<prefix>…)``."""
    row = await reads.first(_NAME, {"id": token_id})
    return "token" if row is None else f"token {row[0]} ({row[1]}…)"


_LISTED_COLUMNS = [tokens.c[name] for name in Token.__struct_fields__]
_PAGE = (
    sa.select(*_LISTED_COLUMNS).order_by(tokens.c.id.desc()).limit(sa.bindparam("limit")).offset(sa.bindparam("offset"))
)
_USER_PAGE = (
    sa.select(*_LISTED_COLUMNS)
    .where(tokens.c.user_id == sa.bindparam("user_id"))
    .order_by(tokens.c.id.desc())
    .limit(sa.bindparam("limit"))
    .offset(sa.bindparam("offset"))
)


def _token_of(row: Row) -> Token:
    """A ``Token`` from its columns in ``Token``'s order, as either read path returns them (SQLite: text times)."""
    token_id, name, prefix, scope, project_id, rate_limit, created_at, last_used_at, revoked_at, user_id, expires = row
    return Token(
        token_id,
        name,
        prefix,
        scope,
        project_id,
        rate_limit,
        as_datetime(created_at),  # type: ignore[arg-type]
        as_datetime(last_used_at),
        as_datetime(revoked_at),
        user_id,
        as_datetime(expires),
    )


async def list_tokens(reads: Reads, window: Window) -> Slice[Token]:
    """Every token, newest first, revoked ones included."""
    rows = await reads.all(_PAGE, {"limit": window.limit + 1, "offset": window.offset})
    return cut([_token_of(row) for row in rows], window)


async def list_user_tokens(reads: Reads, user_id: int, window: Window) -> Slice[Token]:
    """The tokens ``user_id`` made, newest first, revoked ones included."""
    rows = await reads.all(_USER_PAGE, {"user_id": user_id, "limit": window.limit + 1, "offset": window.offset})
    return cut([_token_of(row) for row in rows], window)


_USER_TOKEN = sa.select(*_LISTED_COLUMNS).where(
    tokens.c.id == sa.bindparam("token_id"), tokens.c.user_id == sa.bindparam("user_id")
)


_ONE_TOKEN = sa.select(*_LISTED_COLUMNS).where(tokens.c.id == sa.bindparam("token_id"))


async def get_token(reads: Reads, public_id: str) -> Token:
    """The token ``tok_...``, revoked or not, whoever made it; raises ``NotFound``."""
    row = await reads.first(_ONE_TOKEN, {"token_id": ids.decode("tok", public_id, "token")})
    if row is None:
        raise NotFound("token", public_id)
    return _token_of(row)


async def get_user_token(reads: Reads, user_id: int, public_id: str) -> Token:
    """One of ``user_id``'s tokens (``tok_...``), revoked or not; raises ``NotFound`` for a token of anyone else."""
    row_id = ids.decode("tok", public_id, "token")
    rows = await reads.all(_USER_TOKEN, {"token_id": row_id, "user_id": user_id})
    if not rows:
        raise NotFound("token", public_id)
    return _token_of(rows[0])


async def revoke_user_token(work: Write, user_id: int, public_id: str) -> Token:
    """Revoke one of ``user_id``'s tokens (``tok_...``); raises ``NotFound`` for a token of anyone else."""
    row_id = ids.decode("tok", public_id, "token")
    owner = await work.scalar(sa.select(tokens.c.user_id).where(tokens.c.id == row_id))
    if owner is None or owner != user_id:
        raise NotFound("token", public_id)
    return await revoke_token(work, public_id)


async def revoke_token(work: Write, public_or_row_id: str) -> Token:
    """Revoke a token (``tok_...`` or its numeric id); effective on the next request. Raises ``NotFound``."""
    row_id = int(public_or_row_id) if public_or_row_id.isdigit() else ids.decode("tok", public_or_row_id, "token")
    await work.execute(
        tokens.update().where(tokens.c.id == row_id, tokens.c.revoked_at.is_(None)).values(revoked_at=utcnow())
    )
    row = await work.first(sa.select(*_LISTED_COLUMNS).where(tokens.c.id == row_id))
    if row is None:
        raise NotFound("token", public_or_row_id)
    return _token_of(row)


async def revoke_all_user_tokens(work: Write, user_id: int) -> int:
    """Revoke every live token of a user (after a password reset that may follow a leak); how many were."""
    result = await work.execute(
        tokens.update().where(tokens.c.user_id == user_id, tokens.c.revoked_at.is_(None)).values(revoked_at=utcnow())
    )
    return result.rowcount or 0


async def revoke_tokens_named(work: Write, name: str) -> int:
    """Revoke every live token called ``name``; returns how many were revoked."""
    result = await work.execute(
        tokens.update().where(tokens.c.name == name.strip(), tokens.c.revoked_at.is_(None)).values(revoked_at=utcnow())
    )
    return result.rowcount or 0
