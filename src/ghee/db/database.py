"""The one way in to the database: ``db.read()`` and ``db.write()``.

A ``Database`` is opened once per process (the app's lifespan, ``ghee
worker``, a CLI command) and closed when it ends. Everything above ``db/``
holds one and asks it for exactly one of two things:

- ``db.read()``: the fast read path (``ghee.db.reads``), for statements that
  read committed data and need no transaction.
- ``db.write()``: a unit of work, ``async with db.write() as work:``. Its
  statements run on one connection inside one transaction, which commits
  when the block ends without an error and rolls back otherwise. It offers
  the same read functions (it is a ``Reads``) on its own connection, so a
  rule that reads and then writes sees its own writes.

Core functions take a ``Reads`` (a reader) or a ``Write`` (a unit of work);
no caller wraps one in the other, and nobody commits by hand.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any, TypeVar, TypeVarTuple, overload

from sqlalchemy.engine import CursorResult, Dialect, ScalarResult
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncResult
from sqlalchemy.sql import Executable
from sqlalchemy.sql.selectable import TypedReturnsRows
from sqlalchemy.util.typing import TupleAny

from ghee.db.engine import create_engine
from ghee.db.reads import PostgresReads, Reads, Row, SqliteReads, open_reads
from ghee.db.wakes import Wakes, check_channel
from ghee.errors import Unavailable

_T = TypeVar("_T")
_Ts = TypeVarTuple("_Ts")
_Params = Mapping[str, Any] | list[dict[str, Any]]

# What a connection that cannot be opened raises: the server is down, restarting or refusing us.
_CANNOT_CONNECT = (OSError, TimeoutError, OperationalError, InterfaceError)


class Write(Reads):
    """A unit of work: one connection, one transaction (see the module's docstring)."""

    __slots__ = ("_announced", "_conn")

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn
        self._announced: set[str] = set()

    async def announce(self, channel: str) -> None:
        """Wake the loops waiting on ``channel`` when this unit commits (``ghee.db.wakes``)."""
        if channel in self._announced:
            return
        self._announced.add(check_channel(channel))
        if self._conn.dialect.name == "postgresql":
            await self._conn.exec_driver_sql(f"NOTIFY {channel}")  # delivered at commit, to every listener

    @property
    def announced(self) -> frozenset[str]:
        """The channels this unit announced."""
        return frozenset(self._announced)

    @property
    def dialect(self) -> Dialect:
        """The SQL dialect of the database (``sqlite`` or ``postgresql``)."""
        return self._conn.dialect

    async def all(self, statement: Executable, params: Mapping[str, object] | None = None) -> list[Row]:
        """Every row of ``statement`` run with ``params``, on this unit's connection."""
        return list(await self._conn.execute(statement, dict(params or {})))

    async def first(self, statement: Executable, params: Mapping[str, object] | None = None) -> Row | None:
        """The first row, or ``None``, on this unit's connection."""
        return (await self._conn.execute(statement, dict(params or {}))).first()

    @overload
    async def execute(self, statement: TypedReturnsRows[*_Ts], params: _Params | None = None) -> CursorResult[*_Ts]: ...
    @overload
    async def execute(self, statement: Executable, params: _Params | None = None) -> CursorResult[*TupleAny]: ...
    async def execute(self, statement: Executable, params: _Params | None = None) -> CursorResult[*TupleAny]:
        """Run a statement: an insert, update or delete, or a read whose typed rows are wanted."""
        return await self._conn.execute(statement, params)

    @overload
    async def scalar(
        self, statement: TypedReturnsRows[_T], params: Mapping[str, object] | None = None
    ) -> _T | None: ...
    @overload
    async def scalar(self, statement: Executable, params: Mapping[str, Any] | None = None) -> Any: ...  # noqa: ANN401
    async def scalar(self, statement: Executable, params: Mapping[str, Any] | None = None) -> Any:
        """The first column of the first row, or ``None``."""
        return await self._conn.scalar(statement, params)

    @overload
    async def scalars(self, statement: TypedReturnsRows[_T]) -> ScalarResult[_T]: ...
    @overload
    async def scalars(self, statement: Executable) -> ScalarResult[Any]: ...
    async def scalars(self, statement: Executable) -> ScalarResult[Any]:
        """The first column of every row."""
        return await self._conn.scalars(statement)

    async def stream(self, statement: Executable) -> AsyncResult[*TupleAny]:
        """The rows of ``statement`` as they arrive, for reads too large to hold at once."""
        return await self._conn.stream(statement)


class Database:
    """The engine (for units of work) and the fast read path of one database."""

    def __init__(self, engine: AsyncEngine, reads: SqliteReads | PostgresReads) -> None:
        self._engine = engine
        self._reads = reads
        self.wakes = Wakes()
        """This process's wake-ups: set when a unit that announced a channel commits."""

    @classmethod
    async def open(cls, database_url: str) -> Database:
        """Open the database at ``database_url``; nothing connects until it is used."""
        engine = create_engine(database_url)
        return cls(engine, await open_reads(database_url, engine.dialect))

    @property
    def engine(self) -> AsyncEngine:
        """The SQLAlchemy engine: for migrations, backups and the health check, not for queries."""
        return self._engine

    @property
    def dialect(self) -> Dialect:
        """The SQL dialect of the database."""
        return self._engine.dialect

    def read(self) -> Reads:
        """The fast read path."""
        return self._reads

    @asynccontextmanager
    async def write(self) -> AsyncIterator[Write]:
        """A unit of work that commits when the block ends and rolls back if it raises.

        Raises ``Unavailable`` when the database cannot be reached.
        """
        conn = self._engine.connect()
        try:
            await conn.start()
        except _CANNOT_CONNECT as exc:
            raise Unavailable("database") from exc
        try:
            async with conn.begin():
                work = Write(conn)
                yield work
        finally:
            await conn.close()
        self.wakes.fire(work.announced)  # committed: wake this process's loops (PostgreSQL's NOTIFY wakes the rest)

    async def listen(self, channels: list[str], stop: asyncio.Event) -> None:
        """On PostgreSQL, wake this process's loops on every commit announcing ``channels`` until ``stop``.

        Returns at once on SQLite, whose writers and loops share a process.
        """
        if self.dialect.name != "postgresql":
            return
        dsn = self._engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        await self.wakes.listen(dsn, channels, stop)

    async def close(self) -> None:
        """Close the read path's connections and the engine's pool."""
        await self._reads.close()
        await self._engine.dispose()


@asynccontextmanager
async def opened(database_url: str) -> AsyncIterator[Database]:
    """A ``Database`` for the length of a block (a CLI command, a worker process)."""
    db = await Database.open(database_url)
    try:
        yield db
    finally:
        await db.close()
