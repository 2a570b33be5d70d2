"""How far each table has handed out row ids, read and carried to another database.

Public ids are codes of row ids, so a row id is never handed out twice: SQLite's tables are
``AUTOINCREMENT`` (``sqlite_sequence`` keeps the highest id ever given) and PostgreSQL's ids come
from sequences (migration 0016). A deleted newest row leaves its id only there, so a copy of the
rows alone (``ghee migrate-data``) would give that id out again; these two functions carry it.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

_SQLITE_GIVEN = sa.text("SELECT seq FROM sqlite_sequence WHERE name = :table")
_SEQUENCE = sa.text("SELECT pg_get_serial_sequence(:table, 'id')")


async def highest_given(conn: AsyncConnection, table: str) -> int:
    """The highest id ``table`` has handed out, its row deleted or not; 0 if none."""
    in_use = await conn.scalar(sa.text(f"SELECT coalesce(max(id), 0) FROM {table}"))  # noqa: S608 (our table names)
    return max(int(in_use or 0), await _counter(conn, table))


async def give_only_above(conn: AsyncConnection, table: str, row_id: int) -> None:
    """Make ``table`` hand out only ids above ``row_id`` from now on (never lowering where its counter stands)."""
    if row_id <= await _counter(conn, table):
        return
    params = {"table": table, "id": row_id}
    if conn.dialect.name == "sqlite":
        raised = await conn.execute(sa.text("UPDATE sqlite_sequence SET seq = :id WHERE name = :table"), params)
        if raised.rowcount == 0:
            await conn.execute(sa.text("INSERT INTO sqlite_sequence (name, seq) VALUES (:table, :id)"), params)
    else:
        await conn.execute(sa.text("SELECT setval(pg_get_serial_sequence(:table, 'id'), :id)"), params)


async def _counter(conn: AsyncConnection, table: str) -> int:
    """The last id ``table``'s counter gave (``sqlite_sequence`` or the sequence); 0 if it gave none."""
    if conn.dialect.name == "sqlite":
        return int(await conn.scalar(_SQLITE_GIVEN, {"table": table}) or 0)
    sequence = await conn.scalar(_SEQUENCE, {"table": table})
    last, called = (await conn.execute(sa.text(f"SELECT last_value, is_called FROM {sequence}"))).one()  # noqa: S608
    return int(last if called else last - 1)
