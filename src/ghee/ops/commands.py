"""``ghee backup``, ``ghee restore`` and ``ghee migrate-data``: argument parsing and reporting only."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path

import click

from ghee.clock import utcnow
from ghee.config import database_url_problem, get_settings
from ghee.db.engine import create_engine, shown_url
from ghee.db.migrate import upgrade
from ghee.errors import DomainError
from ghee.ops.backup import backup, default_backup_path, restore
from ghee.ops.errors import CopyFailed, OperationRefused
from ghee.ops.migrate_data import migrate_data
from ghee.ops.verify import RecountCheck, TableCheck


def _progress(line: str) -> None:
    click.echo(f"\r\033[K{line}", nl=False, err=True)


def _done_progress() -> None:
    click.echo("", err=True)


@click.command("backup")
@click.argument("path", required=False, type=click.Path(dir_okay=False, path_type=Path))
def backup_command(path: Path | None) -> None:
    """Copy the SQLite database (while ghee serve runs), its media and key file to PATH.

    PATH defaults to ./data/backups/ghee-YYYYmmdd-HHMMSS.db; the media go to PATH
    with .media in place of .db.
    """
    target = path or default_backup_path(datetime.now().astimezone())
    try:
        files = backup(get_settings(), target, _progress)
    except OperationRefused as exc:
        raise click.ClickException(str(exc)) from exc
    _done_progress()
    click.echo(f"backed up to {files.database} (media in {files.media})")
    if files.key.is_file():
        click.echo(
            f"WARNING: {files.key} holds the key that opens the Jenkins tokens sealed in this copy: "
            "store it apart from the backup (a password manager, another machine), or delete it if the "
            "installation's own key is kept safe elsewhere.",
            err=True,
        )


@click.command("restore")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Restore even while another process has the database open.")
def restore_command(path: Path, *, force: bool) -> None:
    """Replace the SQLite database, media and key file with the backup at PATH, then migrate it."""
    settings = get_settings()
    try:
        revision = restore(settings, path, _progress, force=force)
    except OperationRefused as exc:
        raise click.ClickException(str(exc)) from exc
    _done_progress()

    async def migrate() -> None:
        engine = create_engine(settings.database_url)
        try:
            await upgrade(engine)
        finally:
            await engine.dispose()

    asyncio.run(migrate())
    click.echo(
        f"restored {path} (schema revision {revision}) into {shown_url(settings.database_url)}, migrated to the newest"
    )


@click.command("migrate-data")
@click.option("--from", "source", required=True, help="The installation's database: sqlite:///... or postgresql://...")
@click.option("--to", "target", required=True, help="An empty database to move it to.")
def migrate_data_command(source: str, target: str) -> None:
    """Move every row from one database to an empty one, then compare them table by table.

    Stop ghee serve and ghee worker first. Exits with 1 when any table differs.
    """
    for option, url in (("--from", source), ("--to", target)):
        if problem := database_url_problem(url):
            raise click.ClickException(f"{option} {problem}")
    started = utcnow()
    try:
        checks, recounts = asyncio.run(migrate_data(source, target, _progress))
    except (OperationRefused, CopyFailed, ValueError, DomainError) as exc:
        _done_progress()
        raise click.ClickException(str(exc)) from exc
    _done_progress()
    _print_checks(checks, recounts)
    if not (all(check.matches for check in checks) and all(recount.matches for recount in recounts)):
        click.echo("the target differs from the source (see above)", err=True)
        raise SystemExit(1)
    seconds = (utcnow() - started).total_seconds()
    click.echo(f"moved {sum(c.source_rows for c in checks):,} rows in {seconds:.1f} s; every table matches")


def _print_checks(checks: list[TableCheck], recounts: list[RecountCheck]) -> None:
    width = max(len(check.table) for check in checks)
    click.echo(f"{'TABLE':<{width}} {'SOURCE':>9} {'TARGET':>9} {'CHECKSUM':<16} RESULT")
    for check in checks:
        result = "ok" if check.matches else "MISMATCH"
        click.echo(
            f"{check.table:<{width}} {check.source_rows:>9,} {check.target_rows:>9,} "
            f"{check.target_checksum[:16]:<16} {result}"
        )
    for recount in recounts:
        click.echo(f"{recount.table} against a recount: {'ok' if recount.matches else 'MISMATCH'}")
