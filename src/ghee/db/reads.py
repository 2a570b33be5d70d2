"""The fast read path: SQLAlchemy Core statements executed straight on the driver.

SQLAlchemy's async execution layer costs ~300 µs a query on this class of
machine, more than the rest of a request. Hot reads therefore compile their
statement once per dialect and run the SQL text on the driver:

- SQLite: a per-process ``sqlite3`` connection, used from the event loop.
  Reads of a WAL database never wait for writers, and the hot queries are
  indexed and bounded, so they take tens of microseconds, less than a
  thread hop to aiosqlite would.
- PostgreSQL: an ``asyncpg`` pool with its prepared-statement cache.

Writes keep going through SQLAlchemy. ``ConnectionReads`` runs the same
statements on an open SQLAlchemy connection, for reads inside a write
transaction. Rows come back as plain sequences in the statement's column
order; SQLite gives timestamps as text, so callers use ``as_datetime``.
"""

from __future__ import annotations

import sqlite3
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import asyncpg
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import Executable
from sqlalchemy.sql.compiler import Compiled

from ghee.core.errors import Unavailable
from ghee.db.engine import async_url

Row = Sequence[Any]


class Reads(ABC):
    """Runs read-only statements and returns their rows.

    A base class rather than a protocol: Litestar checks injected values with
    ``isinstance``, which a class answers at C speed.
    """

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


class _Statements:
    """Compiles each statement once for one dialect."""

    def __init__(self, dialect: Dialect) -> None:
        self._dialect = dialect
        self._cache: dict[int, tuple[Executable, _Prepared]] = {}

    def get(self, statement: Executable) -> _Prepared:
        hit = self._cache.get(id(statement))
        if hit is not None and hit[0] is statement:
            return hit[1]
        prepared = _Prepared(statement.compile(dialect=self._dialect))  # type: ignore[attr-defined]
        # Keep the statement alive so its id is not reused by another object.
        self._cache[id(statement)] = (statement, prepared)
        return prepared


class SqliteReads(Reads):
    """Reads on a per-process ``sqlite3`` connection (autocommit, query-only)."""

    def __init__(self, path: str, dialect: Dialect) -> None:
        self._conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._conn.execute("PRAGMA query_only=ON")
        self._conn.execute("PRAGMA busy_timeout=10000")
        self._conn.execute("PRAGMA case_sensitive_like=ON")
        self._statements = _Statements(dialect)

    async def all(self, statement: Executable, params: Mapping[str, object]) -> list[Row]:
        prepared = self._statements.get(statement)
        try:
            return self._conn.execute(prepared.sql, prepared.values(params)).fetchall()
        except sqlite3.OperationalError as exc:
            raise Unavailable("database") from exc

    async def close(self) -> None:
        self._conn.close()


async def _keep_session(_: asyncpg.Connection) -> None:
    return None


class PostgresReads(Reads):
    """Reads on an ``asyncpg`` pool."""

    def __init__(self, pool: asyncpg.Pool, dialect: Dialect) -> None:
        self._pool = pool
        self._statements = _Statements(dialect)

    @classmethod
    async def connect(cls, database_url: str, dialect: Dialect) -> PostgresReads:
        url = make_url(database_url)
        pool = await asyncpg.create_pool(
            host=url.host or "127.0.0.1",
            port=url.port or 5432,
            user=url.username,
            password=url.password,
            database=url.database,
            min_size=0,
            max_size=10,
            # These connections only run single read statements: there is no
            # session state to reset, so skip the round trip asyncpg's default
            # reset (RESET ALL, UNLISTEN *, ...) costs on every release.
            reset=_keep_session,
        )
        return cls(pool, dialect)

    async def all(self, statement: Executable, params: Mapping[str, object]) -> list[Row]:
        prepared = self._statements.get(statement)
        try:
            async with self._pool.acquire() as conn:
                return list(await conn.fetch(prepared.sql, *prepared.values(params)))
        except (
            OSError,
            asyncpg.exceptions.CannotConnectNowError,
            asyncpg.exceptions.ConnectionDoesNotExistError,
        ) as exc:
            raise Unavailable("database") from exc

    async def close(self) -> None:
        await self._pool.close()


class ConnectionReads(Reads):
    """The same reads on an open SQLAlchemy connection (inside a write transaction)."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def all(self, statement: Executable, params: Mapping[str, object]) -> list[Row]:
        return list(await self._conn.execute(statement, dict(params)))

    async def first(self, statement: Executable, params: Mapping[str, object]) -> Row | None:
        return (await self._conn.execute(statement, dict(params))).first()


async def open_reads(database_url: str, dialect: Dialect) -> SqliteReads | PostgresReads:
    """The fast read path for a database URL."""
    url = async_url(database_url)
    if url.get_backend_name() == "sqlite":
        return SqliteReads(url.database or "", dialect)
    return await PostgresReads.connect(database_url, dialect)
