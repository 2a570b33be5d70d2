"""search live posts only: the full-text index holds published posts and nothing else

A search reads only index entries it answers with; before, every post was
indexed, drafts included, and each match was looked up in ``blog_posts`` to
drop the drafts. A live post's working draft (``blog_posts.draft``) is never
indexed: only its live ``title`` and ``body``.

- SQLite: the triggers keeping ``blog_posts_fts`` add a post when it is
  inserted published or goes live, remove it (FTS5's ``'delete'``, given the
  old indexed values) when a live post is deleted or goes back to draft, and
  index a live post again when its title or body changes. The index is then
  emptied and refilled from the published posts.
- PostgreSQL: the GIN index on ``search`` becomes partial, ``WHERE status =
  'published'`` (``ix_blog_posts_search_published``), so a search's
  ``status = 'published'`` is answered by the index. It is built without a
  pending list (``fastupdate = off``): posts are written rarely, and every
  search would otherwise also scan the entries waiting in that list.
  ``search`` and ``body`` are kept in the row, compressed (storage
  ``MAIN``), and go to TOAST only when a row would not fit in a page:
  ranking reads every match's tsvector, and fetching each from TOAST was
  most of a search's time (bench/README.md, "posts.py"); the body stays
  beside it so a page of posts reads no TOAST either. The table is
  rewritten (``CLUSTER``) so rows stored before are stored so too.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-04 11:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TRIGGERS = ("blog_posts_fts_insert", "blog_posts_fts_delete", "blog_posts_fts_update")
_ADD_NEW = "INSERT INTO blog_posts_fts(rowid, title, body) VALUES (new.id, new.title, new.body)"
_REMOVE_OLD = (
    "INSERT INTO blog_posts_fts(blog_posts_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body)"
)
# FTS5 removes an entry by the exact values it was indexed with, and only an
# indexed row may be removed (a 'delete' of values never added corrupts the
# index): so an update removes the old values only if the row was live, and
# adds the new ones only if it is live now. An update that leaves the status,
# title and body as they were does nothing.
_SQLITE_LIVE_ONLY = [
    f"CREATE TRIGGER blog_posts_fts_insert AFTER INSERT ON blog_posts WHEN new.status = 'published' BEGIN {_ADD_NEW}; END",
    f"CREATE TRIGGER blog_posts_fts_delete AFTER DELETE ON blog_posts WHEN old.status = 'published' BEGIN {_REMOVE_OLD}; END",
    (
        "CREATE TRIGGER blog_posts_fts_update AFTER UPDATE OF title, body, status ON blog_posts "
        "WHEN (old.status = 'published' OR new.status = 'published') "
        "AND (old.status IS NOT new.status OR old.title IS NOT new.title OR old.body IS NOT new.body) BEGIN "
        "INSERT INTO blog_posts_fts(blog_posts_fts, rowid, title, body) "
        "SELECT 'delete', old.id, old.title, old.body WHERE old.status = 'published'; "
        "INSERT INTO blog_posts_fts(rowid, title, body) "
        "SELECT new.id, new.title, new.body WHERE new.status = 'published'; END"
    ),
    "INSERT INTO blog_posts_fts(blog_posts_fts) VALUES ('delete-all')",
    "INSERT INTO blog_posts_fts(rowid, title, body) SELECT id, title, body FROM blog_posts WHERE status = 'published'",
]
# Migration 0002's triggers (every post indexed), and the index rebuilt from every row.
_SQLITE_EVERY_POST = [
    f"CREATE TRIGGER blog_posts_fts_insert AFTER INSERT ON blog_posts BEGIN {_ADD_NEW}; END",
    f"CREATE TRIGGER blog_posts_fts_delete AFTER DELETE ON blog_posts BEGIN {_REMOVE_OLD}; END",
    f"CREATE TRIGGER blog_posts_fts_update AFTER UPDATE OF title, body ON blog_posts BEGIN {_REMOVE_OLD}; {_ADD_NEW}; END",
    "INSERT INTO blog_posts_fts(blog_posts_fts) VALUES ('rebuild')",
]
# CLUSTER rewrites the table in a transaction (VACUUM FULL cannot run in one), each row stored anew
# with the column's storage; the table is then left without a clustering index, as before.
_POSTGRES_REWRITE = ["CLUSTER blog_posts USING pk_blog_posts", "ALTER TABLE blog_posts SET WITHOUT CLUSTER"]
_POSTGRES_LIVE_ONLY = [
    "DROP INDEX ix_blog_posts_search",
    "ALTER TABLE blog_posts ALTER COLUMN search SET STORAGE MAIN, ALTER COLUMN body SET STORAGE MAIN",
    *_POSTGRES_REWRITE,
    (
        "CREATE INDEX ix_blog_posts_search_published ON blog_posts USING GIN (search) "
        "WITH (fastupdate = off) WHERE status = 'published'"
    ),
]
_POSTGRES_EVERY_POST = [
    "DROP INDEX ix_blog_posts_search_published",
    "ALTER TABLE blog_posts ALTER COLUMN search SET STORAGE EXTENDED, ALTER COLUMN body SET STORAGE EXTENDED",
    *_POSTGRES_REWRITE,
    "CREATE INDEX ix_blog_posts_search ON blog_posts USING GIN (search)",
]


def _run(postgres: list[str], sqlite: list[str]) -> None:
    if op.get_bind().dialect.name == "postgresql":
        statements = postgres
    else:
        statements = [f"DROP TRIGGER {name}" for name in _TRIGGERS] + sqlite
    for statement in statements:
        op.execute(statement)


def upgrade() -> None:
    _run(_POSTGRES_LIVE_ONLY, _SQLITE_LIVE_ONLY)


def downgrade() -> None:
    _run(_POSTGRES_EVERY_POST, _SQLITE_EVERY_POST)
