"""drafts and revisions: a live version keeps answering while the next one is drafted

- ``blog_posts.draft`` and ``content_entries.draft``: the working draft of a
  published post, page, collection item or content field (JSON text), or
  ``NULL``. Reads without ``preview``/``test`` never look at it; publishing
  copies it over the live columns and clears it. A post or entry that was
  never published keeps its draft in its own columns, as before.
- ``scheduled_at`` on both: when the worker publishes the post or entry
  (its draft, or itself while never published); ``NULL`` when not scheduled.
- ``content_revisions``: every publication's resulting live version (who,
  when, which fields changed, the whole version as JSON), numbered per post
  or entry from 1.
- ``project_settings.patch_notes_author_id``: the blog author a project's
  patch-note drafts are written by (``NULL``: the blog's first author).
- ``project_settings.site_url`` and ``post_path``: where a project's own
  website shows its posts, when it differs from ``GHEE_SITE_URL`` /
  ``GHEE_POST_URL`` (``NULL``: the installation's).
- ``blog_posts.project_id``: the project a post belongs to (its patch notes),
  whose website its URL names; ``NULL`` for the studio's own posts.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-04 09:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    for name in ("blog_posts", "content_entries"):
        # Added columns only: SQLite's ALTER TABLE ADD COLUMN, no rebuild (the FTS triggers stay).
        op.add_column(name, sa.Column("draft", sa.Text(), nullable=True))
        op.add_column(name, sa.Column("scheduled_at", sa.DateTime(), nullable=True))
    op.create_index("ix_blog_posts_scheduled", "blog_posts", ["scheduled_at"])
    op.create_index("ix_content_entries_scheduled", "content_entries", ["scheduled_at"])
    op.create_table(
        "content_revisions",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("entry_id", _ID, nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("editor", sa.String(200), nullable=False),
        sa.Column("changed", sa.Text(), nullable=False),
        sa.Column("snapshot", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("kind", "entry_id", "number", name="uq_content_revisions_number"),
        sqlite_autoincrement=True,
    )
    if op.get_bind().dialect.name == "sqlite":
        # No rebuild of blog_posts (it would drop the FTS triggers): SQLite's ADD COLUMN takes REFERENCES inline.
        op.execute("ALTER TABLE blog_posts ADD COLUMN project_id INTEGER REFERENCES projects (id) ON DELETE SET NULL")
    else:
        op.add_column(
            "blog_posts",
            sa.Column(
                "project_id",
                _ID,
                sa.ForeignKey("projects.id", ondelete="SET NULL", name="fk_blog_posts_project_id_projects"),
                nullable=True,
            ),
        )
    with op.batch_alter_table("project_settings") as batch:  # a small table without triggers: rebuilt on SQLite
        batch.add_column(sa.Column("site_url", sa.String(2048), nullable=True))
        batch.add_column(sa.Column("post_path", sa.String(200), nullable=True))
        batch.add_column(sa.Column("patch_notes_author_id", _ID, nullable=True))
        batch.create_foreign_key(
            "fk_project_settings_patch_notes_author_id_blog_authors",
            "blog_authors",
            ["patch_notes_author_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("project_settings") as batch:
        batch.drop_constraint("fk_project_settings_patch_notes_author_id_blog_authors", type_="foreignkey")
        batch.drop_column("patch_notes_author_id")
        batch.drop_column("post_path")
        batch.drop_column("site_url")
    with op.batch_alter_table("blog_posts") as batch:
        batch.drop_column("project_id")
    op.drop_table("content_revisions")
    op.drop_index("ix_content_entries_scheduled", "content_entries")
    op.drop_index("ix_blog_posts_scheduled", "blog_posts")
    for name in ("content_entries", "blog_posts"):
        with op.batch_alter_table(name) as batch:
            batch.drop_column("scheduled_at")
            batch.drop_column("draft")
