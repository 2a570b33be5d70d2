"""Connections to Jenkins servers: their credentials (sealed), their sync status, and the lease of a sync pass.

A pass is run by one worker at a time: the worker claims the connection by
writing itself into ``lease_owner`` until ``lease_until`` (PostgreSQL picks
the row with ``FOR UPDATE SKIP LOCKED``; on SQLite the conditional UPDATE is
the arbiter), renews the lease as it writes, and releases it with the pass's
outcome, which schedules the next pass (later after each failure).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping
from datetime import datetime, timedelta

import msgspec
import sqlalchemy as sa

from ghee import ids
from ghee.clock import utcnow
from ghee.core.builds import rollups
from ghee.core.events import record_event
from ghee.core.inputs import check_free_text, check_label
from ghee.core.inserts import insert_unless_taken
from ghee.core.paging import Slice, Window, cut
from ghee.db.database import Write
from ghee.db.reads import Reads, Row, as_datetime
from ghee.db.sealing import Sealer
from ghee.db.tables import builds, connections, deployments, jobs
from ghee.errors import Conflict, Invalid, NotFound, TokenInvalid

MAX_NAME = 200
MAX_URL = 2048
MAX_USERNAME = 200
MAX_TOKEN = 1000
MAX_ERROR = 2000
LEASE = timedelta(minutes=5)
MAX_BACKOFF = timedelta(hours=1)
STATUSES = ("new", "ok", "error")
PUSH_SECRET_BYTES = 32


class Connection(msgspec.Struct, frozen=True):
    """A Jenkins server ghee syncs from (never its token)."""

    id: int
    name: str
    url: str
    username: str
    status: str
    last_error: str | None
    failures: int
    last_sync_at: datetime | None
    next_sync_at: datetime | None
    created_at: datetime
    jobs: int = 0
    demo: bool = False  # the demo's sample Jenkins: never contacted

    @property
    def public_id(self) -> str:
        """``conn_...``."""
        return ids.encode("conn", self.id)


class NewConnection(msgspec.Struct, frozen=True):
    """What a user gives to connect a server: a name, its URL, a user name and that user's API token."""

    name: str
    url: str
    username: str
    token: str


class Credentials(msgspec.Struct, frozen=True):
    """What a client needs to talk to the server; the token is open here, so never log or return it."""

    connection_id: int
    name: str
    url: str
    username: str
    token: str
    concurrency: int = 8  # requests a sync pass keeps in flight to this server


def connection_row_id(public_id: str) -> int:
    """The row id behind ``conn_...``; raises ``NotFound`` when malformed."""
    return ids.decode("conn", public_id, "connection")


class ConnectionChange(msgspec.Struct, frozen=True):
    """What an edit gives: the server's URL, the user name, and a new API token or ``None`` to keep the sealed one."""

    url: str
    username: str
    token: str | None


def check_new_connection(new: NewConnection) -> NewConnection:
    """``new`` with its fields trimmed; raises ``Invalid`` naming the first bad field (the URL is checked later)."""
    name = check_label("name", new.name, MAX_NAME)
    return NewConnection(name, _checked_url(new.url), _checked_username(new.username), _checked_token(new.token))


def check_connection_change(change: ConnectionChange) -> ConnectionChange:
    """``change`` with its fields trimmed (a blank token is ``None``); raises ``Invalid`` naming the first bad field."""
    token = None if change.token is None or not change.token.strip() else _checked_token(change.token)
    return ConnectionChange(_checked_url(change.url), _checked_username(change.username), token)


def _checked_url(url: str) -> str:
    if not url.strip() or len(url) > MAX_URL:
        raise Invalid("url", f"must be 1 to {MAX_URL} characters")
    return url.strip()


def _checked_username(username: str) -> str:
    checked = check_free_text("username", username.strip())
    if len(checked) > MAX_USERNAME:
        raise Invalid("username", f"must be at most {MAX_USERNAME} characters")
    return checked


def _checked_token(token: str) -> str:
    checked = check_free_text("token", token.strip())
    if not checked or len(checked) > MAX_TOKEN:
        raise Invalid("token", f"must be 1 to {MAX_TOKEN} characters")
    return checked


_JOB_COUNT = (
    sa.select(sa.func.count())
    .select_from(jobs)
    .where(jobs.c.connection_id == connections.c.id, jobs.c.deleted.is_(False))
    .scalar_subquery()
)
_COLUMNS = (
    connections.c.id,
    connections.c.name,
    connections.c.url,
    connections.c.username,
    connections.c.status,
    connections.c.last_error,
    connections.c.failures,
    connections.c.last_sync_at,
    connections.c.next_sync_at,
    connections.c.created_at,
    _JOB_COUNT,
    connections.c.demo,
)
_LIVE = connections.c.archived_at.is_(None)
_PAGE = (
    sa.select(*_COLUMNS)
    .where(_LIVE)
    .order_by(connections.c.id)
    .limit(sa.bindparam("limit"))
    .offset(sa.bindparam("offset"))
)
_COUNT = sa.select(sa.func.count()).select_from(connections).where(_LIVE)
_ONE = sa.select(*_COLUMNS).where(connections.c.id == sa.bindparam("id"), _LIVE)


def _connection(row: Row) -> Connection:
    row_id, name, url, username, status, last_error, failures, last_sync, next_sync, created, job_count, demo = row
    return Connection(
        row_id,
        name,
        url,
        username,
        status,
        last_error,
        failures,
        as_datetime(last_sync),
        as_datetime(next_sync),
        as_datetime(created),  # type: ignore[arg-type]
        job_count,
        bool(demo),
    )


async def list_connections(reads: Reads, window: Window) -> tuple[Slice[Connection], int]:
    """Connections in the order they were made (not the archived ones), and how many there are in all."""
    rows = await reads.all(_PAGE, {"limit": window.limit + 1, "offset": window.offset})
    total = await reads.first(_COUNT, {})
    return cut([_connection(r) for r in rows], window), int(total[0]) if total else 0


async def get_connection(reads: Reads, public_id: str) -> Connection:
    """The connection ``conn_...``; raises ``NotFound`` (for an archived one too)."""
    row = await reads.first(_ONE, {"id": connection_row_id(public_id)})
    if row is None:
        raise NotFound("connection", public_id)
    return _connection(row)


async def connection_named(reads: Reads, name: str) -> Connection:
    """The connection called ``name`` (or with public id ``name``); raises ``NotFound``."""
    row = await reads.first(
        sa.select(*_COLUMNS).where(connections.c.name == sa.bindparam("name"), _LIVE), {"name": name}
    )
    if row is None:
        return await get_connection(reads, name)
    return _connection(row)


async def create_connection(work: Write, sealer: Sealer, new: NewConnection, url: str) -> Connection:
    """Store a checked connection (``url`` normalised), its token sealed; emits ``connection.created``.

    Raises ``Conflict`` when the name is taken. The first pass is due at once.
    """
    now = utcnow()
    values = {
        "name": new.name,
        "url": url,
        "username": new.username,
        "token_encrypted": sealer.seal(new.token),
        "status": "new",
        "last_error": None,
        "failures": 0,
        "last_sync_at": None,
        "next_sync_at": now,
        "lease_owner": None,
        "lease_until": None,
    }
    archived = await work.scalar(
        sa.select(connections.c.id)
        .where(connections.c.url == url, connections.c.archived_at.is_not(None))
        .order_by(connections.c.archived_at.desc())
        .limit(1)
    )
    if archived is not None:
        return await _revive(work, archived, values, new)
    row_id = await work.scalar(
        insert_unless_taken(work, connections).values(**values, created_at=now).returning(connections.c.id)
    )
    if row_id is None:
        raise Conflict(f"a connection named {new.name!r} already exists")
    made = Connection(row_id, new.name, url, new.username, "new", None, 0, None, now, now)
    await emit_connection_event(work, "connection.created", made)
    return made


async def create_demo_connection(
    work: Write, name: str, url: str, *, created_at: datetime, synced_at: datetime
) -> Connection:
    """Store the demo's sample Jenkins (``demo``: never claimed, followed or dispatched to, so never contacted).

    It holds no token and reads as synced at ``synced_at`` with nothing due.
    Emits ``connection.created``; raises ``Conflict`` when the name is taken.
    """
    row_id = await work.scalar(
        insert_unless_taken(work, connections)
        .values(
            name=name,
            url=url,
            username="ghee-demo",
            token_encrypted="",  # nothing to open: no request is ever made with it
            status="ok",
            last_error=None,
            failures=0,
            last_sync_at=synced_at,
            next_sync_at=None,
            lease_owner=None,
            lease_until=None,
            created_at=created_at,
            demo=True,
        )
        .returning(connections.c.id)
    )
    if row_id is None:
        raise Conflict(f"a connection named {name!r} already exists")
    made = Connection(row_id, name, url, "ghee-demo", "ok", None, 0, synced_at, None, created_at, demo=True)
    await emit_connection_event(work, "connection.created", made)
    return made


async def _revive(work: Write, row_id: int, values: Mapping[str, object], new: NewConnection) -> Connection:
    """Bring an archived connection back with new credentials: its jobs and builds are its history again."""
    if await work.scalar(sa.select(connections.c.id).where(connections.c.name == new.name, connections.c.id != row_id)):
        raise Conflict(f"a connection named {new.name!r} already exists")
    await work.execute(connections.update().where(connections.c.id == row_id).values(**values, archived_at=None))
    made = await get_connection(work, ids.encode("conn", row_id))
    await emit_connection_event(work, "connection.created", made)
    return made


def check_editable(found: Connection) -> None:
    """Raise ``Conflict`` for the demo's sample Jenkins: it has no credentials to change and is never contacted."""
    if found.demo:
        raise Conflict("the demo's sample Jenkins cannot be edited; add a connection to a real Jenkins instead")


async def update_connection(
    work: Write, sealer: Sealer, public_id: str, change: ConnectionChange, url: str
) -> Connection:
    """Give a connection a checked URL (``url``, normalised) and user, and a new token if ``change`` has one.

    A new token is sealed as ``create_connection`` seals one; without one the
    sealed token stays as it is. The next pass is due at once and starts its
    count of failures afresh; a pass running with the old credentials loses its
    lease, so it stops before its next write and records nothing of how it
    went (``LeaseLost``). Emits ``connection.updated``; raises
    ``NotFound`` (for an archived connection too) and ``Conflict`` for the
    demo's sample Jenkins, which is never contacted.
    """
    found = await get_connection(work, public_id)
    check_editable(found)
    values: dict[str, object] = {"url": url, "username": change.username, "failures": 0, "next_sync_at": utcnow()}
    values |= {"lease_owner": None, "lease_until": None}
    if change.token is not None:
        values["token_encrypted"] = sealer.seal(change.token)
    await work.execute(connections.update().where(connections.c.id == found.id, _LIVE).values(**values))
    changed = await get_connection(work, public_id)
    await emit_connection_event(work, "connection.updated", changed)
    return changed


async def archive_connection(work: Write, public_id: str) -> None:
    """Stop syncing a connection and hide it; its jobs and builds stay readable and counted. Raises ``NotFound``.

    Emits ``connection.archived``. Adding a connection to the same URL later
    brings it back with its history (``create_connection``).
    """
    statement = (
        connections.update()
        .where(connections.c.id == connection_row_id(public_id), _LIVE)
        .values(archived_at=utcnow(), next_sync_at=None, lease_owner=None, lease_until=None, push_secret_hash=None)
    )
    await _change(work, public_id, statement, "connection.archived")


async def purge_connection(work: Write, public_id: str) -> None:
    """Remove a connection (archived or not) with its jobs, their builds and what the rollups counted of them.

    Raises ``Conflict`` while a deployment was made from one of its builds
    (deployments are never removed behind a user's back), ``NotFound``.
    Emits ``connection.deleted``. The rollups are recomputed, so this costs
    as much as ``ghee analytics rebuild``.
    """
    row_id = connection_row_id(public_id)
    its_builds = sa.select(builds.c.id).join(jobs, jobs.c.id == builds.c.job_id).where(jobs.c.connection_id == row_id)
    deployed = await work.scalar(sa.select(sa.func.count()).where(deployments.c.build_id.in_(its_builds)))
    if deployed:
        raise Conflict(
            f"{deployed} deployment(s) were made from this connection's builds; archive it instead (without purge)"
        )
    await _change(work, public_id, connections.delete().where(connections.c.id == row_id), "connection.deleted")
    await rollups.rebuild(work)


async def _change(work: Write, public_id: str, statement: sa.Update | sa.Delete, event_type: str) -> None:
    """Run ``statement`` on the connection's row and record ``event_type``; raises ``NotFound`` if it hit no row."""
    name = (await work.execute(statement.returning(connections.c.name))).scalar()
    if name is None:
        raise NotFound("connection", public_id)
    await record_event(
        work,
        event_type,
        resource_type="connection",
        resource_id=public_id,
        project_id=None,
        payload={"id": public_id, "name": name},
    )


async def sync_soon(work: Write, public_id: str) -> None:
    """Make the next pass of a connection due now; a sync worker runs it when free. Raises ``NotFound``.

    Nothing talks to Jenkins here: a pass already running keeps its lease, and
    the worker that claims the connection next does the work.
    """
    row_id = connection_row_id(public_id)
    due = await work.execute(
        connections.update().where(connections.c.id == row_id, _LIVE).values(next_sync_at=utcnow())
    )
    if due.rowcount != 1:
        raise NotFound("connection", public_id)


def _push_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


async def issue_push_secret(work: Write, public_id: str) -> str:
    """A new secret for the connection's push URL (the previous one stops working); raises ``NotFound``.

    Only its SHA-256 is stored: the caller shows the secret once.
    """
    secret = secrets.token_urlsafe(PUSH_SECRET_BYTES)
    statement = (
        connections.update()
        .where(connections.c.id == connection_row_id(public_id), _LIVE)
        .values(push_secret_hash=_push_digest(secret))
    )
    await _change(work, public_id, statement, "connection.push_secret_issued")
    return secret


_PUSH_SECRET = sa.select(connections.c.push_secret_hash).where(connections.c.id == sa.bindparam("id"))


async def pushing_connection(reads: Reads, public_id: str, secret: str) -> int:
    """The row id of connection ``conn_...`` when ``secret`` is its push secret; raises ``TokenInvalid`` otherwise.

    An unknown connection, one without a push secret and a wrong secret are
    refused alike, so the answer tells a prober nothing.
    """
    try:
        row_id = connection_row_id(public_id)
    except NotFound:
        raise TokenInvalid from None
    row = await reads.first(_PUSH_SECRET, {"id": row_id})
    stored = row[0] if row is not None else None
    if not secret or len(secret) > MAX_TOKEN or stored is None or not hmac.compare_digest(stored, _push_digest(secret)):
        raise TokenInvalid
    return row_id


async def emit_connection_event(work: Write, event_type: str, made: Connection) -> None:
    """Record ``event_type`` of ``made``: its id, name and URL (never a credential)."""
    await record_event(
        work,
        event_type,
        resource_type="connection",
        resource_id=made.public_id,
        project_id=None,
        payload={"id": made.public_id, "name": made.name, "url": made.url},
    )


_CREDENTIALS = sa.select(
    connections.c.name,
    connections.c.url,
    connections.c.username,
    connections.c.token_encrypted,
    connections.c.concurrency,
).where(connections.c.id == sa.bindparam("id"), _LIVE)


async def credentials_of(reads: Reads, sealer: Sealer, connection_id: int) -> Credentials:
    """The open credentials of a connection; raises ``NotFound``, or ``SealBroken`` if the key changed."""
    row = await reads.first(_CREDENTIALS, {"id": connection_id})
    if row is None:
        raise NotFound("connection", ids.encode("conn", connection_id))
    name, url, username, sealed, concurrency = row
    return Credentials(connection_id, name, url, username, sealer.open(sealed), int(concurrency))


def _lease_free(now: datetime) -> sa.ColumnElement[bool]:
    return sa.or_(connections.c.lease_until.is_(None), connections.c.lease_until < now)


async def claim_connection(
    work: Write, owner: str, *, connection_id: int | None = None, lease: timedelta = LEASE
) -> int | None:
    """Lease one connection to ``owner``: the named one, else the one due longest; its id, or ``None``.

    ``None`` means nothing is due, or the connection is leased to another
    worker (or is the demo's, which nothing syncs).
    Commit right after, so other workers see the lease.
    """
    now = utcnow()
    pick = sa.select(connections.c.id).where(_lease_free(now), _LIVE, connections.c.demo.is_(False))
    if connection_id is not None:
        pick = pick.where(connections.c.id == connection_id)
    else:
        pick = pick.where(connections.c.next_sync_at <= now).order_by(connections.c.next_sync_at, connections.c.id)
    picked = await work.scalar(pick.limit(1).with_for_update(skip_locked=True))
    if picked is None:
        return None
    taken = await work.execute(
        connections.update()
        .where(connections.c.id == picked, _lease_free(now))
        .values(lease_owner=owner, lease_until=now + lease)
    )
    return picked if taken.rowcount == 1 else None


async def renew_lease(work: Write, connection_id: int, owner: str, lease: timedelta = LEASE) -> bool:
    """Extend ``owner``'s lease; ``False`` if it lost the lease (expired and taken by another worker)."""
    renewed = await work.execute(
        connections.update()
        .where(connections.c.id == connection_id, connections.c.lease_owner == owner)
        .values(lease_until=utcnow() + lease)
    )
    return renewed.rowcount == 1


async def hand_back(work: Write, connection_id: int, owner: str) -> None:
    """Free ``owner``'s lease without touching the connection's status or schedule (the follower's short turns)."""
    await work.execute(
        connections.update()
        .where(connections.c.id == connection_id, connections.c.lease_owner == owner)
        .values(lease_owner=None, lease_until=None)
    )


def next_pass_after(failures: int, interval: timedelta) -> timedelta:
    """How long to wait before the next pass: ``interval``, doubled per consecutive failure, at most an hour."""
    if failures == 0:
        return interval
    backoff: timedelta = interval * (2 ** min(failures, 10))
    return min(MAX_BACKOFF, backoff)


async def release_connection(
    work: Write, connection_id: int, owner: str, *, error: str | None, interval: timedelta
) -> None:
    """End ``owner``'s pass: record its outcome, schedule the next pass, free the lease.

    A failed pass keeps the last successful sync time, counts the failure and
    backs off; a good one clears the error.
    """
    now = utcnow()
    failures = 0
    if error is not None:
        current = await work.scalar(sa.select(connections.c.failures).where(connections.c.id == connection_id))
        failures = (current or 0) + 1
    values: dict[str, object] = {
        "status": "error" if error else "ok",
        "last_error": error[:MAX_ERROR] if error else None,
        "failures": failures,
        "next_sync_at": now + next_pass_after(failures, interval),
        "lease_owner": None,
        "lease_until": None,
    }
    if error is None:
        values["last_sync_at"] = now
    await work.execute(
        connections.update()
        .where(connections.c.id == connection_id, connections.c.lease_owner == owner)
        .values(**values)
    )
