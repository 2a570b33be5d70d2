"""``ghee git``: what a git server runs to send its pushes (loaded when run), and each project's push webhook secret."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from ghee.cli.jobs import run_job
from ghee.cli.lazy_group import LazyGroup
from ghee.config import get_settings

if TYPE_CHECKING:
    from ghee.db.database import Write


_GIT_ELSEWHERE = {  # the commands a git server runs (the summaries are the commands' own)
    "hook": (
        "ghee.integrations.git.commands:hook_command",
        "A post-receive hook: send the pushed commits to ghee; spool them if ghee is slow or down.",
    ),
    "flush": (
        "ghee.integrations.git.commands:flush_command",
        "Send the commits earlier hooks spooled (from cron); exit status 1 if some remain.",
    ),
}


@click.group(cls=LazyGroup, lazy=_GIT_ELSEWHERE)
def git() -> None:
    """Send git commits to ghee (a post-receive hook) and show each project's push webhook secret."""


@git.command("secret")
@click.argument("project")
@click.option("--rotate", is_flag=True, help="Replace the secret: the hosts using the old one are refused.")
def git_secret(project: str, *, rotate: bool) -> None:
    """Show PROJECT's push webhook URL and secret (made on first use); the secret is alone on the last line."""
    from ghee.core.git_push_secrets import git_push_secret, rotate_git_push_secret
    from ghee.core.projects import get_project
    from ghee.db.sealing import sealer_for

    settings = get_settings()
    sealer = sealer_for(settings)

    async def job(work: Write) -> tuple[str, str]:
        found = await get_project(work, project)
        make = rotate_git_push_secret if rotate else git_push_secret
        return found.public_id, await make(work, sealer, found.id)

    public_id, secret = run_job(job)
    click.echo(f"push URL: {settings.site.public_url}/v1/projects/{public_id}/git/push")
    click.echo("secret (GitHub and Gitea: the webhook's secret; GitLab: its secret token):")
    click.echo(secret)
