"""``ghee analytics``: rebuild the build rollups the metrics read."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from ghee.cli.jobs import run_job

if TYPE_CHECKING:
    from ghee.db.database import Write


@click.group()
def analytics() -> None:
    """Build analytics: the rollups the metrics read."""


@analytics.command("rebuild")
def analytics_rebuild() -> None:
    """Recompute every build rollup from the builds (after an import, or to repair them)."""
    from ghee.core.builds.rollups import rebuild

    def progress(done: int, total: int) -> None:
        click.echo(f"\rrolled up {done:,} of {total:,} finished builds", nl=False)

    async def job(work: Write) -> int:
        return await rebuild(work, progress)

    counted = run_job(job)
    click.echo(f"\nrollups rebuilt from {counted:,} finished builds")
