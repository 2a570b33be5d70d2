"""Running sync passes: the background loop a worker runs, and ``ghee sync``'s one pass now.

Whoever runs a pass first leases the connection (``ghee.core.connections``),
so two workers, or a worker and ``ghee sync``, never sync one connection at
once. A pass's outcome is recorded when the lease is released, whatever
happened, and schedules the next pass: one bad connection backs off alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from datetime import timedelta

import msgspec
from sqlalchemy.exc import DBAPIError

from ghee.config import Settings
from ghee.core.connections import (
    Connection,
    claim_connection,
    connection_named,
    credentials_of,
    list_connections,
    release_connection,
)
from ghee.core.paging import Window
from ghee.db.database import Database, opened
from ghee.db.sealing import SealBroken, sealer_for
from ghee.errors import Unavailable
from ghee.integrations.jenkins.client import JenkinsClient, JenkinsError
from ghee.integrations.jenkins.sync import LeaseLost, PassStats, Progress, run_pass

log = logging.getLogger("ghee.sync")

IDLE_POLL = 5.0  # seconds between looks for a due connection when none was


class PassOutcome(msgspec.Struct):
    """How one connection's pass went: its stats, and the error recorded if it failed."""

    name: str
    stats: PassStats | None
    error: str | None


def worker_name() -> str:
    """Who holds a lease: host, process and a random tag (a process may run several loops)."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


async def sync_connection(  # noqa: PLR0913 (the pass's options are named at the call)
    db: Database,
    settings: Settings,
    connection_id: int,
    owner: str,
    *,
    progress: Progress | None = None,
    stop: asyncio.Event | None = None,
) -> PassOutcome:
    """Run one pass of a connection ``owner`` has leased, then release it with the outcome.

    Jenkins errors, an unreadable token and unexpected failures are recorded on
    the connection (``status``, ``last_error``, backoff) rather than raised.
    """
    stats: PassStats | None = None
    error: str | None = None
    name = str(connection_id)
    try:
        async with db.write() as work:
            credentials = await credentials_of(work, sealer_for(settings), connection_id)
        name = credentials.name
        client = JenkinsClient(
            credentials.url, credentials.username, credentials.token, in_flight=credentials.concurrency
        )
        async with client:
            stats = await run_pass(db, client, connection_id, owner, progress=progress, stop=stop)
        if stats.errors:
            error = f"{len(stats.errors)} job(s) failed; first: {stats.errors[0]}"
    except JenkinsError as exc:
        error = str(exc)
    except SealBroken:
        error = "the stored token cannot be decrypted: GHEE_SECRET_KEY changed; enter the API token again"
    except LeaseLost:
        log.warning("lost the lease on connection %s (taken by another worker, or its credentials were edited)", name)
        return PassOutcome(name, stats, "lease lost")
    except Exception as exc:  # one connection's bug must not stop the others: record it and go on
        log.exception("sync of connection %s failed", name)
        error = f"internal error: {type(exc).__name__}: {exc}"
    async with db.write() as work:
        await release_connection(
            work, connection_id, owner, error=error, interval=timedelta(seconds=settings.sync_interval)
        )
    return PassOutcome(name, stats, error)


async def sync_loop(settings: Settings, db: Database, stop: asyncio.Event) -> None:
    """Sync due connections until ``stop`` is set: claim one, run its pass, repeat; idle when none is due."""
    owner = worker_name()
    while not stop.is_set():
        try:
            async with db.write() as work:
                claimed = await claim_connection(work, owner)
        except (DBAPIError, OSError, Unavailable) as exc:
            log.warning("cannot claim a connection to sync: %s", exc)
            claimed = None
        if claimed is None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), IDLE_POLL)
            continue
        try:
            outcome = await sync_connection(db, settings, claimed, owner, stop=stop)
        except (DBAPIError, OSError, Unavailable) as exc:
            log.warning("sync of connection %s could not be recorded: %s", claimed, exc)
            continue
        if outcome.error:
            log.warning("sync of %s failed: %s", outcome.name, outcome.error)


async def sync_now(settings: Settings, name: str | None = None, progress: Progress | None = None) -> list[PassOutcome]:
    """One pass of the connection ``name`` (name or ``conn_...``), or of every connection but the demo's, due or not.

    A connection leased by a worker right now is reported as busy, not synced.
    Raises ``NotFound`` for an unknown name.
    """
    owner = worker_name()
    async with opened(settings.database_url) as db:
        reads = db.read()
        if name is not None:
            targets = [await connection_named(reads, name)]
        else:
            targets = [c for c in (await list_connections(reads, Window(10_000)))[0].items if not c.demo]
        return [await _sync_one(db, settings, target, owner, progress) for target in targets]


async def _sync_one(
    db: Database, settings: Settings, target: Connection, owner: str, progress: Progress | None
) -> PassOutcome:
    if target.demo:
        return PassOutcome(target.name, None, "the demo's sample Jenkins: there is no server to sync")
    async with db.write() as work:
        claimed = await claim_connection(work, owner, connection_id=target.id)
    if claimed is None:
        return PassOutcome(target.name, None, "busy: another worker is syncing it right now")
    return await sync_connection(db, settings, claimed, owner, progress=progress)
