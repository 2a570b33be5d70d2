"""``ghee migrate``: create or upgrade the database schema."""

from __future__ import annotations

import asyncio

import click

from ghee.config import DEFAULT_DATABASE_URL, get_settings


@click.command()
def migrate() -> None:
    """Create or upgrade the database schema to the newest revision.

    An SQLite file is created if missing, in a folder that must exist; only
    the default database's folder (./data) is created too.
    """
    from alembic.util.exc import CommandError

    from ghee.db.engine import create_engine, shown_url
    from ghee.db.migrate import upgrade
    from ghee.db.readiness import CANNOT_CONNECT, require_folder, unreachable

    settings = get_settings()
    require_folder(settings.database_url, make_folder=settings.database_url == DEFAULT_DATABASE_URL)

    async def run() -> None:
        engine = create_engine(settings.database_url)
        try:
            await upgrade(engine)
        except CANNOT_CONNECT as exc:
            raise unreachable(settings.database_url, exc) from exc
        finally:
            await engine.dispose()

    try:
        asyncio.run(run())
    except CommandError as exc:  # a revision this ghee does not know: the database is newer than the code
        message = f"cannot migrate the database at {shown_url(settings.database_url)}: {exc}"
        raise click.ClickException(message) from None
    click.echo(f"database at {shown_url(settings.database_url)} is up to date")
