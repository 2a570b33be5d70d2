"""Run the Alembic migrations on an open async engine."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic config pointing at ghee's migrations, optionally bound to a connection."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def upgrade_on(connection: Connection, revision: str = "head") -> None:
    """Migrate the database of ``connection`` to ``revision``, in its transaction, before it has written anything.

    On SQLite the foreign keys are off while the migrations run, as SQLite's
    own procedure for rebuilding a table asks: with them on, dropping a
    table's old copy would delete or empty every row that refers to it. They
    are checked when the migrations end; a row the migrations left pointing
    nowhere raises ``RuntimeError``, which rolls the whole upgrade back
    (rows that pointed nowhere before are not theirs to judge). The caller switches
    them on again once the transaction has ended (``PRAGMA foreign_keys`` is a
    no-op inside one).
    """
    if connection.dialect.name != "sqlite":
        command.upgrade(alembic_config(connection), revision)
        return
    connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
    before = _dangling(connection)
    command.upgrade(alembic_config(connection), revision)
    for table, row_id, parent, _ in _dangling(connection) - before:
        msg = f"the migrations left row {row_id} of {table} referring to a missing row of {parent}"
        raise RuntimeError(msg)


def _dangling(connection: Connection) -> set[tuple[str, int, str, int]]:
    """SQLite's rows that refer to a missing row: ``(table, rowid, parent table, foreign key)``."""
    return {(row[0], row[1], row[2], row[3]) for row in connection.exec_driver_sql("PRAGMA foreign_key_check")}


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Migrate the database to ``revision`` (the newest by default), in one transaction."""
    async with engine.connect() as conn:
        try:
            await conn.run_sync(upgrade_on, revision)
            await conn.commit()
        finally:
            if conn.dialect.name == "sqlite":
                # The connection goes back to the pool: as the engine made it, foreign keys on.
                await conn.rollback()
                await conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                await conn.commit()


async def is_current(engine: AsyncEngine) -> bool:
    """Whether the database is at the newest revision."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()

    def current(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    async with engine.connect() as conn:
        return await conn.run_sync(current) == head
