"""``ghee sync``: one Jenkins sync pass now, with its progress and outcome."""

from __future__ import annotations

import asyncio

import click

from ghee.config import get_settings


@click.command()
@click.argument("connection", required=False)
def sync(connection: str | None) -> None:
    """Run one sync pass of every Jenkins connection, or of CONNECTION (its name or conn_... id)."""
    from ghee.db.readiness import require_schema
    from ghee.errors import DomainError
    from ghee.integrations.jenkins.loop import sync_now
    from ghee.integrations.jenkins.sync import PassStats

    def show(stats: PassStats) -> None:
        click.echo(
            f"\r  {stats.done}/{stats.changed} changed jobs of {stats.jobs}, {stats.builds} builds, "
            f"{stats.requests} requests",
            nl=False,
            err=True,
        )

    asyncio.run(require_schema(get_settings().database_url))
    try:
        outcomes = asyncio.run(sync_now(get_settings(), connection, progress=show))
    except DomainError as exc:
        raise click.ClickException(str(exc)) from exc
    failed = False
    for outcome in outcomes:
        click.echo("", err=True)
        if outcome.stats is not None:
            s = outcome.stats
            click.echo(
                f"{outcome.name}: {s.jobs} jobs, {s.changed} changed, {s.builds} builds written "
                f"({s.finished} finished), {s.requests} requests in {s.seconds:.1f} s"
            )
        if outcome.error:
            failed = True
            click.echo(f"{outcome.name}: failed: {outcome.error}", err=True)
    if not outcomes:
        click.echo("no connections to sync")
    if failed:
        raise SystemExit(1)
