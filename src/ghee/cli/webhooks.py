"""``ghee webhook``: create, list and delete webhook subscriptions."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from ghee.cli.jobs import every_item, run_job
from ghee.config import get_settings

if TYPE_CHECKING:
    from ghee.db.database import Write


@click.group()
def webhook() -> None:
    """Create, list and delete webhook subscriptions."""


def _header(text: str) -> tuple[str, str]:
    name, sep, value = text.partition(":")
    if not sep or not name.strip():
        raise click.BadParameter(f"{text!r} is not 'Name: value'", param_hint="--header")
    return name.strip(), value.strip()


@webhook.command("create")
@click.option(
    "--url", required=True, help="Where to POST the events (http:// or https://); a chat service's webhook URL."
)
@click.option("--events", "patterns", required=True, help="Comma-separated: 'post.all,build.*' or '*'.")
@click.option("--header", "headers", multiple=True, help="A custom header 'Name: value' (repeatable; standard only).")
@click.option("--secret", default=None, help="whsec_ + base64; generated when not given (standard only).")
@click.option("--description", default="", help="What the subscription is for.")
@click.option(
    "--format",
    "shape",
    type=click.Choice(["standard", "slack", "discord", "teams"]),
    default="standard",
    help="standard: signed Standard Webhooks; slack, discord, teams: chat messages (docs/chat.md).",
)
@click.option("--projects", default="", help="Comma-separated project ids (proj_...): only their events.")
@click.option("--branches", default="", help="Comma-separated branch names: only builds of these.")
@click.option(
    "--quiet-minutes", type=click.IntRange(min=0), default=None, help="Chat: one 'failed' per job this often."
)
def webhook_create(  # noqa: PLR0913 (one argument per option)
    url: str,
    patterns: str,
    headers: tuple[str, ...],
    secret: str | None,
    description: str,
    shape: str,
    projects: str,
    branches: str,
    quiet_minutes: int | None,
) -> None:
    """Subscribe a URL to events; a standard subscription's signing secret is printed once, alone on the last line."""
    from ghee.db.sealing import sealer_for
    from ghee.delivery.subscriptions import SubscriptionChanges, create_subscription

    changes = SubscriptionChanges(
        url=url,
        events=_listed(patterns),
        headers=dict(_header(h) for h in headers) if headers else None,
        secret=secret,
        description=description,
        format=shape,
        projects=_listed(projects) or None,
        branches=_listed(branches) or None,
        quiet_minutes=quiet_minutes,
    )
    settings = get_settings()
    sealer = sealer_for(settings)

    async def job(work: Write) -> str:
        created = await create_subscription(work, sealer, changes, allow_private=settings.delivery.allow_private)
        made = created.subscription
        events = ", ".join(made.event_types)
        if not created.secret:
            return f"created {made.public_id} ({shape}) for {events}, to {made.url}"
        click.echo(f"created {made.public_id} for {events} - the signing secret:")
        return created.secret

    click.echo(run_job(job))


def _listed(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


@webhook.command("list")
def webhook_list() -> None:
    """List subscriptions (never their secrets)."""
    from ghee.delivery.subscriptions import list_subscriptions

    async def job(work: Write) -> None:
        click.echo(f"{'ID':<12} {'STATUS':<9} {'EVENTS':<30} URL")
        async for sub in every_item(work, list_subscriptions):
            status = "active" if sub.active else "disabled"
            click.echo(f"{sub.public_id:<12} {status:<9} {','.join(sub.event_types)[:30]:<30} {sub.url}")

    run_job(job)


@webhook.command("delete")
@click.argument("subscription_id")
def webhook_delete(subscription_id: str) -> None:
    """Delete a subscription and its delivery log."""
    from ghee.delivery.subscriptions import delete_subscription, get_subscription

    async def job(work: Write) -> str:
        subscription = await get_subscription(work, subscription_id)
        await delete_subscription(work, subscription)
        return subscription.public_id

    click.echo(f"deleted {run_job(job)}")
