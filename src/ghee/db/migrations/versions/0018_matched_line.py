"""matched line: the log line that gave a failed build its category

- ``builds.failure_line``: the first log line (stripped, at most 500
  characters) one of the applying cause's indications found; ``NULL`` when
  no cause applies, the cause names only a failed stage, or the build did
  not fail. Builds classified before this revision get it when they are
  classified again (a change of the failure causes reclassifies the newest
  1000 failed builds).
- ``builds.failure_line_at``: the byte offset in the stored log where that
  line starts, so the build page opens its log there however long it is.

Revision ID: 0018
Revises: 0016
Create Date: 2026-12-04 04:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("builds") as table:
        table.add_column(sa.Column("failure_line", sa.String(500), nullable=True))
        table.add_column(sa.Column("failure_line_at", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("builds") as table:
        table.drop_column("failure_line_at")
        table.drop_column("failure_line")
