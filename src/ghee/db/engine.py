"""The async engine for SQLite (aiosqlite) or PostgreSQL (asyncpg)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine


def async_url(database_url: str) -> URL:
    """Turn a user-facing URL (``sqlite:///x``, ``postgresql://...``) into an async driver URL."""
    url = make_url(database_url)
    backend = url.get_backend_name()
    if backend == "sqlite":
        return url.set(drivername="sqlite+aiosqlite")
    if backend in ("postgresql", "postgres"):
        return url.set(drivername="postgresql+asyncpg")
    msg = f"unsupported database URL scheme {url.drivername!r}: use sqlite:/// or postgresql://"
    raise ValueError(msg)


def _tune_sqlite(dbapi_connection: Any, _record: object) -> None:  # noqa: ANN401 (the DB-API connection is untyped)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def create_engine(database_url: str) -> AsyncEngine:
    """Create the engine; for SQLite, the file's folder is created and WAL is switched on."""
    url = async_url(database_url)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
            private_file(Path(url.database))
        engine = create_async_engine(url)
        event.listen(engine.sync_engine, "connect", _tune_sqlite)
        return engine
    # Up to 20 connections at a busy moment, but only 5 kept open idle: many processes (serve workers,
    # ghee worker, a test suite's servers) share one server's max_connections (100 by default).
    kept = idle_connections(5)
    return create_async_engine(url, pool_size=kept, max_overflow=20 - kept, pool_pre_ping=False)


def idle_connections(default: int) -> int:
    """Connections a PostgreSQL pool keeps open while idle: ``GHEE_DATABASE_IDLE_CONNECTIONS``, else ``default``.

    Each process has two pools (units of work, and the read path); a host running many processes
    (a test suite's servers) sets it low so they fit PostgreSQL's ``max_connections``.
    """
    text = os.environ.get("GHEE_DATABASE_IDLE_CONNECTIONS", "").strip()
    return max(1, min(int(text), default)) if text.isdigit() else default


def private_file(path: Path) -> None:
    """Make ``path`` readable by its owner alone (0600), creating it empty if missing.

    SQLite gives its ``-wal`` and ``-shm`` files the database file's mode, so
    the tokens' hashes, sealed secrets and sessions in them stay private too.
    """
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        return


def shown_url(database_url: str) -> str:
    """``database_url`` fit to print or log: its password, if any, replaced by ``***``."""
    return make_url(database_url).render_as_string(hide_password=True)


def is_sqlite(engine: AsyncEngine) -> bool:
    """Whether the engine talks to SQLite."""
    return engine.dialect.name == "sqlite"
