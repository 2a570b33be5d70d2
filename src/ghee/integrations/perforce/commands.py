"""``ghee p4 trigger | flush | backfill``: argument parsing and reporting only.

They read ``GHEE_URL``, ``GHEE_TOKEN``, ``GHEE_PROJECT`` (and optionally
``GHEE_SPOOL_DIR``, ``GHEE_SEND_SECONDS``) from the environment, as p4 reads
its own P4* variables; see docs/perforce.md.
"""

from __future__ import annotations

import functools

import click

from ghee.config import SenderSettings, SettingsError
from ghee.errors import Invalid
from ghee.integrations.perforce.p4 import P4Failed, describe_change, submitted_since
from ghee.integrations.sender.send import FLUSH_REQUEST_SECONDS, Outcome, Sender
from ghee.integrations.sender.spool import new_entry

SOURCE = "p4"
BACKFILL_P4_SECONDS = 600.0  # listing years of changes on a busy server


def _settings() -> SenderSettings:
    try:
        return SenderSettings.from_env()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None


@click.group("p4")
def p4_command() -> None:
    """Send Perforce changes to ghee: a change-commit trigger, its spool, a history import."""


@p4_command.command("trigger")
@click.argument("change", type=click.IntRange(1))
def trigger(change: int) -> None:
    """Send submitted change CHANGE (a change-commit trigger's %change%); spool it if ghee is slow or down.

    Never takes much longer than GHEE_SEND_SECONDS (4 by default); sends
    what earlier runs spooled first.
    """
    settings = _settings()
    sender = Sender(settings, SOURCE, budget=settings.send_seconds)
    try:
        entry = new_entry(f"p4-{change}", describe_change(change, timeout=max(settings.send_seconds, 1.0)))
    except P4Failed as exc:
        click.echo(f"ghee: p4 describe {change} failed, spooled to describe later: {exc}", err=True)
        entry = new_entry(f"p4-{change}", p4_change=change)
    describe_later = functools.partial(describe_change, timeout=max(settings.send_seconds / 2, 1.0))
    try:
        sender.send([entry], describe_later)
    except OSError as exc:
        raise click.ClickException(f"change {change} could not be kept in {sender.spool.folder}: {exc}") from None
    click.echo(f"ghee: change {change}: {sender.tally.line()}")


@p4_command.command("flush")
@click.option("--all", "everything", is_flag=True, help="Also send the changes still waiting out their backoff.")
def flush(*, everything: bool) -> None:
    """Send the changes earlier triggers spooled (from cron, e.g. every 5 minutes); exit status 1 if some remain."""
    settings = _settings()
    sender = Sender(settings, SOURCE, budget=None)
    sender.flush(functools.partial(describe_change, timeout=FLUSH_REQUEST_SECONDS), everything=everything)
    waiting = len(sender.spool.entries())
    click.echo(f"ghee: {sender.tally.line()}; {waiting} waiting in {sender.spool.folder}")
    if waiting:
        raise SystemExit(1)


@p4_command.command("backfill")
@click.option("--since", required=True, help="A change number (included) or a date, YYYY/MM/DD.")
@click.option("--path", default="//...", show_default=True, help="Only changes under this depot path.")
def backfill(since: str, path: str) -> None:
    """Import submitted changes since a change or a date, oldest first; running it again changes nothing."""
    settings = _settings()
    sender = Sender(settings, SOURCE, budget=None)
    try:
        numbers = submitted_since(since, path, BACKFILL_P4_SECONDS)
    except (Invalid, P4Failed) as exc:
        raise click.ClickException(str(exc)) from None
    rejected = 0
    for done, number in enumerate(numbers, start=1):
        try:
            outcome, problem = sender.post(describe_change(number, timeout=FLUSH_REQUEST_SECONDS))
        except P4Failed as exc:
            outcome, problem = Outcome.RETRY, str(exc)
        if outcome is Outcome.RETRY:
            click.echo("", err=True)
            raise click.ClickException(f"stopped at change {number}: {problem}; resume with --since {number}")
        if outcome is Outcome.REJECTED:
            rejected += 1
            click.echo(f"\nghee refused change {number}: {problem}", err=True)
        click.echo(f"\rimported {done:,} of {len(numbers):,} changes (up to {number})", nl=False, err=True)
    click.echo("", err=True)
    click.echo(f"ghee: {len(numbers) - rejected} of {len(numbers)} changes since {since} are in ghee")
    if rejected:
        raise SystemExit(1)
