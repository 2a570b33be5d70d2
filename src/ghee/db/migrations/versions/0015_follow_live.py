"""follow live: push notifications from Jenkins, and the builds running now

- ``connections.push_secret_hash``: the SHA-256 of the secret Jenkins'
  Notification plugin sends with each push (``?secret=``); ``NULL`` until
  an admin asks for a push URL.
- ``jobs.nudged_at``: a push said this job moved; the follower syncs it at
  once and clears the mark (``ix_jobs_nudged`` finds them).
- ``ix_builds_status_job``: the builds running now, for the follower that
  reads their log and stages every 2 seconds.
- ``connections.link_rules``: which project a job belongs to by where it
  sits (``ghee.core.jobs.link_rules``); ``NULL`` is no rule.
- ``connections.archived_at``: deleting a connection archives it (no more
  syncing, its history kept and counted); ``NULL`` while it is live.
- ``connections.demo``: the demo's sample Jenkins (``ghee demo``), never
  contacted.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 03:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("connections") as table:
        table.add_column(sa.Column("push_secret_hash", sa.String(64), nullable=True))
        table.add_column(sa.Column("link_rules", sa.JSON(), nullable=True))
        table.add_column(sa.Column("archived_at", sa.DateTime(), nullable=True))
        table.add_column(sa.Column("demo", sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table("jobs") as table:
        table.add_column(sa.Column("nudged_at", sa.DateTime(), nullable=True))
    op.create_index("ix_jobs_nudged", "jobs", ["nudged_at"])
    op.create_index("ix_builds_status_job", "builds", ["status", "job_id"])


def downgrade() -> None:
    op.drop_index("ix_builds_status_job", table_name="builds")
    op.drop_index("ix_jobs_nudged", table_name="jobs")
    with op.batch_alter_table("jobs") as table:
        table.drop_column("nudged_at")
    with op.batch_alter_table("connections") as table:
        table.drop_column("demo")
        table.drop_column("archived_at")
        table.drop_column("link_rules")
        table.drop_column("push_secret_hash")
