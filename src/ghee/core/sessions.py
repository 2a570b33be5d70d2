"""Dashboard sign-in sessions: a random cookie value, stored only as its SHA-256, with a sliding expiry.

Ending every session of a user at once is ``ghee.core.users.close_user_sessions``,
next to disabling, deleting and resetting a password, which do it (this module imports that one).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Collection
from datetime import datetime, timedelta

import msgspec
import sqlalchemy as sa

from ghee.clock import utcnow
from ghee.core.users import User, user_of
from ghee.db.database import Write
from ghee.db.functions import in_json_list, json_list
from ghee.db.reads import Reads, as_datetime
from ghee.db.tables import sessions, users

LIFETIME = timedelta(days=14)
"""A session ends this long after its last use."""
# Sliding the expiry on every request would turn every page view into a write.
_TOUCH_GRANULARITY = timedelta(seconds=60)


class Session(msgspec.Struct, frozen=True):
    """A live session and the user it signs in."""

    id: str
    user: User
    csrf_token: str
    expires_at: datetime


def session_id(cookie_value: str) -> str:
    """The stored id of a session: SHA-256 hex of its cookie value (a stolen table gives no usable cookie)."""
    return hashlib.sha256(cookie_value.encode()).hexdigest()


async def open_session(work: Write, user: User) -> tuple[Session, str]:
    """Start a session for ``user``; returns it and the cookie value, which is not stored."""
    cookie_value = secrets.token_urlsafe(32)
    now = utcnow()
    session = Session(
        id=session_id(cookie_value), user=user, csrf_token=secrets.token_urlsafe(32), expires_at=now + LIFETIME
    )
    await work.execute(
        sessions.insert().values(
            id=session.id,
            user_id=user.id,
            csrf_token=session.csrf_token,
            created_at=now,
            expires_at=session.expires_at,
            last_seen_at=now,
        )
    )
    return session, cookie_value


class Resolved(msgspec.Struct, frozen=True):
    """What a cookie value resolved to."""

    session: Session
    slide_due: bool
    """The session was last seen long enough ago that its expiry is due to slide forward (``slide_session``)."""


_RESOLVE = (
    sa.select(
        sessions.c.id,
        sessions.c.csrf_token,
        sessions.c.expires_at,
        sessions.c.last_seen_at,
        *[users.c[name] for name in User.__struct_fields__],
    )
    .join(users, users.c.id == sessions.c.user_id)
    .where(sessions.c.id == sa.bindparam("id"), users.c.disabled_at.is_(None))
)


async def resolve_session(reads: Reads, cookie_value: str) -> Resolved | None:
    """The live session behind a cookie value; ``None`` if it expired, is unknown or its user is disabled.

    Only reads, so a page view is no write: when ``slide_due`` says so, the
    caller slides the expiry in a unit of work (``slide_session``).
    """
    row = await reads.first(_RESOLVE, {"id": session_id(cookie_value)})
    if row is None:
        return None
    now = utcnow()
    sid, csrf_token, expires_raw, last_seen_raw = row[:4]
    expires_at, last_seen_at = as_datetime(expires_raw), as_datetime(last_seen_raw)
    if expires_at is None or expires_at <= now:
        return None
    session = Session(id=sid, user=user_of(row[4:]), csrf_token=csrf_token, expires_at=expires_at)
    return Resolved(session, slide_due=last_seen_at is None or now - last_seen_at > _TOUCH_GRANULARITY)


_LIVE = (
    sa.select(sessions.c.id, sessions.c.expires_at, users.c.is_admin)
    .join(users, users.c.id == sessions.c.user_id)
    .where(in_json_list(sessions.c.id, sa.bindparam("ids")), users.c.disabled_at.is_(None))
)


async def live_sessions(reads: Reads, ids: Collection[str]) -> dict[str, bool]:
    """Which of the sessions ``ids`` are still live, each with whether its user is an admin now.

    A session that was closed (sign-out, a password reset), expired, or whose
    user is disabled is left out. One statement, whatever the number of ids:
    what lets open ``/live`` streams notice their session ended (``ghee.dashboard.pages.live_signal``).
    """
    if not ids:
        return {}
    now = utcnow()
    rows = await reads.all(_LIVE, {"ids": json_list(list(ids))})
    live = {}
    for sid, expires_raw, is_admin in rows:
        expires_at = as_datetime(expires_raw)
        if expires_at is not None and expires_at > now:
            live[sid] = bool(is_admin)
    return live


async def slide_session(work: Write, session: Session) -> Session:
    """Mark ``session`` seen now and move its expiry to ``LIFETIME`` from now; returns it with the new expiry."""
    now = utcnow()
    expires_at = now + LIFETIME
    await work.execute(
        sessions.update().where(sessions.c.id == session.id).values(last_seen_at=now, expires_at=expires_at)
    )
    return msgspec.structs.replace(session, expires_at=expires_at)


async def close_session(work: Write, cookie_value: str) -> None:
    """End the session behind a cookie value (nothing happens if there is none)."""
    await work.execute(sessions.delete().where(sessions.c.id == session_id(cookie_value)))
