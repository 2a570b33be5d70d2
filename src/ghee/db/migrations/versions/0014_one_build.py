"""one build: a project's builds by queue time, triggers dispatched outside the request, sync concurrency

- ``ix_builds_project_*`` order a project's builds by ``created_at`` (when
  queued) instead of row id, so a linked job's history falls in among the
  builds agents reported.
- ``build_dispatches`` holds the builds a trigger asked Jenkins for, until
  the dispatcher has called Jenkins and followed the queue item.
- ``connections.concurrency``: requests a sync pass keeps in flight.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 23:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD = {
    "ix_builds_project_recent": ("project_id", "id"),
    "ix_builds_project_status_recent": ("project_id", "status", "id"),
    "ix_builds_project_branch_recent": ("project_id", "branch", "id"),
}
_NEW = {
    "ix_builds_project_queued": ("project_id", "created_at", "id"),
    "ix_builds_project_status_queued": ("project_id", "status", "created_at", "id"),
    "ix_builds_project_branch_queued": ("project_id", "branch", "created_at", "id"),
}


def _big_id() -> sa.types.TypeEngine[int]:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    for name, columns in _NEW.items():
        op.create_index(name, "builds", list(columns))
    for name in _OLD:
        op.drop_index(name, table_name="builds")
    op.create_table(
        "build_dispatches",
        sa.Column("build_id", _big_id(), sa.ForeignKey("builds.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("job_id", _big_id(), sa.ForeignKey("jobs.id", ondelete="CASCADE"), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("queue_id", sa.BigInteger(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_build_dispatches_due", "build_dispatches", ["state", "next_attempt_at"])
    with op.batch_alter_table("connections") as table:
        table.add_column(sa.Column("concurrency", sa.Integer(), server_default=sa.text("8"), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("connections") as table:
        table.drop_column("concurrency")
    op.drop_index("ix_build_dispatches_due", table_name="build_dispatches")
    op.drop_table("build_dispatches")
    for name, columns in _OLD.items():
        op.create_index(name, "builds", list(columns))
    for name in _NEW:
        op.drop_index(name, table_name="builds")
