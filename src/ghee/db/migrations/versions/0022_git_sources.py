"""git sources: a changelist's commit id, and each project's git push secret

- ``changelists.revision``: the commit id of a changelist that came from
  git (40 or 64 hexadecimal characters), ``NULL`` for Perforce changes and
  for changelists posted without one. Unique per project
  (``uq_changelists_project_revision``, a unique index: no table rebuild on
  SQLite), which makes a re-delivered push change nothing.
- ``git_push_secrets``: the one secret per project that GitHub signs its
  pushes with (``X-Hub-Signature-256``), Gitea and Forgejo too
  (``X-Gitea-Signature``), and GitLab sends as ``X-Gitlab-Token``; sealed with
  the installation's key (``ghee.db.sealing``), since checking an HMAC needs
  the secret itself.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-04 12:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    # Added column only: SQLite's ALTER TABLE ADD COLUMN, no rebuild of a table others point at.
    op.add_column("changelists", sa.Column("revision", sa.String(64), nullable=True))
    op.create_index("uq_changelists_project_revision", "changelists", ["project_id", "revision"], unique=True)
    op.create_table(
        "git_push_secrets",
        sa.Column(
            "project_id",
            _ID,
            sa.ForeignKey("projects.id", ondelete="CASCADE", name="fk_git_push_secrets_project_id_projects"),
            primary_key=True,
        ),
        sa.Column("secret", sa.String(500), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("git_push_secrets")
    op.drop_index("uq_changelists_project_revision", "changelists")
    if op.get_bind().dialect.name == "sqlite":
        # SQLite 3.35's own DROP COLUMN: a batch rebuild would lose the AUTOINCREMENT 0016 gave the table.
        op.execute("ALTER TABLE changelists DROP COLUMN revision")
    else:
        op.drop_column("changelists", "revision")
