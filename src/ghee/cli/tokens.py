"""``ghee token``: create, list and revoke personal access tokens."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from ghee.cli.jobs import every_item, run_job
from ghee.core.scopes import SCOPES

if TYPE_CHECKING:
    from ghee.db.database import Write


@click.group()
def token() -> None:
    """Create, list and revoke personal access tokens."""


@token.command("create")
@click.option("--name", required=True, help="What the token is for, e.g. 'jenkins-agent'.")
@click.option("--scopes", "scope", required=True, type=click.Choice(SCOPES), help="read < write < admin.")
@click.option("--project", "project", default=None, help="Restrict the token to one project (proj_...).")
@click.option("--rate-limit", default=None, help="Override the default, e.g. '600/minute;50/second'.")
@click.option("--replace", is_flag=True, help="First revoke live tokens with the same name.")
@click.option(
    "--expires",
    default=None,
    help="When it stops working: 90d, 12h, 2w from now, or an ISO date/time (a date: 00:00 UTC). Default: never.",
)
def token_create(  # noqa: PLR0913 (one argument per option)
    name: str, scope: str, project: str | None, rate_limit: str | None, expires: str | None, *, replace: bool
) -> None:
    """Create a token; the secret is printed once, alone on the last line."""
    from ghee.clock import iso, utcnow
    from ghee.core.projects import get_project
    from ghee.core.tokens import create_token, expiry_from, revoke_tokens_named

    expires_at = expiry_from(expires, utcnow()) if expires is not None else None

    async def job(work: Write) -> str:
        if replace and (revoked := await revoke_tokens_named(work, name)):
            click.echo(f"revoked {revoked} earlier token(s) named {name!r}")
        project_id = (await get_project(work, project)).id if project else None
        created, secret = await create_token(
            work, name=name, scope=scope, project_id=project_id, rate_limit=rate_limit, expires_at=expires_at
        )
        until = f", expires {iso(created.expires_at)}" if created.expires_at else ""
        click.echo(f"created {created.public_id} ({scope}{until}) - store the secret now, it is not shown again:")
        return secret

    click.echo(run_job(job))


@token.command("list")
def token_list() -> None:
    """List tokens (never their secrets), with their last use and expiry."""
    from ghee.clock import iso, utcnow
    from ghee.core.tokens import list_tokens

    async def job(work: Write) -> None:
        now = utcnow()
        click.echo(f"{'ID':<14} {'NAME':<24} {'SCOPE':<6} {'PREFIX':<13} {'LAST USED':<21} {'EXPIRES':<21} STATUS")
        async for t in every_item(work, list_tokens):
            status = "active"
            if t.revoked_at:
                status = f"revoked {iso(t.revoked_at)}"
            elif t.expired(now):
                status = "expired"
            last, expires = iso(t.last_used_at) or "never", iso(t.expires_at) or "never"
            click.echo(
                f"{t.public_id:<14} {t.name[:24]:<24} {t.scope:<6} {t.prefix:<13} {last:<21} {expires:<21} {status}"
            )

    run_job(job)


@token.command("revoke")
@click.argument("token_id")
def token_revoke(token_id: str) -> None:
    """Revoke a token by id; it stops working on its next request."""
    from ghee.core.tokens import revoke_token

    async def job(work: Write) -> str:
        return (await revoke_token(work, token_id)).public_id

    click.echo(f"revoked {run_job(job)}")
