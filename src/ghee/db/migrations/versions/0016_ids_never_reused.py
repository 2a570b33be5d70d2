"""ids never reused: a deleted row's id is never handed out again

Public ids are codes of row ids (``ghee.ids``), so a row id handed out twice
names two resources: a new webhook answered to a deleted one's ``wh_...``, a
re-added connection to its ``conn_...``, and ``/v1/events?resource=`` mixed
the two histories (issue 15).

- SQLite gives a new row the largest id in use plus one, so deleting the
  newest row frees its id. Every table with a row id is rebuilt
  ``AUTOINCREMENT`` by SQLite's own procedure (new table from the stored
  ``CREATE TABLE`` with only the id column changed, rows copied with their
  ids, old table dropped, new one renamed, its indexes and triggers created
  again from their stored SQL), so ``sqlite_sequence`` remembers the highest
  id ever given. The rebuild needs the foreign keys off, which
  ``ghee.db.migrate`` does; refused otherwise, as dropping the old tables
  would cascade.
- PostgreSQL's ids already come from sequences, which never go back.
- On both, an id the event log names for a row deleted before this revision
  (a build, a connection, a page ...) is not handed out again either: the
  table's sequence starts above it. A row the event log does not name (a
  webhook, a token), deleted while it was the newest, left no trace: its id
  can be given once more.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04 04:10:00
"""

import hashlib
import re
from collections.abc import Callable, Iterable, Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Every table whose primary key is an integer row id.
TABLES = (
    "projects",
    "changelists",
    "assets",
    "changelist_files",
    "builds",
    "artifacts",
    "deployments",
    "users",
    "tokens",
    "events",
    "blog_authors",
    "blog_categories",
    "blog_tags",
    "blog_posts",
    "content_schemas",
    "content_entries",
    "media",
    "connections",
    "jobs",
    "webhook_subscriptions",
    "webhook_deliveries",
    "webhook_attempts",
    "failure_causes",
)

# How the event log names a table's rows: {table: [(resource_type, prefix, coder kind)]}; a prefix of
# None is a plain number.
NAMED_IN_EVENTS: dict[str, list[tuple[str, str | None, str]]] = {
    "projects": [("project", "proj", "proj")],
    "builds": [("build", "build", "build")],
    "deployments": [("deployment", "deploy", "deploy")],
    "assets": [("asset", "asset", "asset")],
    "connections": [("connection", "conn", "conn")],
    "jobs": [("job", "j", "job")],
    "failure_causes": [("failure_cause", "fc", "failure_cause")],
    "content_entries": [("page", None, ""), ("collectionitem", None, "")],
}

# The id column and primary key as every table above was created (by SQLAlchemy, migrations 0001 to 0015).
_PLAIN_ID = re.compile(r"^(\s*)id INTEGER NOT NULL,", re.MULTILINE)
_KEY_CONSTRAINT = re.compile(r",\s*CONSTRAINT \w+ PRIMARY KEY \(id\)")
_COUNTING_ID = re.compile(r"^(\s*)id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,", re.MULTILINE)
_HEAD = r'CREATE TABLE "?{table}"? \('


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        _refuse_with_foreign_keys_on(conn)
        for table in TABLES:
            _rebuild(conn, table, _counting)
    for table, names in NAMED_IN_EVENTS.items():
        _start_above(conn, table, _highest_deleted_id(conn, table, names))


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        _refuse_with_foreign_keys_on(conn)
        for table in TABLES:
            _rebuild(conn, table, _plain)


def _refuse_with_foreign_keys_on(conn: sa.Connection) -> None:
    if conn.exec_driver_sql("PRAGMA foreign_keys").scalar():
        msg = "0016 rebuilds tables, which needs SQLite's foreign keys off: run it with `ghee migrate`"
        raise RuntimeError(msg)


def _counting(table: str, sql: str) -> str:
    """``CREATE TABLE`` SQL with the id column ``AUTOINCREMENT`` (SQLite takes it only on the column)."""
    sql, columns = _PLAIN_ID.subn(r"\1id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,", sql, count=1)
    sql, keys = _KEY_CONSTRAINT.subn("", sql, count=1)
    if (columns, keys) != (1, 1):
        msg = f"0016: table {table} is not as migrations 0001 to 0015 made it: {sql}"
        raise RuntimeError(msg)
    return sql


def _plain(table: str, sql: str) -> str:
    """``CREATE TABLE`` SQL as before this revision: the id a plain column, the key a named constraint."""
    sql, columns = _COUNTING_ID.subn(r"\1id INTEGER NOT NULL,", sql, count=1)
    if columns != 1 or not sql.rstrip().endswith(")"):
        msg = f"0016: table {table} is not as this revision made it: {sql}"
        raise RuntimeError(msg)
    return f"{sql.rstrip()[:-1].rstrip()}, \n\tCONSTRAINT pk_{table} PRIMARY KEY (id)\n)"


def _rebuild(conn: sa.Connection, table: str, change: Callable[[str, str], str]) -> None:
    """Rebuild ``table`` from its stored SQL as ``change`` rewrites it, keeping rows, ids, indexes and triggers."""
    stored = sa.text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :table")
    sql = conn.execute(stored, {"table": table}).scalar_one()
    beside = sa.text(
        "SELECT sql FROM sqlite_master WHERE tbl_name = :table AND type IN ('index', 'trigger') AND sql IS NOT NULL"
    )
    recreate = list(conn.execute(beside, {"table": table}).scalars())
    head = re.compile(_HEAD.format(table=table))
    new_sql, renamed = head.subn(f"CREATE TABLE _0016_{table} (", change(table, sql), count=1)
    if renamed != 1:
        msg = f"0016: unexpected SQL for table {table}: {sql}"
        raise RuntimeError(msg)
    conn.exec_driver_sql(new_sql)
    conn.exec_driver_sql(f"INSERT INTO _0016_{table} SELECT * FROM {table}")  # noqa: S608 (our table names)
    conn.exec_driver_sql(f"DROP TABLE {table}")
    conn.exec_driver_sql(f"ALTER TABLE _0016_{table} RENAME TO {table}")
    for statement in recreate:
        conn.exec_driver_sql(statement)


def _highest_deleted_id(conn: sa.Connection, table: str, names: list[tuple[str, str | None, str]]) -> int:
    """The highest row id of ``table`` the event log names above the ids in use; 0 if none.

    Ids above the largest in use were handed out one after another, so of
    ``n`` such ids the event log names, a real one is at most the largest in
    use plus ``n``; anything higher is not one of this table's ids.
    """
    in_use = conn.execute(sa.text(f"SELECT coalesce(max(id), 0) FROM {table}")).scalar_one()  # noqa: S608
    named = sa.text("SELECT DISTINCT resource_id FROM events WHERE resource_type = :type")
    above: set[int] = set()
    for resource_type, prefix, kind in names:
        codes = conn.execute(named, {"type": resource_type}).scalars()
        above.update(row_id for row_id in _row_ids(codes, prefix, kind) if row_id > in_use)
    return max((row_id for row_id in above if row_id <= in_use + len(above)), default=0)


def _row_ids(codes: Iterable[str], prefix: str | None, kind: str) -> Iterable[int]:
    for code in codes:
        if prefix is None:
            if code.isascii() and code.isdigit() and len(code) < 19:  # noqa: PLR2004 (fits a 64-bit integer)
                yield int(code)
        else:
            row_id = _decoded(code, prefix, kind)
            if row_id is not None:
                yield row_id


# ``ghee.ids.decode`` as it is at this revision (a migration keeps what it ran with, and ``db`` does
# not import ``ids``): the 8 characters of a public id are a keyed scramble of the row id in base32.
_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
_MASK = (1 << 40) - 1


def _decoded(code: str, prefix: str, kind: str) -> int | None:
    head, _, tail = code.partition("_")
    if head != prefix or len(tail) != 8 or not set(tail) <= set(_ALPHABET):  # noqa: PLR2004 (8 characters)
        return None
    number = 0
    for char in tail:
        number = (number << 5) | _ALPHABET.index(char)
    digest = hashlib.sha256(f"ghee-ids:{kind}".encode()).digest()
    first = int.from_bytes(digest[:8], "big") & _MASK | 1
    second = int.from_bytes(digest[8:16], "big") & _MASK | 1
    number = (number * pow(second, -1, 1 << 40)) & _MASK
    number ^= number >> 20
    return (number * pow(first, -1, 1 << 40)) & _MASK


def _start_above(conn: sa.Connection, table: str, row_id: int) -> None:
    """Make ``table``'s next id larger than ``row_id`` (never smaller than it would have been)."""
    if row_id == 0:
        return
    if conn.dialect.name == "sqlite":
        raised = conn.execute(
            sa.text("UPDATE sqlite_sequence SET seq = max(seq, :id) WHERE name = :table"),
            {"id": row_id, "table": table},
        )
        if raised.rowcount == 0:
            conn.execute(
                sa.text("INSERT INTO sqlite_sequence (name, seq) VALUES (:table, :id)"), {"id": row_id, "table": table}
            )
        return
    sequence = conn.execute(sa.text("SELECT pg_get_serial_sequence(:table, 'id')"), {"table": table}).scalar_one()
    last, called = conn.execute(sa.text(f"SELECT last_value, is_called FROM {sequence}")).one()  # noqa: S608
    if row_id > last or (row_id == last and not called):
        conn.execute(sa.text("SELECT setval(:sequence, :id)"), {"sequence": sequence, "id": row_id})
