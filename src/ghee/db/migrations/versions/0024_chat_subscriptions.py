"""chat subscriptions: a webhook's message format, its rules, and quiet periods

- ``webhook_subscriptions.format``: ``standard`` (signed Standard Webhooks,
  what every existing subscription stays), ``slack``, ``discord`` or
  ``teams``. A chat subscription's ``url`` holds only its host and a masked
  tail; the URL itself, a credential, is sealed in ``secret`` (chat messages
  are not signed), which grows to 3,000 characters to hold a sealed URL of
  up to 2,000 (PostgreSQL only: SQLite does not enforce a VARCHAR's length,
  and changing it would rebuild the table).
- ``projects``, ``branches`` (JSON lists, ``NULL`` for all) and
  ``quiet_minutes`` (0 for none): which events a subscription wants beyond
  their types, and how long a failing job stays quiet after its "failed"
  message.
- ``webhook_deliveries.message``: a chat delivery's body, composed once when
  the event is handed on (``NULL`` for standard deliveries, built at send).
- ``chat_quiet``: when each subscription last sent a "failed" message for a
  job; a fixed build removes the job's rows.

Added columns only: SQLite's ALTER TABLE ADD COLUMN, no rebuild.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-04 13:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_SUBSCRIPTION_COLUMNS = ("format", "projects", "branches", "quiet_minutes")


def upgrade() -> None:
    op.add_column(
        "webhook_subscriptions", sa.Column("format", sa.String(20), server_default="standard", nullable=False)
    )
    op.add_column("webhook_subscriptions", sa.Column("projects", sa.JSON(), nullable=True))
    op.add_column("webhook_subscriptions", sa.Column("branches", sa.JSON(), nullable=True))
    op.add_column("webhook_subscriptions", sa.Column("quiet_minutes", sa.Integer(), server_default="0", nullable=False))
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("webhook_subscriptions", "secret", type_=sa.String(3000), existing_nullable=False)
    op.add_column("webhook_deliveries", sa.Column("message", sa.Text(), nullable=True))
    op.create_table(
        "chat_quiet",
        sa.Column(
            "subscription_id",
            _ID,
            sa.ForeignKey(
                "webhook_subscriptions.id",
                ondelete="CASCADE",
                name="fk_chat_quiet_subscription_id_webhook_subscriptions",
            ),
            nullable=False,
        ),
        sa.Column("job_key", sa.String(130), nullable=False),
        sa.Column("failed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("subscription_id", "job_key", name=op.f("pk_chat_quiet")),
    )


def downgrade() -> None:
    # A chat subscription without its format would send its masked URL signed messages: it goes, deliveries too.
    op.execute("DELETE FROM webhook_subscriptions WHERE format <> 'standard'")
    op.drop_table("chat_quiet")
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table, column in [("webhook_deliveries", "message")] + [
        ("webhook_subscriptions", c) for c in _SUBSCRIPTION_COLUMNS
    ]:
        if sqlite:
            # SQLite 3.35's own DROP COLUMN, as 0022 does: no batch rebuild.
            op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
        else:
            op.drop_column(table, column)
    if not sqlite:
        op.alter_column("webhook_subscriptions", "secret", type_=sa.String(500), existing_nullable=False)
