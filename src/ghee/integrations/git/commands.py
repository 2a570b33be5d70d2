"""``ghee git hook`` and ``ghee git flush``, what a git server runs: argument parsing and reporting only.

They read ``GHEE_URL``, ``GHEE_TOKEN``, ``GHEE_PROJECT`` (and optionally
``GHEE_SPOOL_DIR``, ``GHEE_SEND_SECONDS``) from the environment; see
docs/git.md. ``ghee git secret``, which needs ghee's database, is in ``ghee.cli.git_pushes``.
"""

from __future__ import annotations

import sys

import click

from ghee.config import SenderSettings, SettingsError
from ghee.integrations.git.hook import GitFailed, commit_changelist, pushed_commits
from ghee.integrations.sender.send import Sender
from ghee.integrations.sender.spool import new_entry

SOURCE = "git"


def _settings() -> SenderSettings:
    try:
        return SenderSettings.from_env()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None


@click.command("hook")
def hook_command() -> None:
    """A post-receive hook: send the pushed commits to ghee; spool them if ghee is slow or down."""
    settings = _settings()
    try:
        commits = [commit_changelist(commit) for commit in pushed_commits(sys.stdin)]
    except GitFailed as exc:
        raise click.ClickException(f"could not read the pushed commits: {exc}") from None
    sender = Sender(settings, SOURCE, budget=settings.send_seconds)
    try:
        sender.send([new_entry(f"git-{c.revision}", c) for c in commits])
    except OSError as exc:
        raise click.ClickException(f"the commits could not be kept in {sender.spool.folder}: {exc}") from None
    click.echo(f"ghee: {len(commits)} commit(s): {sender.tally.line()}")


@click.command("flush")
@click.option("--all", "everything", is_flag=True, help="Also send the commits still waiting out their backoff.")
def flush_command(*, everything: bool) -> None:
    """Send the commits earlier hooks spooled (from cron); exit status 1 if some remain."""
    sender = Sender(_settings(), SOURCE, budget=None)
    sender.flush(everything=everything)
    waiting = len(sender.spool.entries())
    click.echo(f"ghee: {sender.tally.line()}; {waiting} waiting in {sender.spool.folder}")
    if waiting:
        raise SystemExit(1)
