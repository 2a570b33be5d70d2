"""SQLite backups: an online, consistent copy of the database with its media, and restoring one.

A backup is ``NAME.db`` (SQLite's backup API, read inside one read transaction,
so the copy is the database at one instant while ``ghee serve`` keeps writing),
``NAME.media/`` (the uploaded images and their renderings) and, when the
installation keeps its Fernet key in a file, ``NAME.secret.key`` (without it
the Jenkins tokens sealed in the database cannot be read).
"""

from __future__ import annotations

import fcntl
import os
import shutil
import sqlite3
from collections.abc import Callable
from contextlib import closing, suppress
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy.engine import make_url

from ghee.config import Settings
from ghee.db.engine import private_file
from ghee.db.migrate import alembic_config
from ghee.db.sealing import key_file
from ghee.ops.errors import OperationRefused

DEFAULT_FOLDER = Path("data") / "backups"
PAGES_PER_STEP = 1024
"""Database pages copied between two progress reports."""

Progress = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class BackupFiles:
    """Where one backup's parts are."""

    database: Path
    media: Path
    key: Path

    @classmethod
    def beside(cls, database: Path) -> BackupFiles:
        """The parts of the backup whose database file is ``database``."""
        stem = database.with_suffix("")
        return cls(database=database, media=Path(f"{stem}.media"), key=Path(f"{stem}.secret.key"))


def default_backup_path(now: datetime) -> Path:
    """``./data/backups/ghee-YYYYmmdd-HHMMSS.db`` for a backup taken at ``now``."""
    return DEFAULT_FOLDER / f"ghee-{now:%Y%m%d-%H%M%S}.db"


def sqlite_file(database_url: str, command: str) -> Path:
    """The SQLite file of ``database_url``; raises ``OperationRefused`` for any other database."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        raise OperationRefused(
            f"ghee {command} works on SQLite; for PostgreSQL use pg_dump and pg_restore (docs/deploy.md, Backups)"
        )
    if not url.database or url.database == ":memory:":
        raise OperationRefused(f"ghee {command} needs an SQLite file, not {database_url}")
    return Path(url.database)


def backup(settings: Settings, target: Path, progress: Progress) -> BackupFiles:
    """Copy the database, the media and the key file to ``target`` and beside it; returns where they are.

    Raises ``OperationRefused`` on PostgreSQL, when there is no database yet or
    when ``target`` exists.
    """
    source = sqlite_file(settings.database_url, "backup")
    if not source.is_file():
        raise OperationRefused(f"there is no database at {source} to back up")
    files = BackupFiles.beside(target)
    for part in (files.database, files.media, files.key):
        if part.exists():
            raise OperationRefused(f"{part} exists already; choose another backup path")
    target.parent.mkdir(parents=True, exist_ok=True)
    _copy_database(source, files.database, progress)
    _copy_media(Path(settings.media_dir), files.media, progress)
    key = key_file(settings)
    if key.is_file():
        shutil.copy2(key, files.key)
    return files


def _copy_database(source: Path, target: Path, progress: Progress) -> None:
    partial = target.with_name(target.name + ".part")
    partial.unlink(missing_ok=True)
    private_file(partial)  # a copy holds what the database holds: its owner's alone

    def report(_status: int, remaining: int, total: int) -> None:
        progress(f"database: {total - remaining:,} of {total:,} pages")

    with closing(sqlite3.connect(source, isolation_level=None)) as src, closing(sqlite3.connect(partial)) as dst:
        src.execute("PRAGMA busy_timeout=10000")
        # One read transaction for the whole copy: the backup reads one snapshot
        # step after step instead of restarting whenever the server commits.
        src.execute("BEGIN")
        src.execute("SELECT count(*) FROM sqlite_master").fetchone()
        src.backup(dst, pages=PAGES_PER_STEP, progress=report)
        src.execute("COMMIT")
    partial.replace(target)


def _copy_media(source: Path, target: Path, progress: Progress) -> None:
    """Copy every file under ``source`` (if it exists) to the same place under ``target``."""
    files = [path for path in source.rglob("*") if path.is_file()] if source.is_dir() else []
    target.mkdir(parents=True, exist_ok=True)
    for done, path in enumerate(files, 1):
        destination = target / path.relative_to(source)
        destination.parent.mkdir(parents=True, exist_ok=True)
        # A kept rendering may be removed meanwhile (its disk budget); it is made again when asked for.
        with suppress(FileNotFoundError):
            shutil.copy2(path, destination)
        progress(f"media: {done:,} of {len(files):,} files")


def check_backup(database: Path) -> str:
    """The Alembic revision of the ghee database in the file ``database``.

    Raises ``OperationRefused`` when the file is missing, is not an SQLite
    database, fails SQLite's integrity check, or is not a ghee database of a
    revision this version knows.
    """
    if not database.is_file():
        raise OperationRefused(f"there is no backup at {database}")
    try:
        with closing(sqlite3.connect(f"{database.resolve().as_uri()}?mode=ro", uri=True)) as conn:
            integrity = [row[0] for row in conn.execute("PRAGMA integrity_check")]
            has_version = conn.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
            ).fetchone()[0]
            revision = conn.execute("SELECT version_num FROM alembic_version").fetchone() if has_version else None
    except sqlite3.DatabaseError as exc:
        raise OperationRefused(f"{database} is not an SQLite database ({exc})") from exc
    if integrity != ["ok"]:
        raise OperationRefused(f"{database} fails SQLite's integrity check: {'; '.join(integrity[:3])}")
    if revision is None:
        raise OperationRefused(f"{database} is not a ghee database (it has no schema revision)")
    try:
        ScriptDirectory.from_config(alembic_config()).get_revision(revision[0])
    except CommandError as exc:
        raise OperationRefused(
            f"{database} is at schema revision {revision[0]!r}, which this version of ghee does not know; "
            "restore it with the ghee version that made it"
        ) from exc
    return str(revision[0])


def held_by_another_process(database: Path) -> bool:
    """Whether another process (a running ``ghee serve``) has the WAL database ``database`` open.

    Every connection to a WAL database holds a shared lock on byte 128 of its
    ``-shm`` file (SQLite's "DMS" lock) for as long as it is open, so that byte
    cannot be locked exclusively while any other process uses the database.
    """
    shm = Path(f"{database}-shm")
    try:
        descriptor = os.open(shm, os.O_RDWR)
    except FileNotFoundError:
        return False
    try:
        fcntl.lockf(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, 128, os.SEEK_SET)
    except OSError:
        return True
    else:
        fcntl.lockf(descriptor, fcntl.LOCK_UN, 1, 128, os.SEEK_SET)
        return False
    finally:
        os.close(descriptor)


def restore(settings: Settings, source: Path, progress: Progress, *, force: bool = False) -> str:
    """Replace the database (and media, and key file) with the backup at ``source``; returns its revision.

    The caller migrates the restored database to the newest revision. Raises
    ``OperationRefused`` on PostgreSQL, for a file that is not a ghee backup,
    and when a running server holds the database and ``force`` is not set.
    """
    target = sqlite_file(settings.database_url, "restore")
    revision = check_backup(source)
    if not force and held_by_another_process(target):
        raise OperationRefused(
            f"{target} is open in another process (a running ghee serve or worker?); "
            "stop it first, or pass --force to restore under it"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    files = BackupFiles.beside(source)
    _restore_database(files.database, target, progress)
    if files.media.is_dir():
        _copy_media(files.media, Path(settings.media_dir), progress)
    if files.key.is_file():
        key = key_file(settings)
        key.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(files.key, key)
    return revision


def _restore_database(source: Path, target: Path, progress: Progress) -> None:
    def report(_status: int, remaining: int, total: int) -> None:
        progress(f"database: {total - remaining:,} of {total:,} pages")

    # The backup API writes through SQLite's own locking and journal, so a WAL
    # left beside the old database cannot be replayed over the restored one.
    private_file(target)
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        dst.execute("PRAGMA busy_timeout=10000")
        src.backup(dst, pages=PAGES_PER_STEP, progress=report)
