"""The relational schema every dialect reads and writes.

Timestamps are naive UTC ``DateTime`` values; public ids are derived from the
integer primary keys (see ``ghee.ids``), except changelists, whose public id is
their number.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _pk() -> sa.Column[int]:
    return sa.Column("id", BigId, primary_key=True, autoincrement=True)


def _fk(name: str, target: str, *, nullable: bool = False, ondelete: str = "CASCADE") -> sa.Column[int]:
    return sa.Column(name, BigId, sa.ForeignKey(target, ondelete=ondelete), nullable=nullable)


projects = sa.Table(
    "projects",
    metadata,
    _pk(),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("engine", sa.String(40), nullable=False),
    sa.Column("created_at", sa.DateTime(), nullable=False),
    sa.UniqueConstraint("name", name="uq_projects_name"),
)

changelists = sa.Table(
    "changelists",
    metadata,
    _pk(),
    _fk("project_id", "projects.id"),
    sa.Column("number", sa.BigInteger(), nullable=False),
    sa.Column("public_id", sa.String(80), nullable=False),
    sa.Column("author", sa.String(200), nullable=False),
    sa.Column("description", sa.Text(), nullable=False),
    sa.Column("submitted_at", sa.DateTime(), nullable=False),
    sa.Column("created_at", sa.DateTime(), nullable=False),
    sa.UniqueConstraint("project_id", "number", name="uq_changelists_project_number"),
    sa.UniqueConstraint("public_id", name="uq_changelists_public_id"),
)

assets = sa.Table(
    "assets",
    metadata,
    _pk(),
    _fk("project_id", "projects.id"),
    sa.Column("path", sa.String(1024), nullable=False),
    sa.Column("type", sa.String(40), nullable=False),
    sa.Column("approval_status", sa.String(20), nullable=False),
    sa.Column("deleted", sa.Boolean(), nullable=False),
    sa.Column("created_at", sa.DateTime(), nullable=False),
    sa.Column("updated_at", sa.DateTime(), nullable=False),
    sa.UniqueConstraint("project_id", "path", name="uq_assets_project_path"),
)

changelist_files = sa.Table(
    "changelist_files",
    metadata,
    _pk(),
    _fk("changelist_id", "changelists.id"),
    _fk("asset_id", "assets.id"),
    sa.Column("path", sa.String(1024), nullable=False),
    sa.Column("action", sa.String(20), nullable=False),
    sa.Index("ix_changelist_files_asset", "asset_id", "changelist_id"),
    sa.Index("ix_changelist_files_changelist", "changelist_id"),
)

builds = sa.Table(
    "builds",
    metadata,
    _pk(),
    _fk("project_id", "projects.id"),
    sa.Column("number", sa.Integer(), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("platform", sa.String(60), nullable=False),
    sa.Column("configuration", sa.String(60), nullable=False),
    sa.Column("branch", sa.String(255), nullable=False),
    sa.Column("changelist", sa.String(80), nullable=True),
    _fk("changelist_id", "changelists.id", nullable=True, ondelete="SET NULL"),
    sa.Column("created_at", sa.DateTime(), nullable=False),
    sa.Column("started_at", sa.DateTime(), nullable=True),
    sa.Column("finished_at", sa.DateTime(), nullable=True),
    sa.UniqueConstraint("project_id", "number", name="uq_builds_project_number"),
    sa.Index("ix_builds_project_recent", "project_id", "id"),
    sa.Index("ix_builds_project_status_recent", "project_id", "status", "id"),
    sa.Index("ix_builds_project_branch_recent", "project_id", "branch", "id"),
)

artifacts = sa.Table(
    "artifacts",
    metadata,
    _pk(),
    _fk("build_id", "builds.id"),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("size_bytes", sa.BigInteger(), nullable=False),
    sa.Column("url", sa.String(2048), nullable=False),
    sa.Column("created_at", sa.DateTime(), nullable=False),
    sa.UniqueConstraint("build_id", "name", name="uq_artifacts_build_name"),
)

deployments = sa.Table(
    "deployments",
    metadata,
    _pk(),
    _fk("project_id", "projects.id"),
    _fk("build_id", "builds.id"),
    sa.Column("platform", sa.String(60), nullable=False),
    sa.Column("branch", sa.String(255), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("created_at", sa.DateTime(), nullable=False),
    sa.Column("deployed_at", sa.DateTime(), nullable=True),
    sa.Column("superseded_at", sa.DateTime(), nullable=True),
    sa.Index("ix_deployments_project_recent", "project_id", "id"),
    sa.Index("ix_deployments_target", "project_id", "platform", "branch", "status"),
)

tokens = sa.Table(
    "tokens",
    metadata,
    _pk(),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False),
    sa.Column("prefix", sa.String(16), nullable=False),
    sa.Column("scope", sa.String(10), nullable=False),
    _fk("project_id", "projects.id", nullable=True),
    sa.Column("rate_limit", sa.String(200), nullable=True),
    sa.Column("created_at", sa.DateTime(), nullable=False),
    sa.Column("last_used_at", sa.DateTime(), nullable=True),
    sa.Column("revoked_at", sa.DateTime(), nullable=True),
    sa.UniqueConstraint("token_hash", name="uq_tokens_token_hash"),
)

events = sa.Table(
    "events",
    metadata,
    _pk(),
    sa.Column("type", sa.String(60), nullable=False),
    sa.Column("resource_type", sa.String(40), nullable=False),
    sa.Column("resource_id", sa.String(80), nullable=False),
    _fk("project_id", "projects.id", nullable=True, ondelete="SET NULL"),
    sa.Column("payload", sa.JSON(), nullable=False),
    sa.Column("created_at", sa.DateTime(), nullable=False),
    sa.Index("ix_events_type", "type", "id"),
    sa.Index("ix_events_resource", "resource_type", "resource_id", "id"),
)
