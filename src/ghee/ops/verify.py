"""Comparing two ghee databases table by table: row counts and a checksum of every row.

Rows are read in primary-key order (text keys in code-point order on both
databases) through the schema's column types, so SQLite's and PostgreSQL's
representations arrive as the same Python values (datetimes, booleans, JSON,
bytes) before they are hashed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from ghee.db.tables import blog_post_counts, blog_posts, builds, job_build_counts, metadata

LOCAL_COLUMNS = frozenset({("events", "txid")})
"""Columns each database fills for itself (PostgreSQL's transaction id of an event): never copied nor compared."""

DERIVED_TABLES = frozenset({blog_post_counts.name, job_build_counts.name})
"""Tables the target's triggers fill while rows are copied: checked against a recount instead of being copied."""

BATCH = 1000


@dataclass(frozen=True, slots=True)
class TableCheck:
    """One table on both sides."""

    table: str
    source_rows: int
    target_rows: int
    source_checksum: str
    target_checksum: str

    @property
    def matches(self) -> bool:
        """Whether both sides hold the same rows."""
        return self.source_rows == self.target_rows and self.source_checksum == self.target_checksum


@dataclass(frozen=True, slots=True)
class RecountCheck:
    """A trigger-kept count table against a count of the rows it summarises."""

    table: str
    matches: bool


def copied_columns(table: sa.Table) -> list[sa.Column[Any]]:
    """The columns of ``table`` that move with its rows."""
    return [column for column in table.columns if (table.name, column.name) not in LOCAL_COLUMNS]


def json_columns(table: sa.Table) -> list[sa.Column[Any]]:
    """The JSON columns of ``table``, whose SQL NULL and JSON ``null`` are told apart."""
    return [column for column in copied_columns(table) if isinstance(column.type, sa.JSON)]


def null_flag(column: sa.Column[Any]) -> sa.Label[bool]:
    """Whether ``column`` is SQL NULL (as opposed to holding JSON ``null``)."""
    return column.is_(None).label(f"{column.name}__sql_null")


def ordered_rows(table: sa.Table, dialect: str) -> sa.Select[Any]:
    """Every row of ``table`` with its JSON null flags, in primary-key order."""
    keys: list[sa.ColumnElement[Any]] = [
        column.collate("C") if dialect == "postgresql" and isinstance(column.type, sa.String) else column
        for column in table.primary_key.columns
    ]
    flags = [null_flag(column) for column in json_columns(table)]
    return sa.select(*copied_columns(table), *flags).order_by(*keys)


async def table_summary(conn: AsyncConnection, table: sa.Table) -> tuple[int, str]:
    """How many rows ``table`` has and the SHA-256 of all of them in order."""
    digest = hashlib.sha256()
    count = 0
    encoder = msgspec.json.Encoder(order="sorted")
    result = await conn.stream(ordered_rows(table, conn.dialect.name))
    async for rows in result.partitions(BATCH):
        for row in rows:
            digest.update(encoder.encode(list(row)))
            digest.update(b"\n")
            count += 1
    return count, digest.hexdigest()


_RECOUNTS: dict[str, sa.Select[Any]] = {
    blog_post_counts.name: sa.select(blog_posts.c.status, sa.func.count()).group_by(blog_posts.c.status),
    job_build_counts.name: (
        sa.select(
            builds.c.job_id,
            sa.func.sum(sa.case((builds.c.result == "SUCCESS", 1), else_=0)),
            sa.func.sum(sa.case((builds.c.result.in_(["SUCCESS", "FAILURE", "UNSTABLE", "ABORTED"]), 1), else_=0)),
        )
        .where(builds.c.job_id.is_not(None), sa.not_(builds.c.deleted))
        .group_by(builds.c.job_id)
    ),
}


async def recount_matches(conn: AsyncConnection, table: str) -> bool:
    """Whether the trigger-kept ``table`` equals a count of the rows it summarises (zero rows count as absent)."""
    kept = metadata.tables[table]
    stored = {row[0]: tuple(row[1:]) for row in await conn.execute(sa.select(*kept.columns))}
    counted = {row[0]: tuple(row[1:]) for row in await conn.execute(_RECOUNTS[table])}
    return _nonzero(stored) == _nonzero(counted)


def _nonzero(counts: dict[Any, tuple[Any, ...]]) -> dict[Any, tuple[int, ...]]:
    return {key: tuple(int(n) for n in values) for key, values in counts.items() if any(values)}


async def compare(
    source: AsyncEngine, target: AsyncEngine, progress: Callable[[str], None]
) -> tuple[list[TableCheck], list[RecountCheck]]:
    """Every table's counts and checksums on both sides, and the target's count tables against a recount."""
    checks = []
    async with source.connect() as src, target.connect() as dst:
        for table in metadata.sorted_tables:
            progress(f"verifying {table.name}")
            source_rows, source_sum = await table_summary(src, table)
            target_rows, target_sum = await table_summary(dst, table)
            checks.append(TableCheck(table.name, source_rows, target_rows, source_sum, target_sum))
        recounts = [RecountCheck(name, await recount_matches(dst, name)) for name in sorted(DERIVED_TABLES)]
    return checks, recounts
