"""Dashboard sign-in sessions: a random cookie value, stored only as its SHA-256, with a sliding expiry."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

import msgspec
import sqlalchemy as sa

from ghee.clock import utcnow
from ghee.core.users import User
from ghee.db.database import Write
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


_USER_COLUMNS = [users.c[name] for name in User.__struct_fields__]


async def resolve_session(work: Write, cookie_value: str) -> Session | None:
    """The live session behind a cookie value, its expiry slid forward; ``None`` if expired, unknown or disabled."""
    now = utcnow()
    query = (
        sa.select(sessions.c.id, sessions.c.csrf_token, sessions.c.expires_at, sessions.c.last_seen_at, *_USER_COLUMNS)
        .join(users, users.c.id == sessions.c.user_id)
        .where(sessions.c.id == session_id(cookie_value), sessions.c.expires_at > now, users.c.disabled_at.is_(None))
    )
    row = (await work.execute(query)).first()
    if row is None:
        return None
    sid, csrf_token, expires_at, last_seen_at = row[:4]
    if now - last_seen_at > _TOUCH_GRANULARITY:
        expires_at = now + LIFETIME
        await work.execute(
            sessions.update().where(sessions.c.id == sid).values(last_seen_at=now, expires_at=expires_at)
        )
    return Session(id=sid, user=User(*row[4:]), csrf_token=csrf_token, expires_at=expires_at)


async def close_session(work: Write, cookie_value: str) -> None:
    """End the session behind a cookie value (nothing happens if there is none)."""
    await work.execute(sessions.delete().where(sessions.c.id == session_id(cookie_value)))


async def close_user_sessions(work: Write, user_id: int) -> int:
    """End every session of a user (after a password reset); returns how many ended."""
    result = await work.execute(sessions.delete().where(sessions.c.user_id == user_id))
    return result.rowcount or 0
