"""``ghee project``: create and list projects."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from ghee.cli.jobs import every_item, run_job

if TYPE_CHECKING:
    from ghee.db.database import Write


@click.group()
def project() -> None:
    """Create and list projects: what builds, assets, deployments and posts belong to."""


@project.command("create")
@click.option("--name", required=True, help="The project's name, unique.")
@click.option("--engine", default="unreal", show_default=True, help="unreal, unity, godot, cryengine, custom or none.")
def project_create(name: str, engine: str) -> None:
    """Create a project; its id (proj_...) is printed alone on the last line."""
    from ghee.core.projects import create_project

    async def job(work: Write) -> str:
        created = await create_project(work, name, engine.strip().lower())
        click.echo(f"created project {created.name!r} ({created.engine}):")
        return created.public_id

    click.echo(run_job(job))


@project.command("list")
def project_list() -> None:
    """List projects by name."""
    from ghee.clock import iso
    from ghee.core.projects import list_projects

    async def job(work: Write) -> None:
        click.echo(f"{'ID':<14} {'ENGINE':<10} {'CREATED':<21} NAME")
        async for p in every_item(work, list_projects):
            click.echo(f"{p.public_id:<14} {p.engine:<10} {iso(p.created_at):<21} {p.name}")

    run_job(job)
