"""token expiry: a token may stop working at a set time

- ``tokens.expires_at``: the moment (naive UTC) from which the token is
  refused with 401, or ``NULL`` for a token that never expires (every token
  made before this revision). Added without a batch rebuild: SQLite's
  ``ALTER TABLE ADD COLUMN`` takes a nullable column as it is.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-04 12:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("tokens", sa.Column("expires_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tokens") as table:
        table.drop_column("expires_at")
