"""What SQLite's AUTOINCREMENT costs a write: committed transactions inserting rows, with and without it.

Migration 0016 made every table with a row id AUTOINCREMENT, so a deleted
row's id is never handed out again; SQLite then reads and writes
``sqlite_sequence`` on each insert. This times a unit of work as ghee's
writes look (one transaction inserting a resource row and its event, WAL,
``synchronous=NORMAL``) on a file in a temporary folder, both ways, best of
five runs. See bench/README.md, section "sqlite_ids.py".

    .venv/bin/python bench/sqlite_ids.py
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
import time
from pathlib import Path

TRANSACTIONS = 3_000
ROWS = 100_000  # already in each table, as in a studio's database after some weeks


def _open(path: Path, autoincrement: bool) -> sqlite3.Connection:
    key = "PRIMARY KEY AUTOINCREMENT" if autoincrement else "PRIMARY KEY"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute(f"CREATE TABLE builds (id INTEGER NOT NULL {key}, number INTEGER NOT NULL, status TEXT NOT NULL)")
    conn.execute(
        f"CREATE TABLE events (id INTEGER NOT NULL {key}, type TEXT NOT NULL, resource_id TEXT NOT NULL, "
        "payload TEXT NOT NULL)"
    )
    conn.execute("CREATE INDEX ix_events_resource ON events (resource_id, id)")
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO builds (number, status) VALUES (?, 'success')", ((n,) for n in range(ROWS)))
    conn.executemany(
        "INSERT INTO events (type, resource_id, payload) VALUES ('build.created', ?, '{}')",
        ((f"build_{n}",) for n in range(ROWS)),
    )
    conn.execute("COMMIT")
    return conn


def _per_transaction(conn: sqlite3.Connection) -> float:
    start = time.perf_counter()
    for n in range(TRANSACTIONS):
        conn.execute("BEGIN")
        conn.execute("INSERT INTO builds (number, status) VALUES (?, 'pending')", (n,))
        conn.execute(
            "INSERT INTO events (type, resource_id, payload) VALUES ('build.created', ?, '{\"status\": \"pending\"}')",
            (f"build_new_{n}",),
        )
        conn.execute("COMMIT")
    return (time.perf_counter() - start) / TRANSACTIONS * 1e6


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        conns = {
            autoincrement: _open(Path(folder) / f"ids-{autoincrement}.db", autoincrement)
            for autoincrement in (False, True)
        }
        runs: dict[bool, list[float]] = {False: [], True: []}
        for _ in range(5):  # alternating, so both see the same moments of a shared machine
            for autoincrement, conn in conns.items():
                runs[autoincrement].append(_per_transaction(conn))
        figures = {autoincrement: min(times) for autoincrement, times in runs.items()}
        for conn in conns.values():
            conn.close()
    print(f"load average {os.getloadavg()[0]:.1f}; {TRANSACTIONS:,} transactions on tables of {ROWS:,} rows")
    print(f"{'plain INTEGER PRIMARY KEY':<40} {figures[False]:8.1f} µs a transaction")
    print(f"{'AUTOINCREMENT (migration 0016)':<40} {figures[True]:8.1f} µs a transaction")
    print(f"{'difference':<40} {figures[True] - figures[False]:8.1f} µs")


if __name__ == "__main__":
    main()
