"""Users and sessions in the core, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import TypeVar

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher

from ghee.clock import utcnow
from ghee.config import get_settings
from ghee.core import users as user_rules
from ghee.core.paging import Window
from ghee.core.sessions import LIFETIME, close_session, open_session, resolve_session, slide_session
from ghee.core.tokens import TOKEN_BY_HASH, authenticated_by, create_token, hash_secret
from ghee.core.users import SignInFailed, authenticate_user, create_user
from ghee.db.database import Write, opened
from ghee.db.reads import Reads
from ghee.db.tables import sessions, users
from ghee.errors import Conflict, Invalid, NotFound, TokenInvalid
from tests.support.counting_reads import CountingReads
from tests.support.databases import make_database
from tests.support.services import run_async

T = TypeVar("T")
PASSWORD = "a long enough password"  # noqa: S105 (a test user's password)


@pytest.fixture(scope="module")
def database(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url, drop = make_database(backend, Path(tmp_path_factory.mktemp(f"users-{backend}")))
    yield url
    drop()


def run(url: str, work: Callable[[Write], Awaitable[T]]) -> T:
    async def main() -> T:
        async with opened(url) as db, db.write() as unit:
            return await work(unit)

    return run_async(main)


def read(url: str, work: Callable[[Reads], Awaitable[T]]) -> T:
    """Run ``work`` on the fast read path, as a dashboard page does."""

    async def main() -> T:
        async with opened(url) as db:
            return await work(db.read())

    return run_async(main)


def stored_hash(url: str, email: str) -> str:
    async def work(unit: Write) -> str:
        return str(await unit.scalar(sa.select(users.c.password_hash).where(users.c.email == email)))

    return run(url, work)


def test_password_is_stored_as_an_argon2id_hash(database: str) -> None:
    created = run(database, lambda c: create_user(c, email="Hash@Example.com", password=PASSWORD))
    assert created.email == "hash@example.com"
    assert created.name == "hash"
    stored = stored_hash(database, "hash@example.com")
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored
    assert PasswordHasher().verify(stored, PASSWORD)


def test_authenticate_takes_any_case_of_the_email_and_only_the_right_password(database: str) -> None:
    run(database, lambda c: create_user(c, email="auth@example.com", password=PASSWORD, is_admin=True))
    signed_in = run(database, lambda c: authenticate_user(c, "AUTH@example.com", PASSWORD))
    assert signed_in.email == "auth@example.com"
    assert signed_in.is_admin
    with pytest.raises(SignInFailed):
        run(database, lambda c: authenticate_user(c, "auth@example.com", PASSWORD + "!"))
    with pytest.raises(SignInFailed):
        run(database, lambda c: authenticate_user(c, "nobody@example.com", PASSWORD))
    with pytest.raises(SignInFailed):
        run(database, lambda c: authenticate_user(c, "not an email", PASSWORD))


@pytest.fixture
def standard_cost(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """argon2's standard cost, as in production, for this test (the suite hashes at the cheapest)."""
    monkeypatch.setenv("GHEE_ARGON2_COST", "standard")
    get_settings.cache_clear()
    user_rules._hasher.cache_clear()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()
    user_rules._hasher.cache_clear()


@pytest.mark.usefixtures("standard_cost")
def test_an_outdated_hash_is_replaced_on_sign_in(database: str) -> None:
    run(database, lambda c: create_user(c, email="old@example.com", password=PASSWORD))
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    run(
        database,
        lambda c: c.execute(users.update().where(users.c.email == "old@example.com").values(password_hash=weak)),
    )
    run(database, lambda c: authenticate_user(c, "old@example.com", PASSWORD))
    renewed = stored_hash(database, "old@example.com")
    assert renewed != weak
    assert not PasswordHasher().check_needs_rehash(renewed)
    assert PasswordHasher().verify(renewed, PASSWORD)


def test_an_email_is_taken_once_whatever_its_case(database: str) -> None:
    run(database, lambda c: create_user(c, email="twice@example.com", password=PASSWORD))
    with pytest.raises(Conflict, match="already exists"):
        run(database, lambda c: create_user(c, email="TWICE@example.com", password=PASSWORD))


@pytest.mark.parametrize(
    ("email", "password", "field"), [("short@example.com", "nine char", "password"), ("no-at-sign", PASSWORD, "email")]
)
def test_bad_input_is_refused(database: str, email: str, password: str, field: str) -> None:
    with pytest.raises(Invalid) as refused:
        run(database, lambda c: create_user(c, email=email, password=password))
    assert refused.value.field == field


def test_a_session_resolves_until_closed(database: str) -> None:
    user = run(database, lambda c: create_user(c, email="session@example.com", password=PASSWORD))
    session, cookie = run(database, lambda c: open_session(c, user))
    assert session.id != cookie  # only the hash is stored
    resolved = read(database, lambda r: resolve_session(r, cookie))
    assert resolved is not None
    assert resolved.session.user.email == "session@example.com"
    assert resolved.session.csrf_token == session.csrf_token
    assert read(database, lambda r: resolve_session(r, cookie + "x")) is None
    run(database, lambda c: close_session(c, cookie))
    assert read(database, lambda r: resolve_session(r, cookie)) is None


def test_resolving_a_session_only_reads_and_a_stale_one_is_due_to_slide(database: str) -> None:
    user = run(database, lambda c: create_user(c, email="slide@example.com", password=PASSWORD))
    session, cookie = run(database, lambda c: open_session(c, user))
    fresh = read(database, lambda r: resolve_session(r, cookie))
    assert fresh is not None
    assert not fresh.slide_due  # just opened: a page view writes nothing
    an_hour_ago = utcnow() - timedelta(hours=1)
    seen = {"last_seen_at": an_hour_ago, "expires_at": an_hour_ago + LIFETIME}
    run(database, lambda c: c.execute(sessions.update().where(sessions.c.id == session.id).values(**seen)))
    stale = read(database, lambda r: resolve_session(r, cookie))
    assert stale is not None
    assert stale.slide_due
    slid = run(database, lambda c: slide_session(c, stale.session))
    assert slid.expires_at > stale.session.expires_at
    again = read(database, lambda r: resolve_session(r, cookie))
    assert again is not None
    assert not again.slide_due
    assert again.session.expires_at == slid.expires_at


def test_an_expired_session_does_not_resolve(database: str) -> None:
    user = run(database, lambda c: create_user(c, email="expired@example.com", password=PASSWORD))
    session, cookie = run(database, lambda c: open_session(c, user))
    gone = utcnow() - timedelta(seconds=1)
    run(database, lambda c: c.execute(sessions.update().where(sessions.c.id == session.id).values(expires_at=gone)))
    assert read(database, lambda r: resolve_session(r, cookie)) is None


def sign_in_works(url: str, email: str, password: str = PASSWORD) -> bool:
    try:
        run(url, lambda c: authenticate_user(c, email, password))
    except SignInFailed:
        return False
    return True


def token_accepted(url: str, secret: str) -> bool:
    token_hash = hash_secret(secret)
    row = read(url, lambda r: r.first(TOKEN_BY_HASH, {"token_hash": token_hash}))
    try:
        authenticated_by(token_hash, row)
    except TokenInvalid:
        return False
    return True


def test_a_disabled_user_is_refused_everywhere_until_enabled(database: str) -> None:
    admin = run(database, lambda c: create_user(c, email="da-admin@example.com", password=PASSWORD, is_admin=True))
    user = run(database, lambda c: create_user(c, email="disabled@example.com", password=PASSWORD))
    _, cookie = run(database, lambda c: open_session(c, user))
    _, secret = run(database, lambda c: create_token(c, name="ci", scope="read", user_id=user.id))
    _, cli_secret = run(database, lambda c: create_token(c, name="cli", scope="read"))

    disabled = run(database, lambda c: user_rules.disable_user(c, user.id, actor_id=admin.id))
    assert disabled.disabled_at is not None
    assert not sign_in_works(database, "disabled@example.com")
    assert read(database, lambda r: resolve_session(r, cookie)) is None
    assert not token_accepted(database, secret)
    assert token_accepted(database, cli_secret)  # a token of no user is not anyone's to disable

    enabled = run(database, lambda c: user_rules.enable_user(c, user.id))
    assert enabled.disabled_at is None
    assert sign_in_works(database, "disabled@example.com")
    assert token_accepted(database, secret)
    assert read(database, lambda r: resolve_session(r, cookie)) is None  # disabling ended the session for good


def test_an_admin_cannot_disable_or_delete_themselves(database: str) -> None:
    admin = run(database, lambda c: create_user(c, email="self@example.com", password=PASSWORD, is_admin=True))
    run(database, lambda c: create_user(c, email="self-other-admin@example.com", password=PASSWORD, is_admin=True))
    with pytest.raises(user_rules.OwnAccount, match="disable your own account"):
        run(database, lambda c: user_rules.disable_user(c, admin.id, actor_id=admin.id))
    with pytest.raises(user_rules.OwnAccount, match="delete your own account"):
        run(database, lambda c: user_rules.delete_user(c, admin.id, actor_id=admin.id))
    assert sign_in_works(database, "self@example.com")


def test_the_last_active_admin_is_neither_disabled_nor_deleted(database: str) -> None:
    def only_admins_left(unit: Write) -> Awaitable[object]:
        return unit.execute(users.update().where(users.c.email != "last@example.com").values(is_admin=False))

    last = run(database, lambda c: create_user(c, email="last@example.com", password=PASSWORD, is_admin=True))
    run(database, only_admins_left)
    with pytest.raises(user_rules.LastActiveAdmin, match="last active admin"):
        run(database, lambda c: user_rules.disable_user(c, last.id))
    with pytest.raises(user_rules.LastActiveAdmin):
        run(database, lambda c: user_rules.delete_user(c, last.id))
    spare = run(database, lambda c: create_user(c, email="spare@example.com", password=PASSWORD, is_admin=True))
    run(database, lambda c: user_rules.disable_user(c, spare.id))
    with pytest.raises(user_rules.LastActiveAdmin):  # a disabled admin manages no one
        run(database, lambda c: user_rules.disable_user(c, last.id))
    run(database, lambda c: user_rules.enable_user(c, spare.id))
    run(database, lambda c: user_rules.disable_user(c, last.id))
    assert not sign_in_works(database, "last@example.com")


def test_deleting_a_user_takes_their_sessions_and_tokens(database: str) -> None:
    user = run(database, lambda c: create_user(c, email="gone@example.com", password=PASSWORD))
    _, cookie = run(database, lambda c: open_session(c, user))
    _, secret = run(database, lambda c: create_token(c, name="gone-ci", scope="write", user_id=user.id))
    deleted = run(database, lambda c: user_rules.delete_user(c, user.id))
    assert (deleted.sessions, deleted.tokens) == (1, 1)
    assert read(database, lambda r: resolve_session(r, cookie)) is None
    assert not token_accepted(database, secret)
    assert not sign_in_works(database, "gone@example.com")
    with pytest.raises(NotFound):
        read(database, lambda r: user_rules.get_user(r, user.id))


def test_a_reset_password_replaces_the_old_one_and_ends_sessions(database: str) -> None:
    user = run(database, lambda c: create_user(c, email="reset@example.com", password=PASSWORD))
    _, cookie = run(database, lambda c: open_session(c, user))
    _, secret = run(database, lambda c: create_token(c, name="reset-ci", scope="read", user_id=user.id))
    _, password = run(database, lambda c: user_rules.reset_password(c, user.id))
    assert len(password) >= user_rules.MIN_PASSWORD
    assert not sign_in_works(database, "reset@example.com")
    assert sign_in_works(database, "reset@example.com", password)
    assert read(database, lambda r: resolve_session(r, cookie)) is None
    assert token_accepted(database, secret)  # tokens are revoked on their own page, not by a reset


def test_the_users_list_and_token_owners_cost_one_statement_each(database: str) -> None:
    owners = {
        run(database, lambda c, n=n: create_user(c, email=f"owner-{n}@example.com", password=PASSWORD)).id
        for n in range(5)
    }

    async def count() -> tuple[int, int, dict[int, str]]:
        async with opened(database) as db:
            listing = CountingReads(db.read())
            await user_rules.list_users(listing, Window(50, 0))
            naming = CountingReads(db.read())
            emails = await user_rules.emails_of(naming, owners)
            return listing.statements, naming.statements, emails

    listed, named, emails = run_async(count)
    assert (listed, named) == (1, 1)
    assert sorted(emails.values()) == [f"owner-{n}@example.com" for n in range(5)]
