"""drop rollup_version: the metrics keep no answers of their own any more

``ghee.analytics.metrics`` kept answers under the rollups' version
(migration 0011); the API's kept answers (``ghee.http.answers``), which hold
while nothing commits, are the one response cache now, and nothing reads the
version.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_table("rollup_version")


def downgrade() -> None:
    table = op.create_table(
        "rollup_version",
        sa.Column("id", sa.SmallInteger(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rollup_version")),
    )
    op.bulk_insert(table, [{"id": 1, "version": 0}])
