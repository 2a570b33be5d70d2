"""Moving a whole installation from one database to another (SQLite to PostgreSQL, or back).

The target must be empty. Its schema is made by the Alembic migrations, then
every table is copied in foreign-key order in batches, primary keys kept, in
one transaction on the target. What lives beside the tables is then put right
on the target: each table's ids go on from where the source's went (past its
rows, and past ids it gave to rows deleted since: ``ghee.db.row_ids``); what
search keeps beside the posts is made anew from the live posts (SQLite's
full-text indexes; PostgreSQL's word counts, left alone during the copy:
``ghee.core.blog.search``); and the count tables its triggers kept while the
rows went in are checked against a recount by ``ghee.ops.verify``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from ghee.core.blog.search import index_live_posts, word_counts_paused
from ghee.db.database import Write
from ghee.db.engine import create_engine
from ghee.db.migrate import alembic_config, upgrade_on
from ghee.db.readiness import CANNOT_CONNECT, unreachable
from ghee.db.row_ids import give_only_above, highest_given
from ghee.db.tables import metadata
from ghee.ops.errors import CopyFailed, OperationRefused
from ghee.ops.verify import (
    BATCH,
    DERIVED_TABLES,
    RecountCheck,
    TableCheck,
    compare,
    copied_columns,
    json_columns,
    ordered_rows,
)

Progress = Callable[[str], None]


async def migrate_data(
    source_url: str, target_url: str, progress: Progress
) -> tuple[list[TableCheck], list[RecountCheck]]:
    """Copy the installation at ``source_url`` into the empty database at ``target_url``, then compare them.

    Returns each table's counts and checksums on both sides and the target's
    count tables against a recount. Raises ``OperationRefused`` when both URLs
    are the same database, the source is not a ghee database at the newest
    revision, or the target holds any table; ``CopyFailed`` when the target
    refuses a row; ``Unavailable`` when either cannot be reached.
    """
    _check_urls(source_url, target_url)
    source, target = create_engine(source_url), None
    try:
        try:
            await _check_source(source)
        except CANNOT_CONNECT as exc:
            raise unreachable(source_url, exc) from exc
        target = create_engine(target_url)  # only now: a source refused leaves no target file behind
        try:
            await _check_target_is_empty(target)
        except CANNOT_CONNECT as exc:
            raise unreachable(target_url, exc) from exc
        async with source.connect() as src, target.begin() as dst:
            progress("creating the schema on the target")
            await dst.run_sync(upgrade_on, "head")
            await _remove_seeded_rows(dst)
            async with word_counts_paused(Write(dst)):
                for table in metadata.sorted_tables:
                    if table.name not in DERIVED_TABLES:
                        await _copy_table(src, dst, table, progress)
            await _rebuild_beside_tables(src, dst)
        return await compare(source, target, progress)
    finally:
        await source.dispose()
        if target is not None:
            await target.dispose()


def _check_urls(source_url: str, target_url: str) -> None:
    source = make_url(source_url)
    if source == make_url(target_url):
        raise OperationRefused("--from and --to are the same database")
    # Checked before connecting, which would create an empty file there.
    if source.get_backend_name() == "sqlite" and not Path(source.database or "").is_file():
        raise OperationRefused(f"there is no SQLite database at {source.database}")


async def _check_source(source: AsyncEngine) -> None:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()

    def revision(conn: Connection) -> str | None:
        return MigrationContext.configure(conn).get_current_revision()

    async with source.connect() as conn:
        current = await conn.run_sync(revision)
    if current is None:
        raise OperationRefused("the source is not a ghee database (it has no schema revision)")
    if current != head:
        raise OperationRefused(f"the source is at schema revision {current}, not {head}: run ghee migrate on it first")


async def _check_target_is_empty(target: AsyncEngine) -> None:
    async with target.connect() as conn:
        names = await conn.run_sync(lambda sync: sa.inspect(sync).get_table_names())
    if names:
        shown = ", ".join(sorted(names)[:5]) + (", ..." if len(names) > 5 else "")  # noqa: PLR2004
        raise OperationRefused(f"the target database is not empty (it has {shown}); migrate-data needs an empty one")


async def _remove_seeded_rows(conn: AsyncConnection) -> None:
    """Delete the rows migrations seed (default failure causes): the source's own rows replace them."""
    for table in reversed(metadata.sorted_tables):
        if table.name not in DERIVED_TABLES:
            await conn.execute(table.delete())


async def _copy_table(src: AsyncConnection, dst: AsyncConnection, table: sa.Table, progress: Progress) -> None:
    total = await src.scalar(sa.select(sa.func.count()).select_from(table)) or 0
    columns = copied_columns(table)
    json_names = {column.name for column in json_columns(table)}
    insert = table.insert().values({column.name: _parameter(column, json_names) for column in columns})
    copied = 0
    progress(f"copying {table.name}: 0 of {total:,} rows")
    result = await src.stream(ordered_rows(table, src.dialect.name))
    async for rows in result.partitions(BATCH):
        try:
            await dst.execute(insert, [_values(row._mapping, columns, json_names) for row in rows])
        except sa.exc.DBAPIError as exc:
            raise CopyFailed(f"copying {table.name} failed: {exc.orig}") from exc
        copied += len(rows)
        progress(f"copying {table.name}: {copied:,} of {total:,} rows")


def _parameter(column: sa.Column[Any], json_names: set[str]) -> sa.BindParameter[Any]:
    # A JSON column written with none_as_null: None stays SQL NULL and
    # sa.JSON.NULL writes JSON null, as each was in the source.
    kind = sa.JSON(none_as_null=True) if column.name in json_names else column.type
    return sa.bindparam(f"v_{column.name}", type_=kind)


def _values(row: Any, columns: list[sa.Column[Any]], json_names: set[str]) -> dict[str, Any]:  # noqa: ANN401 (a row mapping)
    values = {}
    for column in columns:
        value = row[column.name]
        if column.name in json_names and value is None and not row[f"{column.name}__sql_null"]:
            value = sa.JSON.NULL
        values[f"v_{column.name}"] = value
    return values


async def _rebuild_beside_tables(src: AsyncConnection, dst: AsyncConnection) -> None:
    for table in metadata.sorted_tables:
        if "id" in table.c and table.c.id.autoincrement is True:
            # Past the copied ids, and past any the source gave to rows it deleted since.
            await give_only_above(dst, table.name, await highest_given(src, table.name))
    await index_live_posts(Write(dst))
