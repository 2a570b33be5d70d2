"""Fresh databases for tests, copied, not migrated: each test process migrates one template per backend and copies it
(``CREATE DATABASE ... TEMPLATE`` on PostgreSQL, a file copy on SQLite).
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from sqlalchemy.engine import make_url

from ghee.db.database import Write, opened
from ghee.db.engine import create_engine
from ghee.db.migrate import alembic_config, upgrade
from tests.support.services import WORKER, require_postgres, run_async


def _psql_admin(sql: str) -> None:
    async def run() -> None:
        import asyncpg  # noqa: PLC0415

        url = make_url(require_postgres())
        conn = await asyncpg.connect(
            host=url.host, port=url.port or 5432, user=url.username or "postgres", database=url.database or "postgres"
        )
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    run_async(run)


def migrate(url: str, revision: str = "head") -> None:
    """Upgrade the database at ``url`` to ``revision``."""

    async def run() -> None:
        engine = create_engine(url)
        try:
            await upgrade(engine, revision)
        finally:
            await engine.dispose()

    run_async(run)


def downgrade(url: str, revision: str) -> None:
    """Downgrade the database at ``url`` to ``revision``."""

    async def run() -> None:
        engine = create_engine(url)
        try:
            async with engine.begin() as conn:
                await conn.run_sync(lambda sync: command.downgrade(alembic_config(sync), revision))
        finally:
            await engine.dispose()

    run_async(run)


_TEMPLATES: dict[str, str] = {}
_TEMPLATE_DIR = Path(tempfile.mkdtemp(prefix="ghee-templates-"))
atexit.register(shutil.rmtree, _TEMPLATE_DIR, ignore_errors=True)


def _template(backend: str) -> str:
    """This process's migrated template of ``backend``: an SQLite file path, or a PostgreSQL database name."""
    if backend not in _TEMPLATES:
        if backend == "sqlite":
            path = _TEMPLATE_DIR / "template.db"
            migrate(f"sqlite:///{path}")
            _TEMPLATES[backend] = str(path)
        else:
            name = f"ghee_template_{WORKER}_{os.getpid()}"
            _psql_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            _psql_admin(f'CREATE DATABASE "{name}"')
            migrate(_postgres_url(name))
            atexit.register(_psql_admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            _TEMPLATES[backend] = name
    return _TEMPLATES[backend]


def _postgres_url(name: str) -> str:
    return str(make_url(require_postgres()).set(database=name).render_as_string(hide_password=False))


def make_database(backend: str, tmp: Path) -> tuple[str, Any]:
    """A fresh, migrated database of ``backend`` (a copy of a template); returns its URL and a function to drop it."""
    template = _template(backend)
    if backend == "sqlite":
        path = tmp / f"ghee-{uuid.uuid4().hex[:8]}.db"
        shutil.copyfile(template, path)
        return f"sqlite:///{path}", lambda: None
    name = f"ghee_test_{WORKER}_{uuid.uuid4().hex[:10]}"
    _psql_admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    return _postgres_url(name), lambda: _psql_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def filled_database(backend: str, tmp: Path, fill: Callable[[Write], Awaitable[None]]) -> Iterator[str]:
    """A fresh, migrated database of ``backend`` holding what ``fill`` writes in one unit of work; dropped after."""
    url, drop = make_database(backend, tmp)
    try:

        async def run() -> None:
            async with opened(url) as db, db.write() as work:
                await fill(work)

        run_async(run)
        yield url
    finally:
        drop()


def make_empty_database(backend: str, tmp: Path) -> tuple[str, Any]:
    """A fresh database of ``backend`` without any table; returns its URL and a function that drops it."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp / f'ghee-{uuid.uuid4().hex[:8]}.db'}"

        def drop() -> None:
            return None

    else:
        name = f"ghee_test_{WORKER}_{uuid.uuid4().hex[:10]}"
        _psql_admin(f'CREATE DATABASE "{name}"')
        url = _postgres_url(name)

        def drop() -> None:
            _psql_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return url, drop
