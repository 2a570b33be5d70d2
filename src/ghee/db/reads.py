"""The fast read path: SQLAlchemy Core statements executed straight on the driver.

SQLAlchemy's async execution layer costs ~300 µs a query on this class of
machine, more than the rest of a request. Hot reads therefore compile their
statement once per dialect and run the SQL text on the driver:

- SQLite: a per-process ``sqlite3`` connection, used from the event loop.
  Reads of a WAL database never wait for writers, and the hot queries are
  indexed and bounded, so they take tens of microseconds, less than a
  thread hop to aiosqlite would.
- PostgreSQL: an ``asyncpg`` pool with its prepared-statement cache.

Writes keep going through SQLAlchemy. A unit of work (``ghee.db.database.Write``) runs the same
statements on an open SQLAlchemy connection, for reads inside a write
transaction. Rows come back as plain sequences in the statement's column
order; SQLite gives timestamps as text, so callers use ``as_datetime``.
"""

from __future__ import annotations

import asyncio
import sqlite3
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import asyncpg
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.sql import Executable
from sqlalchemy.sql.compiler import Compiled

from ghee.db.engine import async_url, idle_connections
from ghee.errors import Unavailable

Row = Sequence[Any]


class Reads(ABC):
    """Runs read-only statements and returns their rows."""

    @property
    @abstractmethod
    def dialect(self) -> Dialect:
        """The SQL dialect of the database (``sqlite`` or ``postgresql``), for reads that differ between them."""

    @abstractmethod
    async def all(self, statement: Executable, params: Mapping[str, object]) -> list[Row]:
        """Every row of ``statement`` run with ``params``."""

    async def first(self, statement: Executable, params: Mapping[str, object]) -> Row | None:
        """The first row, or ``None``."""
        rows = await self.all(statement, params)
        return rows[0] if rows else None


def as_datetime(value: datetime | str | None) -> datetime | None:
    """A stored timestamp as a naive UTC datetime, whichever driver read it."""
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value)


class _Prepared:
    __slots__ = ("defaults", "names", "sql")

    def __init__(self, compiled: Compiled) -> None:
        self.sql = compiled.string
        # positional dialects (sqlite "?", asyncpg "$1") list bind names in order
        self.names: tuple[str, ...] = tuple(getattr(compiled, "positiontup", None) or ())
        self.defaults = dict(compiled.params)

    def values(self, params: Mapping[str, object]) -> list[object]:
        return [params[name] if name in params else self.defaults[name] for name in self.names]


STATEMENTS_KEPT = 512
"""Compiled statements kept per process: every statement declared once at import, with room to spare."""


class _Statements:
    """Compiles each statement once for one dialect, keeping the ``STATEMENTS_KEPT`` most recently used.

    Statements are found by identity: one declared at import is compiled once
    for the life of the process. One built per call compiles every time, and
    the bound keeps such statements from growing the cache without end.
    """

    def __init__(self, dialect: Dialect, kept: int = STATEMENTS_KEPT) -> None:
        self._dialect = dialect
        self._kept = kept
        self._cache: dict[int, tuple[Executable, _Prepared]] = {}

    def get(self, statement: Executable) -> _Prepared:
        key = id(statement)
        hit = self._cache.pop(key, None)
        if hit is not None and hit[0] is statement:
            self._cache[key] = hit  # dicts keep insertion order: the end is the most recently used
            return hit[1]
        prepared = _Prepared(statement.compile(dialect=self._dialect))  # type: ignore[attr-defined]
        if len(self._cache) >= self._kept:
            del self._cache[next(iter(self._cache))]  # the least recently used
        # Keep the statement alive so its id is not reused by another object while it is cached.
        self._cache[key] = (statement, prepared)
        return prepared

    def __len__(self) -> int:
        return len(self._cache)


class SqliteReads(Reads):
    """Reads on a per-process ``sqlite3`` connection (autocommit, query-only)."""

    def __init__(self, path: str, dialect: Dialect) -> None:
        self._conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._conn.execute("PRAGMA query_only=ON")
        self._conn.execute("PRAGMA busy_timeout=10000")
        self._conn.execute("PRAGMA case_sensitive_like=ON")
        # Read through a memory map and keep 64 MB of pages: otherwise every
        # request re-reads its pages from the OS with one system call each.
        self._conn.execute("PRAGMA mmap_size=1073741824")
        self._conn.execute("PRAGMA cache_size=-65536")
        self._dialect = dialect
        self._statements = _Statements(dialect)

    @property
    def dialect(self) -> Dialect:
        return self._dialect

    async def all(self, statement: Executable, params: Mapping[str, object]) -> list[Row]:
        prepared = self._statements.get(statement)
        try:
            return self._conn.execute(prepared.sql, prepared.values(params)).fetchall()
        except sqlite3.OperationalError as exc:
            raise Unavailable("database") from exc

    async def close(self) -> None:
        self._conn.close()


# A connection the server closed, or a server that cannot be reached.
_DISCONNECTED = (
    OSError,
    TimeoutError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.ConnectionDoesNotExistError,
    asyncpg.exceptions.InterfaceError,
)


class _Connections:
    """Idle ``asyncpg`` connections kept on a stack, at most ``size`` open at once.

    asyncpg's own pool costs ~50 µs of CPU per acquire and release (measured
    on this class of machine: 117 µs per single-row query through the pool,
    64 µs on a held connection). Single read statements need none of what it
    adds (connection setup hooks, resets, timeouts), only reuse and a bound.
    """

    def __init__(self, dsn: str, size: int, keep: int | None = None) -> None:
        self._dsn = dsn
        self._idle: list[asyncpg.Connection] = []
        self._slots = asyncio.Semaphore(size)
        self._keep_idle = size if keep is None else keep

    async def fetch(self, sql: str, args: list[object]) -> list[Row]:
        async with self._slots:
            if self._idle:
                conn = self._idle.pop()
                try:
                    return self._keep(conn, await conn.fetch(sql, *args))
                except _DISCONNECTED:
                    conn.terminate()  # closed by the server while idle (a restart): try once on a new one
                except BaseException:
                    conn.terminate()  # cancelled mid-query, or a failed statement: its state is unknown
                    raise
            conn = await self._connect()
            try:
                return self._keep(conn, await conn.fetch(sql, *args))
            except BaseException:
                conn.terminate()
                raise

    async def _connect(self) -> asyncpg.Connection:
        try:
            return await asyncpg.connect(self._dsn)
        except (*_DISCONNECTED, asyncpg.exceptions.PostgresError) as exc:
            # Down, restarting, or refusing these credentials: all mean no database for now.
            raise Unavailable("database") from exc

    def _keep(self, conn: asyncpg.Connection, rows: list[Row]) -> list[Row]:
        if len(self._idle) < self._keep_idle:
            self._idle.append(conn)
        else:
            conn.terminate()  # more are idle than this process keeps (``idle_connections``)
        return rows

    async def close(self) -> None:
        idle, self._idle = self._idle, []
        await asyncio.gather(*(conn.close() for conn in idle), return_exceptions=True)


class PostgresReads(Reads):
    """Reads on a few ``asyncpg`` connections, with asyncpg's prepared-statement cache."""

    def __init__(self, database_url: str, dialect: Dialect, size: int = 10) -> None:
        dsn = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
        self._connections = _Connections(dsn, size, keep=idle_connections(size))
        self._dialect = dialect
        self._statements = _Statements(dialect)

    @property
    def dialect(self) -> Dialect:
        return self._dialect

    async def all(self, statement: Executable, params: Mapping[str, object]) -> list[Row]:
        prepared = self._statements.get(statement)
        try:
            return await self._connections.fetch(prepared.sql, prepared.values(params))
        except _DISCONNECTED as exc:
            raise Unavailable("database") from exc

    async def close(self) -> None:
        await self._connections.close()


async def open_reads(database_url: str, dialect: Dialect) -> SqliteReads | PostgresReads:
    """The fast read path for a database URL."""
    url = async_url(database_url)
    if url.get_backend_name() == "sqlite":
        return SqliteReads(url.database or "", dialect)
    return PostgresReads(database_url, dialect)
