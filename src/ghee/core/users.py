"""People who sign in to the dashboard: e-mail, name, an argon2 password hash, admin or not."""

from __future__ import annotations

import asyncio
import secrets
from datetime import datetime
from functools import cache

import msgspec
import sqlalchemy as sa
from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.exc import IntegrityError

from ghee import ids
from ghee.clock import utcnow
from ghee.config import get_settings
from ghee.core.paging import Slice, Window, cut
from ghee.db.database import Write
from ghee.db.functions import in_json_list, json_list
from ghee.db.reads import Reads, Row, as_datetime
from ghee.db.tables import sessions, tokens, users
from ghee.errors import Conflict, DomainError, Invalid, NotFound

MIN_PASSWORD = 10
MAX_PASSWORD = 1024  # argon2 hashes anything, but a megabyte "password" is a denial of service
MAX_EMAIL = 320
MAX_NAME = 200


@cache
def _hasher() -> PasswordHasher:
    """argon2id with argon2-cffi's defaults, or its cheapest parameters where the settings ask (test suites only)."""
    if get_settings().argon2_cost == "minimal":
        return PasswordHasher.from_parameters(profiles.CHEAPEST)
    return PasswordHasher()


@cache
def _dummy_hash() -> str:
    """Verified against when the e-mail is unknown, so a wrong e-mail costs what a wrong password does."""
    return _hasher().hash(secrets.token_urlsafe(16))


class SignInFailed(DomainError):
    """The e-mail and password match no active user (which of them is wrong is not told)."""

    def __init__(self) -> None:
        super().__init__("wrong e-mail or password")


class OwnAccount(Conflict):
    """An admin tried to disable or delete the account they are signed in with."""

    def __init__(self, action: str) -> None:
        super().__init__(f"you cannot {action} your own account")
        self.action = action


class LastActiveAdmin(Conflict):
    """The change would leave no active admin, and so no one to manage users."""

    def __init__(self, email: str) -> None:
        super().__init__(f"{email} is the last active admin: make another user an admin first")
        self.email = email


class User(msgspec.Struct, frozen=True):
    """A user as the dashboard sees it (never the password hash)."""

    id: int
    email: str
    name: str
    is_admin: bool
    created_at: datetime
    disabled_at: datetime | None

    @property
    def public_id(self) -> str:
        """``user_...``."""
        return ids.encode("user", self.id)


_COLUMNS = [users.c[name] for name in User.__struct_fields__]
_BY_ID = sa.select(*_COLUMNS).where(users.c.id == sa.bindparam("user_id"))
_BY_EMAIL = sa.select(*_COLUMNS).where(users.c.email == sa.bindparam("email"))
_PAGE = sa.select(*_COLUMNS).order_by(users.c.email).limit(sa.bindparam("limit")).offset(sa.bindparam("offset"))


def user_of(row: Row) -> User:
    """A ``User`` from its columns in ``User``'s order, as either read path returns them.

    The fast path on SQLite gives timestamps as text and ``is_admin`` as 0 or 1.
    """
    user_id, email, name, is_admin, created_at, disabled_at = row
    return User(user_id, email, name, bool(is_admin), as_datetime(created_at), as_datetime(disabled_at))  # type: ignore[arg-type]


def normalise_email(email: str) -> str:
    """``email`` trimmed and lower-cased; raises ``Invalid`` unless it looks like ``name@host``."""
    email = email.strip().lower()
    local, at, host = email.partition("@")
    if not at or not local or not host or len(email) > MAX_EMAIL or any(c.isspace() for c in email):
        raise Invalid("email", "must be an e-mail address like name@example.com")
    return email


def check_password(password: str) -> str:
    """``password`` if it is long enough to keep; raises ``Invalid`` otherwise."""
    if len(password) < MIN_PASSWORD:
        raise Invalid("password", f"must be at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise Invalid("password", f"must be at most {MAX_PASSWORD} characters")
    return password


def generate_password() -> str:
    """A random password for a new user (22 URL-safe characters, 128 bits)."""
    return secrets.token_urlsafe(16)


async def hash_password(password: str) -> str:
    """The argon2id hash of ``password`` (computed off the event loop: it takes tens of milliseconds)."""
    return await asyncio.to_thread(_hasher().hash, password)


async def create_user(work: Write, *, email: str, password: str, name: str = "", is_admin: bool = False) -> User:
    """Create a user; the e-mail is stored lower-cased.

    Raises ``Invalid`` for a malformed e-mail, a short password or an overlong
    name, ``Conflict`` if the e-mail is taken.
    """
    email = normalise_email(email)
    check_password(password)
    name = name.strip() or email.partition("@")[0]
    if len(name) > MAX_NAME:
        raise Invalid("name", f"must be at most {MAX_NAME} characters")
    now = utcnow()
    values = {"email": email, "name": name, "is_admin": is_admin, "created_at": now, "disabled_at": None}
    password_hash = await hash_password(password)
    try:
        user_id = await work.scalar(users.insert().values(**values, password_hash=password_hash).returning(users.c.id))
    except IntegrityError as exc:
        raise Conflict(f"a user with e-mail {email} already exists") from exc
    return User(id=int(user_id or 0), **values)  # type: ignore[arg-type]


async def set_password(work: Write, user_id: int, password: str) -> None:
    """Replace a user's password. Raises ``Invalid`` for a short password, ``NotFound`` for no such user."""
    password_hash = await hash_password(check_password(password))
    result = await work.execute(users.update().where(users.c.id == user_id).values(password_hash=password_hash))
    if not result.rowcount:
        raise NotFound("user", str(user_id))


async def authenticate_user(work: Write, email: str, password: str) -> User:
    """The active user with this e-mail and password; rehashes the password when the parameters changed.

    Raises ``SignInFailed`` for an unknown e-mail, a wrong password or a
    disabled user, after about the same time in each case.
    """
    try:
        email = normalise_email(email)
    except Invalid:
        email = ""
    row = (
        (await work.execute(sa.select(*_COLUMNS, users.c.password_hash).where(users.c.email == email))).first()
        if email
        else None
    )
    stored = row.password_hash if row is not None else _dummy_hash()
    try:
        await asyncio.to_thread(_hasher().verify, stored, password[:MAX_PASSWORD])
    except (VerificationError, InvalidHashError) as exc:
        raise SignInFailed from exc
    if row is None or row.disabled_at is not None:
        raise SignInFailed
    if _hasher().check_needs_rehash(stored):
        new_hash = await hash_password(password)
        await work.execute(users.update().where(users.c.id == row.id).values(password_hash=new_hash))
    return User(*row[: len(_COLUMNS)])


async def get_user(reads: Reads, user_id: int) -> User:
    """The user with this id; raises ``NotFound``."""
    row = await reads.first(_BY_ID, {"user_id": user_id})
    if row is None:
        raise NotFound("user", str(user_id))
    return user_of(row)


async def find_user(reads: Reads, email: str) -> User | None:
    """The user with this e-mail (any case), or ``None``."""
    try:
        email = normalise_email(email)
    except Invalid:
        return None
    row = await reads.first(_BY_EMAIL, {"email": email})
    return user_of(row) if row is not None else None


async def list_users(reads: Reads, window: Window) -> Slice[User]:
    """Users by e-mail."""
    rows = await reads.all(_PAGE, {"limit": window.limit + 1, "offset": window.offset})
    return cut([user_of(row) for row in rows], window)


_EMAILS = sa.select(users.c.id, users.c.email).where(in_json_list(users.c.id, sa.bindparam("ids")))


async def emails_of(reads: Reads, user_ids: set[int]) -> dict[int, str]:
    """The e-mail of each of ``user_ids`` that still exists, in one statement (a list names its rows' owners)."""
    if not user_ids:
        return {}
    rows = await reads.all(_EMAILS, {"ids": json_list(sorted(user_ids))})
    return {int(user_id): email for user_id, email in rows}


def user_row_id(public_id: str) -> int:
    """The row id behind ``user_...``; raises ``NotFound`` for anything malformed."""
    return ids.decode("user", public_id, "user")


_ACTIVE_ADMINS = (
    sa.select(users.c.id).where(users.c.is_admin.is_(True), users.c.disabled_at.is_(None)).with_for_update()
)


async def _refuse_losing_the_last_admin(work: Write, user: User, actor_id: int | None, action: str) -> None:
    """Raise ``OwnAccount`` if ``actor_id`` is ``user``, ``LastActiveAdmin`` if ``user`` is the only active admin.

    The active admins' rows are locked (PostgreSQL; SQLite runs one writer at
    a time), so two admins disabling each other at once cannot both succeed.
    """
    if actor_id is not None and actor_id == user.id:
        raise OwnAccount(action)
    if not user.is_admin or user.disabled_at is not None:
        return
    admins = (await work.execute(_ACTIVE_ADMINS)).scalars().all()
    if set(admins) <= {user.id}:
        raise LastActiveAdmin(user.email)


async def close_user_sessions(work: Write, user_id: int) -> int:
    """End every session of a user (disabled, deleted, a new password); returns how many ended.

    Here, not in ``core.sessions``: that module imports this one.
    """
    result = await work.execute(sessions.delete().where(sessions.c.user_id == user_id))
    return result.rowcount or 0


async def disable_user(work: Write, user_id: int, *, actor_id: int | None = None) -> User:
    """Disable a user: sign-in, their sessions (ended here) and their tokens are refused until enabled again.

    ``actor_id`` is the admin doing it (``None`` from the command line).
    Returns the user as now. Raises ``NotFound``, ``OwnAccount`` (an admin
    disabling themselves) or ``LastActiveAdmin``. Disabling a disabled user
    changes nothing.
    """
    user = await get_user(work, user_id)
    if user.disabled_at is not None:
        return user
    await _refuse_losing_the_last_admin(work, user, actor_id, "disable")
    now = utcnow()
    await work.execute(users.update().where(users.c.id == user_id).values(disabled_at=now))
    await close_user_sessions(work, user_id)
    return msgspec.structs.replace(user, disabled_at=now)


async def enable_user(work: Write, user_id: int) -> User:
    """Let a disabled user sign in again (their unrevoked tokens work again); returns it. Raises ``NotFound``."""
    user = await get_user(work, user_id)
    await work.execute(users.update().where(users.c.id == user_id).values(disabled_at=None))
    return msgspec.structs.replace(user, disabled_at=None)


class Deleted(msgspec.Struct, frozen=True):
    """What deleting a user took with it."""

    user: User
    sessions: int
    tokens: int
    """Their tokens, revoked or not: each is deleted, so a request carrying one is refused."""


async def delete_user(work: Write, user_id: int, *, actor_id: int | None = None) -> Deleted:
    """Delete a user with their sessions and tokens (what scripts used them is refused from the next request).

    Raises ``NotFound``, ``OwnAccount`` (an admin deleting themselves) or
    ``LastActiveAdmin``. Revisions name a token by text, so none loses its author.
    """
    user = await get_user(work, user_id)
    await _refuse_losing_the_last_admin(work, user, actor_id, "delete")
    ended = await close_user_sessions(work, user_id)
    removed = await work.execute(tokens.delete().where(tokens.c.user_id == user_id))
    await work.execute(users.delete().where(users.c.id == user_id))
    return Deleted(user, ended, removed.rowcount or 0)


async def reset_password(work: Write, user_id: int, *, actor_id: int | None = None) -> tuple[User, str]:
    """Give a user a new generated password and end their sessions; returns the user and the password (shown once).

    Their tokens keep working. Raises ``NotFound``, or ``OwnAccount`` when
    ``actor_id`` is the user: ending their own session would lose the
    password before it is shown (they change it on their profile instead).
    """
    if actor_id is not None and actor_id == user_id:
        raise OwnAccount("reset the password of")
    user = await get_user(work, user_id)
    password = generate_password()
    await set_password(work, user_id, password)
    await close_user_sessions(work, user_id)
    return user, password
