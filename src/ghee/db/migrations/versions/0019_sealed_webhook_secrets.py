"""sealed webhook secrets: signing secrets and custom header values encrypted at rest

- ``webhook_subscriptions.secret`` holds the signing secret sealed with the
  installation's Fernet key (``ghee.db.sealing``), as Jenkins tokens
  are; widened to 500 characters on PostgreSQL, which a sealed 64-byte
  secret fits (SQLite holds any length).
- ``webhook_subscriptions.headers`` keeps each custom header's name, its
  value sealed.

Existing rows are sealed in place with the key ``ghee serve`` uses: the
``GHEE_SECRET_KEY`` of the environment ``ghee migrate`` runs in, else the
key file (next to the SQLite database, or ``GHEE_SECRET_KEY_FILE``). The
downgrade opens them again with the same key.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04 07:20:00
"""

import dataclasses
import json
from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import op

from ghee.config import Settings
from ghee.db.sealing import Sealer, sealer_for

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_subscriptions = sa.table(
    "webhook_subscriptions",
    sa.column("id", sa.BigInteger()),
    sa.column("headers", sa.JSON()),
    sa.column("secret", sa.String()),
)


def _sealer() -> Sealer:
    """The installation's sealer, found as ``ghee serve`` finds it for this database."""
    url = op.get_bind().engine.url.render_as_string(hide_password=False)
    return sealer_for(dataclasses.replace(Settings.from_env(), database_url=url))


def _rewrite(change: Callable[[str], str]) -> None:
    """Pass every subscription's secret and custom header values through ``change``."""
    bind = op.get_bind()
    rows = bind.execute(sa.select(_subscriptions.c.id, _subscriptions.c.headers, _subscriptions.c.secret)).all()
    for row_id, headers, secret in rows:
        found = json.loads(headers) if isinstance(headers, str) else headers or {}
        bind.execute(
            _subscriptions.update()
            .where(_subscriptions.c.id == row_id)
            .values(headers={name: change(value) for name, value in found.items()}, secret=change(secret))
        )


def _has_rows() -> bool:
    return op.get_bind().execute(sa.select(sa.func.count()).select_from(_subscriptions)).scalar_one() > 0


def _widen(length: int, was: int) -> None:
    """Change ``secret``'s declared length on PostgreSQL.

    SQLite enforces none, and rebuilding its table would lose the ``AUTOINCREMENT`` migration 0016 gave it.
    """
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column(
            "webhook_subscriptions", "secret", type_=sa.String(length), existing_type=sa.String(was), nullable=False
        )


def upgrade() -> None:
    _widen(500, was=200)
    if _has_rows():  # a fresh database needs no key yet: none is made for it here
        _rewrite(_sealer().seal)


def downgrade() -> None:
    if _has_rows():
        _rewrite(_sealer().open)
    _widen(200, was=500)
