"""The one way core inserts a row a unique key may already hold: ``INSERT ... ON CONFLICT DO NOTHING``.

A skipped row simply comes back missing from ``RETURNING``, so callers decide
what a clash means without a savepoint. That matters on SQLite: its driver
opens no transaction before a SAVEPOINT, so releasing the savepoint would
commit everything before it, leaving the rest of the write visible half done.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from ghee.db.database import Write


def insert_unless_taken(work: Write, table: sa.Table) -> sa.Insert:
    """An INSERT into ``table`` that skips rows clashing with any unique key, in the connection's SQL dialect."""
    if work.dialect.name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    return sqlite.insert(table).on_conflict_do_nothing()
