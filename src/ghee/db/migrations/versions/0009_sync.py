"""sync: where the next read of a Jenkins build's console log starts

Jenkins' ``logText/progressiveText`` counts offsets in its raw log file,
console notes included, so the next ``start`` (the ``X-Text-Size`` it
answered) differs from the bytes of plain text stored in ``build_log_chunks``.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28 19:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("builds", schema=None) as batch_op:
        batch_op.add_column(sa.Column("log_cursor", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("builds", schema=None) as batch_op:
        batch_op.drop_column("log_cursor")
