"""ButterCMS pages, content fields and collections: content_schemas, content_entries, content_values

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 18:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "content_schemas",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("fields", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content_schemas")),
        sa.UniqueConstraint("kind", "key", name="uq_content_schemas_kind_key"),
    )
    op.create_table(
        "content_entries",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("scope", sa.String(length=100), nullable=False),
        sa.Column("slug", sa.String(length=200), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content_entries")),
        sa.UniqueConstraint("kind", "scope", "slug", name="uq_content_entries_kind_scope_slug"),
    )
    with op.batch_alter_table("content_entries", schema=None) as batch_op:
        batch_op.create_index("ix_content_entries_scope", ["kind", "scope", "id"], unique=False)
    op.create_table(
        "content_values",
        sa.Column("entry_id", _ID, nullable=False),
        sa.Column("locale", sa.String(length=20), nullable=False),
        sa.Column("fields", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["content_entries.id"],
            name=op.f("fk_content_values_entry_id_content_entries"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("entry_id", "locale", name="pk_content_values"),
    )


def downgrade() -> None:
    op.drop_table("content_values")
    with op.batch_alter_table("content_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_content_entries_scope")
    op.drop_table("content_entries")
    op.drop_table("content_schemas")
