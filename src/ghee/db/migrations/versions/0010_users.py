"""users: people who sign in to the dashboard, their sessions, and the tokens they own

``tokens.user_id`` is added without a batch rebuild: SQLite's ``ALTER TABLE
ADD COLUMN`` accepts a nullable column with an inline ``REFERENCES`` clause,
so no table is recreated.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-28 21:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("is_admin", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("disabled_at", sa.DateTime(), nullable=True),
        sa.UniqueConstraint("email", name="uq_users_email"),
    )
    op.create_table(
        "sessions",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("user_id", BigId, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_sessions_user_id", "sessions", ["user_id"])
    if op.get_bind().dialect.name == "sqlite":
        # Alembic adds a foreign key as a separate ALTER, which SQLite lacks; its
        # ADD COLUMN takes the REFERENCES clause inline instead.
        op.execute("ALTER TABLE tokens ADD COLUMN user_id INTEGER REFERENCES users (id) ON DELETE CASCADE")
    else:
        op.add_column(
            "tokens",
            sa.Column(
                "user_id", BigId, sa.ForeignKey("users.id", ondelete="CASCADE", name="fk_tokens_user_id"), nullable=True
            ),
        )
    op.create_index("ix_tokens_user_id", "tokens", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_tokens_user_id", "tokens")
    with op.batch_alter_table("tokens", schema=None) as batch_op:
        batch_op.drop_column("user_id")
    op.drop_index("ix_sessions_user_id", "sessions")
    op.drop_table("sessions")
    op.drop_table("users")
