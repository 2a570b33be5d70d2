"""build rollups: per job, branch, label and hour or day, what the analytics read

Each row sums the finished builds of one job, branch and label that started in
one hour (``span_hours`` 1) or one UTC day (``span_hours`` 24): builds per
result, duration and queue-time sums, and a log-bucketed duration sketch (see
``ghee.analytics.sketch``). ``builds.rolled_up`` marks the builds already
counted, so counting a build twice changes nothing.

``build_dimension_rollups`` holds the same sums per dimension (``all``,
``job``, ``folder``, ``label``, ``branch``) and key, per hour and day: a
request without a job filter reads those, a few rows per day and group.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 19:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "build_rollups",
        sa.Column("span_hours", sa.SmallInteger(), nullable=False),
        sa.Column("start_hour", sa.Integer(), nullable=False),
        sa.Column("job_id", _ID, nullable=False),
        sa.Column("branch", sa.String(length=255), nullable=False),
        sa.Column("label", sa.String(length=255), nullable=False),
        sa.Column("successes", sa.Integer(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("unstable", sa.Integer(), nullable=False),
        sa.Column("aborted", sa.Integer(), nullable=False),
        sa.Column("not_built", sa.Integer(), nullable=False),
        sa.Column("duration_count", sa.Integer(), nullable=False),
        sa.Column("duration_sum_ms", sa.BigInteger(), nullable=False),
        sa.Column("queue_count", sa.Integer(), nullable=False),
        sa.Column("queue_sum_ms", sa.BigInteger(), nullable=False),
        sa.Column("durations", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["job_id"], ["jobs.id"], name=op.f("fk_build_rollups_job_id_jobs"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("span_hours", "start_hour", "job_id", "branch", "label", name=op.f("pk_build_rollups")),
    )
    op.create_index("ix_build_rollups_job", "build_rollups", ["job_id", "span_hours", "start_hour"], unique=False)
    op.create_table(
        "build_dimension_rollups",
        sa.Column("dimension", sa.String(length=8), nullable=False),
        sa.Column("span_hours", sa.SmallInteger(), nullable=False),
        sa.Column("start_hour", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=1024), nullable=False),
        sa.Column("successes", sa.Integer(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("unstable", sa.Integer(), nullable=False),
        sa.Column("aborted", sa.Integer(), nullable=False),
        sa.Column("not_built", sa.Integer(), nullable=False),
        sa.Column("duration_count", sa.Integer(), nullable=False),
        sa.Column("duration_sum_ms", sa.BigInteger(), nullable=False),
        sa.Column("queue_count", sa.Integer(), nullable=False),
        sa.Column("queue_sum_ms", sa.BigInteger(), nullable=False),
        sa.Column("durations", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint(
            "dimension", "span_hours", "start_hour", "key", name=op.f("pk_build_dimension_rollups")
        ),
    )
    op.create_index(
        "ix_build_dimension_rollups_key",
        "build_dimension_rollups",
        ["dimension", "key", "span_hours", "start_hour"],
        unique=False,
    )
    # A plain ADD COLUMN on both databases: no table copy, even for millions of builds.
    op.add_column("builds", sa.Column("rolled_up", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("builds", schema=None) as batch_op:
        batch_op.drop_column("rolled_up")
    op.drop_index("ix_build_dimension_rollups_key", table_name="build_dimension_rollups")
    op.drop_table("build_dimension_rollups")
    op.drop_index("ix_build_rollups_job", table_name="build_rollups")
    op.drop_table("build_rollups")
