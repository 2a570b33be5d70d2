"""The migrations build exactly the schema ``db/tables.py`` describes, on both backends.

The code queries the tables of ``db/tables.py``; the database a user has was
built by the migrations. Alembic's comparison finds any drift between the two
(a column, an index, a type, a foreign key). What one backend has on purpose
and the tables do not describe is named below, each with its reason.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from ghee.db.engine import create_engine
from ghee.db.migrate import upgrade
from ghee.db.tables import metadata
from tests.support.databases import make_empty_database
from tests.support.services import run_async

# SQLite's full-text indexes of blog posts and of their titles (migrations 0002, 0026): virtual tables
# and their shadow tables.
_SQLITE_ONLY_TABLES = {
    f"{table}{part}"
    for table in ("blog_posts_fts", "blog_post_titles_fts")
    for part in ("", "_config", "_data", "_docsize", "_idx")
}
# PostgreSQL's full-text column, its partial indexes of live posts and their titles, and the live posts'
# word counts its triggers keep; and the transaction id index the event log follows (0002, 0021, 0026, 0008).
_POSTGRES_ONLY = {
    ("remove_column", "blog_posts.search"),
    ("remove_index", "ix_blog_posts_search_published"),
    ("remove_index", "ix_blog_posts_title_search_published"),
    ("remove_table", "blog_search_words"),
    ("remove_index", "ix_events_txid"),
}


_COMPARE = {"compare_type": True}


def _describe(diff: Any) -> tuple[str, str]:
    """``(kind, what)`` of one of alembic's differences, e.g. ``("add_column", "builds.flaky")``."""
    if isinstance(diff, list):  # column modifications come as a list of tuples
        return diff[0][0], f"{diff[0][2]}.{diff[0][3]}"
    kind = diff[0]
    if kind in ("add_table", "remove_table"):
        return kind, diff[1].name
    if kind in ("add_column", "remove_column"):
        return kind, f"{diff[2]}.{diff[3].name}"
    if kind in ("add_index", "remove_index"):
        return kind, str(diff[1].name)
    if kind in ("add_fk", "remove_fk"):
        constraint = diff[1]
        return kind, f"{constraint.parent.name}.{','.join(c.name for c in constraint.columns)}"
    return kind, repr(diff[1:])


def _drift(backend: str, tmp: Path) -> set[tuple[str, str]]:
    url, drop = make_empty_database(backend, tmp)

    async def compare() -> list[Any]:
        engine = create_engine(url)
        try:
            await upgrade(engine)
            async with engine.connect() as conn:
                return await conn.run_sync(
                    lambda sync: compare_metadata(MigrationContext.configure(sync, opts=_COMPARE), metadata)
                )
        finally:
            await engine.dispose()

    try:
        return {_describe(diff) for diff in run_async(compare)}
    finally:
        drop()


def test_the_migrations_build_the_tables_the_code_queries(backend: str, tmp_path: Path) -> None:
    drift = _drift(backend, tmp_path)
    if backend == "sqlite":
        drift -= {("remove_table", name) for name in _SQLITE_ONLY_TABLES}
        # 0010 adds tokens.user_id with a plain ALTER TABLE (no table rebuild), which cannot name the constraint.
        drift -= {("remove_fk", "tokens.user_id"), ("add_fk", "tokens.user_id")}
        # 0020 adds blog_posts.project_id the same way: rebuilding blog_posts would drop its FTS triggers.
        drift -= {("remove_fk", "blog_posts.project_id"), ("add_fk", "blog_posts.project_id")}
        # 0019 widens webhook_subscriptions.secret on PostgreSQL only: SQLite holds any length, and rebuilding
        # the table would lose the AUTOINCREMENT 0016 gave it.
        drift -= {("modify_type", "webhook_subscriptions.secret")}
    else:
        drift -= _POSTGRES_ONLY
    assert drift == set()
