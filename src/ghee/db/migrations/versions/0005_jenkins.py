"""jenkins: connections, jobs, and builds that come from them

Builds gain the fields a CI server reports (job, result, durations, commit,
causes, parameters, agent, failure category) and may belong to no project:
a Jenkins job not linked to a project still has builds. Builds a project
numbers itself stay unique per project; builds from a job are unique per job.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 19:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "connections",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=False),
        sa.Column("username", sa.String(length=200), nullable=False),
        sa.Column("token_encrypted", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_sync_at", sa.DateTime(), nullable=True),
        sa.Column("next_sync_at", sa.DateTime(), nullable=True),
        sa.Column("lease_owner", sa.String(length=80), nullable=True),
        sa.Column("lease_until", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_connections")),
        sa.UniqueConstraint("name", name="uq_connections_name"),
    )
    op.create_table(
        "jobs",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("connection_id", _ID, nullable=False),
        sa.Column("project_id", _ID, nullable=True),
        sa.Column("full_name", sa.String(length=1024), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("folder", sa.String(length=1024), nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("branch", sa.String(length=255), nullable=True),
        sa.Column("last_build_number", sa.Integer(), nullable=True),
        sa.Column("last_result", sa.String(length=20), nullable=True),
        sa.Column("flaky", sa.Boolean(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["connection_id"], ["connections.id"], name=op.f("fk_jobs_connection_id_connections"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_jobs_project_id_projects"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
        sa.UniqueConstraint("connection_id", "full_name", name="uq_jobs_connection_full_name"),
    )
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.create_index("ix_jobs_folder", ["folder", "id"], unique=False)
        batch_op.create_index("ix_jobs_project", ["project_id"], unique=False)

    with op.batch_alter_table("builds", schema=None) as batch_op:
        batch_op.alter_column("project_id", existing_type=_ID, nullable=True)
        batch_op.drop_constraint("uq_builds_project_number", type_="unique")
        batch_op.add_column(sa.Column("job_id", _ID, nullable=True))
        batch_op.add_column(sa.Column("result", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("duration_ms", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("queue_ms", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("commit", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("causes", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("parameters", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("agent", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("label", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("queue_id", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("url", sa.String(length=2048), nullable=True))
        batch_op.add_column(sa.Column("failure_category", sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column("log_bytes", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("log_complete", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column("deleted", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_foreign_key(op.f("fk_builds_job_id_jobs"), "jobs", ["job_id"], ["id"], ondelete="CASCADE")
        batch_op.create_index(
            "uq_builds_project_number",
            ["project_id", "number"],
            unique=True,
            sqlite_where=sa.text("job_id IS NULL"),
            postgresql_where=sa.text("job_id IS NULL"),
        )
        batch_op.create_index("uq_builds_job_number", ["job_id", "number"], unique=True)
        batch_op.create_index("ix_builds_job_started", ["job_id", "started_at"], unique=False)

    op.create_table(
        "build_stages",
        sa.Column("build_id", _ID, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("duration_ms", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["build_id"], ["builds.id"], name=op.f("fk_build_stages_build_id_builds"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("build_id", "position", name=op.f("pk_build_stages")),
    )
    op.create_table(
        "build_log_chunks",
        sa.Column("build_id", _ID, nullable=False),
        sa.Column("offset", sa.BigInteger(), nullable=False),
        sa.Column("length", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["build_id"], ["builds.id"], name=op.f("fk_build_log_chunks_build_id_builds"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("build_id", "offset", name=op.f("pk_build_log_chunks")),
    )


def downgrade() -> None:
    op.drop_table("build_log_chunks")
    op.drop_table("build_stages")
    op.execute("DELETE FROM builds WHERE project_id IS NULL")
    with op.batch_alter_table("builds", schema=None) as batch_op:
        batch_op.drop_index("ix_builds_job_started")
        batch_op.drop_index("uq_builds_job_number")
        batch_op.drop_index("uq_builds_project_number")
        batch_op.drop_constraint(op.f("fk_builds_job_id_jobs"), type_="foreignkey")
        for column in (
            "deleted",
            "log_complete",
            "log_bytes",
            "failure_category",
            "url",
            "queue_id",
            "label",
            "agent",
            "parameters",
            "causes",
            "commit",
            "queue_ms",
            "duration_ms",
            "result",
            "job_id",
        ):
            batch_op.drop_column(column)
        batch_op.create_unique_constraint("uq_builds_project_number", ["project_id", "number"])
        batch_op.alter_column("project_id", existing_type=_ID, nullable=False)
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_index("ix_jobs_project")
        batch_op.drop_index("ix_jobs_folder")
    op.drop_table("jobs")
    op.drop_table("connections")
