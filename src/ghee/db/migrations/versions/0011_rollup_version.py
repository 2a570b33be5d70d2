"""rollup version: a counter bumped by every transaction that changes the build rollups

``rollup_version`` holds one row (``id`` 1). ``ghee.analytics.rollups``
adds one to ``version`` in the transaction that writes rollups
(``add_builds``, ``rebuild``), so a process may keep metrics it computed
under a version and serve them for as long as the version it reads is the
same (``ghee.analytics.metrics``).

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-28 22:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    table = op.create_table(
        "rollup_version",
        sa.Column("id", sa.SmallInteger(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rollup_version")),
    )
    op.bulk_insert(table, [{"id": 1, "version": 0}])


def downgrade() -> None:
    op.drop_table("rollup_version")
