"""search shortcuts: the live posts' titles indexed alone, and on PostgreSQL how many live posts hold each word

A search orders the posts whose title holds every word of the query before
the others (``ghee.core.blog.search``). When enough posts are named so, a
page of results ranks those few and counts the rest without ranking them.
The titles' index finds those posts without reading the posts whose bodies
alone match.

- SQLite: ``blog_post_titles_fts``, an external-content FTS5 table over
  ``blog_posts.title`` with the tokenizer of ``blog_posts_fts`` (so a word
  is the same word in both), kept by triggers to the live posts exactly as
  migration 0021 keeps ``blog_posts_fts``, then filled with the published
  posts.
- PostgreSQL: a GIN index on ``to_tsvector('english', title)``, partial on
  ``status = 'published'`` and without a pending list, as the index on
  ``search`` is (0021).

PostgreSQL must also read every matching row to count the matches (its GIN
index cannot tell a live row from a dead one): for the common words of a
large blog, that was most of a search's time. ``blog_search_words`` holds,
for each lexeme of the live posts' ``search`` vectors, how many live posts
hold it, so a one-word search is counted by one lookup. Statement-level
triggers keep it, from the rows each statement inserted, deleted or
changed (a post going live adds its words, a live post leaving or changing
takes its old words away), in one upsert per statement, word by word in
order so that concurrent writers lock the same rows in the same order.
Words no live post holds any more keep a count of 0. It is then filled
from the published posts. SQLite needs none of this: FTS5 counts matches
from its index alone.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-05 00:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ADD_NEW = "INSERT INTO blog_post_titles_fts(rowid, title) SELECT new.id, new.title WHERE new.status = 'published'"
_REMOVE_OLD = (
    "INSERT INTO blog_post_titles_fts(blog_post_titles_fts, rowid, title) "
    "SELECT 'delete', old.id, old.title WHERE old.status = 'published'"
)
# FTS5 removes an entry by the exact values it was indexed with, and only an indexed row may be
# removed: as in 0021, the old title leaves only if the post was live, the new one enters only if
# it is live now, and an update that changes neither the status nor the title does nothing.
_SQLITE = [
    (
        "CREATE VIRTUAL TABLE blog_post_titles_fts USING fts5("
        "title, content='blog_posts', content_rowid='id', tokenize='porter unicode61 remove_diacritics 2')"
    ),
    f"CREATE TRIGGER blog_post_titles_fts_insert AFTER INSERT ON blog_posts BEGIN {_ADD_NEW}; END",
    f"CREATE TRIGGER blog_post_titles_fts_delete AFTER DELETE ON blog_posts BEGIN {_REMOVE_OLD}; END",
    (
        "CREATE TRIGGER blog_post_titles_fts_update AFTER UPDATE OF title, status ON blog_posts "
        "WHEN old.status IS NOT new.status OR old.title IS NOT new.title "
        f"BEGIN {_REMOVE_OLD}; {_ADD_NEW}; END"
    ),
    "INSERT INTO blog_post_titles_fts(rowid, title) SELECT id, title FROM blog_posts WHERE status = 'published'",
]
_SQLITE_DOWN = [
    *(f"DROP TRIGGER blog_post_titles_fts_{event}" for event in ("insert", "delete", "update")),
    "DROP TABLE blog_post_titles_fts",
]
# The words of the live rows of a transition table, each with +1 or -1.
_WORDS_OF = (
    "SELECT unnest(tsvector_to_array(search)) AS word, {change} AS change FROM {rows} WHERE status = 'published'"
)
_COUNT_CHANGES = (
    "INSERT INTO blog_search_words AS kept (word, posts) "
    "SELECT word, sum(change) FROM ({changes}) AS changes GROUP BY word HAVING sum(change) <> 0 ORDER BY word "
    "ON CONFLICT (word) DO UPDATE SET posts = kept.posts + excluded.posts"
)
_ADDED = _WORDS_OF.format(change=1, rows="added")
_REMOVED = _WORDS_OF.format(change=-1, rows="removed")
_POSTGRES = [
    (
        "CREATE INDEX ix_blog_posts_title_search_published ON blog_posts "
        "USING GIN (to_tsvector('english'::regconfig, title)) WITH (fastupdate = off) WHERE status = 'published'"
    ),
    (
        "CREATE TABLE blog_search_words (word text NOT NULL, posts integer NOT NULL, "
        "CONSTRAINT pk_blog_search_words PRIMARY KEY (word))"
    ),
    # Each event's trigger has only its own transition tables: the function reads the ones TG_OP says it has.
    (
        "CREATE FUNCTION blog_search_words_count() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"IF TG_OP = 'INSERT' THEN {_COUNT_CHANGES.format(changes=_ADDED)}; "
        f"ELSIF TG_OP = 'DELETE' THEN {_COUNT_CHANGES.format(changes=_REMOVED)}; "
        f"ELSE {_COUNT_CHANGES.format(changes=f'{_ADDED} UNION ALL {_REMOVED}')}; "
        "END IF; RETURN NULL; END $$"
    ),
    (
        "CREATE TRIGGER blog_search_words_insert AFTER INSERT ON blog_posts REFERENCING NEW TABLE AS added "
        "FOR EACH STATEMENT EXECUTE FUNCTION blog_search_words_count()"
    ),
    (
        "CREATE TRIGGER blog_search_words_delete AFTER DELETE ON blog_posts REFERENCING OLD TABLE AS removed "
        "FOR EACH STATEMENT EXECUTE FUNCTION blog_search_words_count()"
    ),
    (
        "CREATE TRIGGER blog_search_words_update AFTER UPDATE ON blog_posts "
        "REFERENCING NEW TABLE AS added OLD TABLE AS removed "
        "FOR EACH STATEMENT EXECUTE FUNCTION blog_search_words_count()"
    ),
    (
        "INSERT INTO blog_search_words (word, posts) SELECT word, count(*) FROM blog_posts, "
        "unnest(tsvector_to_array(search)) AS word WHERE status = 'published' GROUP BY word"
    ),
]
_POSTGRES_DOWN = [
    *(f"DROP TRIGGER blog_search_words_{event} ON blog_posts" for event in ("insert", "delete", "update")),
    "DROP FUNCTION blog_search_words_count()",
    "DROP TABLE blog_search_words",
    "DROP INDEX ix_blog_posts_title_search_published",
]


def _run(postgres: list[str], sqlite: list[str]) -> None:
    for statement in postgres if op.get_bind().dialect.name == "postgresql" else sqlite:
        op.execute(statement)


def upgrade() -> None:
    _run(_POSTGRES, _SQLITE)


def downgrade() -> None:
    _run(_POSTGRES_DOWN, _SQLITE_DOWN)
