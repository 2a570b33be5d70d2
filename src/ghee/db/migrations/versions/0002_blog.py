"""ButterCMS blog: authors, categories, tags, posts, full-text search

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 18:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

# SQLite: an external-content FTS5 table over title and body, Porter-stemmed,
# kept in step by triggers (the FTS5 documentation's recipe).
_SQLITE_SEARCH = [
    (
        "CREATE VIRTUAL TABLE blog_posts_fts USING fts5("
        "title, body, content='blog_posts', content_rowid='id', tokenize='porter unicode61 remove_diacritics 2')"
    ),
    (
        "CREATE TRIGGER blog_posts_fts_insert AFTER INSERT ON blog_posts BEGIN "
        "INSERT INTO blog_posts_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END"
    ),
    (
        "CREATE TRIGGER blog_posts_fts_delete AFTER DELETE ON blog_posts BEGIN "
        "INSERT INTO blog_posts_fts(blog_posts_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body); END"
    ),
    (
        "CREATE TRIGGER blog_posts_fts_update AFTER UPDATE OF title, body ON blog_posts BEGIN "
        "INSERT INTO blog_posts_fts(blog_posts_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body); "
        "INSERT INTO blog_posts_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END"
    ),
]
# PostgreSQL: the weighted tsvector of title and body kept in a generated
# column, so ranking reads it instead of parsing every matching body again,
# and a GIN index on it for matching.
_POSTGRES_SEARCH = [
    (
        "ALTER TABLE blog_posts ADD COLUMN search tsvector GENERATED ALWAYS AS ("
        "setweight(to_tsvector('english'::regconfig, title), 'A') || "
        "setweight(to_tsvector('english'::regconfig, body), 'B')) STORED"
    ),
    "CREATE INDEX ix_blog_posts_search ON blog_posts USING GIN (search)",
]


# blog_post_counts holds how many posts have each status, kept by triggers in
# the transaction that changes a post, so a list's meta.count is one row away.
_COUNT_UP = "UPDATE blog_post_counts SET posts = posts + 1 WHERE status = new.status"
_COUNT_DOWN = "UPDATE blog_post_counts SET posts = posts - 1 WHERE status = old.status"
_SQLITE_COUNTS = [
    f"CREATE TRIGGER blog_posts_count_insert AFTER INSERT ON blog_posts BEGIN {_COUNT_UP}; END",
    f"CREATE TRIGGER blog_posts_count_delete AFTER DELETE ON blog_posts BEGIN {_COUNT_DOWN}; END",
    (
        "CREATE TRIGGER blog_posts_count_update AFTER UPDATE OF status ON blog_posts "
        f"WHEN old.status <> new.status BEGIN {_COUNT_DOWN}; {_COUNT_UP}; END"
    ),
]
_POSTGRES_COUNTS = [
    (
        "CREATE FUNCTION blog_posts_count() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"IF TG_OP IN ('DELETE', 'UPDATE') THEN {_COUNT_DOWN}; END IF; "
        f"IF TG_OP IN ('INSERT', 'UPDATE') THEN {_COUNT_UP}; END IF; "
        "RETURN NULL; END $$"
    ),
    (
        "CREATE TRIGGER blog_posts_count_change AFTER INSERT OR DELETE ON blog_posts "
        "FOR EACH ROW EXECUTE FUNCTION blog_posts_count()"
    ),
    (
        "CREATE TRIGGER blog_posts_count_status AFTER UPDATE OF status ON blog_posts "
        "FOR EACH ROW WHEN (old.status IS DISTINCT FROM new.status) EXECUTE FUNCTION blog_posts_count()"
    ),
]


def upgrade() -> None:
    op.create_table(
        "blog_authors",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("slug", sa.String(length=200), nullable=False),
        sa.Column("first_name", sa.String(length=200), nullable=False),
        sa.Column("last_name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("bio", sa.Text(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("linkedin_url", sa.String(length=2048), nullable=False),
        sa.Column("facebook_url", sa.String(length=2048), nullable=False),
        sa.Column("pinterest_url", sa.String(length=2048), nullable=False),
        sa.Column("instagram_url", sa.String(length=2048), nullable=False),
        sa.Column("twitter_handle", sa.String(length=200), nullable=False),
        sa.Column("profile_image", sa.String(length=2048), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_blog_authors")),
        sa.UniqueConstraint("slug", name="uq_blog_authors_slug"),
    )
    with op.batch_alter_table("blog_authors", schema=None) as batch_op:
        batch_op.create_index("ix_blog_authors_email", ["email"], unique=False)

    op.create_table(
        "blog_categories",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("slug", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_blog_categories")),
        sa.UniqueConstraint("slug", name="uq_blog_categories_slug"),
    )
    op.create_table(
        "blog_tags",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("slug", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_blog_tags")),
        sa.UniqueConstraint("slug", name="uq_blog_tags_slug"),
    )
    op.create_table(
        "blog_posts",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("slug", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("seo_title", sa.String(length=500), nullable=False),
        sa.Column("meta_description", sa.Text(), nullable=False),
        sa.Column("featured_image", sa.String(length=2048), nullable=True),
        sa.Column("author_id", BigId, nullable=True),
        sa.Column("published_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["blog_authors.id"], name=op.f("fk_blog_posts_author_id_blog_authors"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_blog_posts")),
        sa.UniqueConstraint("slug", name="uq_blog_posts_slug"),
    )
    with op.batch_alter_table("blog_posts", schema=None) as batch_op:
        batch_op.create_index("ix_blog_posts_status_published", ["status", "published_at", "id"], unique=False)
        batch_op.create_index("ix_blog_posts_author", ["author_id"], unique=False)

    op.create_table(
        "blog_post_categories",
        sa.Column("post_id", BigId, nullable=False),
        sa.Column("category_id", BigId, nullable=False),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["blog_categories.id"],
            name=op.f("fk_blog_post_categories_category_id_blog_categories"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["post_id"], ["blog_posts.id"], name=op.f("fk_blog_post_categories_post_id_blog_posts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("post_id", "category_id", name="pk_blog_post_categories"),
    )
    with op.batch_alter_table("blog_post_categories", schema=None) as batch_op:
        batch_op.create_index("ix_blog_post_categories_category", ["category_id", "post_id"], unique=False)

    op.create_table(
        "blog_post_tags",
        sa.Column("post_id", BigId, nullable=False),
        sa.Column("tag_id", BigId, nullable=False),
        sa.ForeignKeyConstraint(
            ["post_id"], ["blog_posts.id"], name=op.f("fk_blog_post_tags_post_id_blog_posts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["tag_id"], ["blog_tags.id"], name=op.f("fk_blog_post_tags_tag_id_blog_tags"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("post_id", "tag_id", name="pk_blog_post_tags"),
    )
    with op.batch_alter_table("blog_post_tags", schema=None) as batch_op:
        batch_op.create_index("ix_blog_post_tags_tag", ["tag_id", "post_id"], unique=False)

    search = _POSTGRES_SEARCH if op.get_bind().dialect.name == "postgresql" else _SQLITE_SEARCH
    for statement in search:
        op.execute(statement)

    op.create_table(
        "blog_post_counts",
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("posts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("status", name=op.f("pk_blog_post_counts")),
    )
    op.execute("INSERT INTO blog_post_counts (status, posts) VALUES ('draft', 0), ('published', 0)")
    counting = _POSTGRES_COUNTS if op.get_bind().dialect.name == "postgresql" else _SQLITE_COUNTS
    for statement in counting:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS blog_posts_count_change ON blog_posts")
        op.execute("DROP TRIGGER IF EXISTS blog_posts_count_status ON blog_posts")
        op.execute("DROP FUNCTION IF EXISTS blog_posts_count()")
    else:
        for trigger in ("blog_posts_count_insert", "blog_posts_count_delete", "blog_posts_count_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.drop_table("blog_post_counts")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_blog_posts_search")
        op.execute("ALTER TABLE blog_posts DROP COLUMN IF EXISTS search")
    else:
        for trigger in ("blog_posts_fts_insert", "blog_posts_fts_delete", "blog_posts_fts_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS blog_posts_fts")
    with op.batch_alter_table("blog_post_tags", schema=None) as batch_op:
        batch_op.drop_index("ix_blog_post_tags_tag")
    op.drop_table("blog_post_tags")
    with op.batch_alter_table("blog_post_categories", schema=None) as batch_op:
        batch_op.drop_index("ix_blog_post_categories_category")
    op.drop_table("blog_post_categories")
    with op.batch_alter_table("blog_posts", schema=None) as batch_op:
        batch_op.drop_index("ix_blog_posts_author")
        batch_op.drop_index("ix_blog_posts_status_published")
    op.drop_table("blog_posts")
    op.drop_table("blog_tags")
    op.drop_table("blog_categories")
    with op.batch_alter_table("blog_authors", schema=None) as batch_op:
        batch_op.drop_index("ix_blog_authors_email")
    op.drop_table("blog_authors")
