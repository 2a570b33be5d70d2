"""Whether a database can be used before anything touches it: its folder, its file, its server, its schema.

A CLI command checks this first so that a mistyped URL or a database never
migrated is one line naming the fix, and so that checking creates nothing:
SQLite would otherwise make an empty file (and ``create_engine`` its folder)
on the first connection. Only ``ghee migrate`` creates a database, and only
in a folder that exists, except the default ``./data`` (``make_folder``): a
typed path with a typo should fail, not grow a tree of folders.
"""

from __future__ import annotations

from pathlib import Path

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import DBAPIError

from ghee.db.engine import create_engine, shown_url
from ghee.db.migrate import alembic_config
from ghee.errors import Invalid, NotMigrated, Unavailable

CANNOT_CONNECT = (OSError, TimeoutError, DBAPIError)
"""What connecting to a database raises when it cannot be reached (``unreachable`` says why in one line)."""


def sqlite_file(database_url: str) -> Path | None:
    """The file of an SQLite URL, or ``None`` for PostgreSQL and in-memory SQLite."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


def require_folder(database_url: str, *, make_folder: bool = False) -> None:
    """Raise ``Invalid`` if an SQLite database's folder is missing; with ``make_folder``, create it instead."""
    path = sqlite_file(database_url)
    if path is None or path.parent.is_dir():
        return
    if make_folder:
        path.parent.mkdir(parents=True, exist_ok=True)
        return
    raise Invalid("GHEE_DATABASE_URL", f"the folder {path.parent} does not exist; create it first")


def unreachable(database_url: str, exc: BaseException) -> Unavailable:
    """The ``Unavailable`` a failed connection stands for: the URL without its password, the driver's first line."""
    cause = getattr(exc, "orig", None) or exc
    lines = str(cause).strip().splitlines()
    return Unavailable(f"database at {shown_url(database_url)}", lines[0] if lines else type(cause).__name__)


def _revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


async def require_schema(database_url: str, *, exact: bool = True) -> None:
    """Return if the database exists and is at this ghee's newest revision; create nothing either way.

    Raises ``NotMigrated`` for a missing SQLite file (its folder missing too:
    ``ghee migrate`` then names the folder), a database without ghee's schema
    or at another revision, ``Unavailable`` when the server cannot be reached.
    Not ``exact`` (long-running processes, which wait out a database restart
    and report a schema behind on ``/readyz`` during a rolling upgrade), only
    a database never migrated is refused.
    """
    shown = shown_url(database_url)
    scripts = ScriptDirectory.from_config(alembic_config())
    head = scripts.get_current_head() or ""
    path = sqlite_file(database_url)
    if path is not None and not path.is_file():
        raise NotMigrated(shown, None, head, exists=False)
    engine = create_engine(database_url)
    try:
        async with engine.connect() as conn:
            revision = await conn.run_sync(_revision)
    except CANNOT_CONNECT as exc:
        raise unreachable(database_url, exc) from exc
    finally:
        await engine.dispose()
    if revision is None or (exact and revision != head):
        raise NotMigrated(shown, revision, head, known=revision is None or _known(scripts, revision))


async def refuse_unmigrated(database_url: str) -> Unavailable | None:
    """For a long-running process: raise as ``require_schema(exact=False)`` does, but return ``Unavailable``.

    A database that cannot be reached now may be by the time requests come;
    the caller warns and starts anyway.
    """
    try:
        await require_schema(database_url, exact=False)
    except Unavailable as exc:
        return exc
    return None


def _known(scripts: ScriptDirectory, revision: str) -> bool:
    return any(script.revision == revision for script in scripts.walk_revisions())
