"""``ghee demo``: load the demo studio."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from ghee.cli.jobs import run_job

if TYPE_CHECKING:
    from ghee.db.database import Write


@click.command()
def demo() -> None:
    """Load a believable demo studio (idempotent: running it twice changes nothing)."""
    from ghee.demo import load_demo

    def progress(part: str) -> None:
        click.echo(f"loading {part}...", err=True)

    async def job(work: Write) -> str:
        return await load_demo(work, progress)

    click.echo(run_job(job))
