"""``ghee user``: create, list, disable, enable and delete the people who sign in, reset their passwords."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from ghee.cli.jobs import every_item, run_job

if TYPE_CHECKING:
    from ghee.core.users import User
    from ghee.db.database import Write


@click.group()
def user() -> None:
    """Create and list the people who sign in to the dashboard."""


@user.command("create")
@click.option("--email", required=True, help="What the user signs in with (stored lower-cased).")
@click.option("--name", default="", help="Shown in the dashboard; the e-mail's local part by default.")
@click.option("--admin", is_flag=True, help="May make admin tokens and open admin pages.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input instead of generating one.")
@click.option("--reset-password", is_flag=True, help="If the user exists, give it a new password instead of failing.")
@click.option("--revoke-tokens", is_flag=True, help="With --reset-password: also revoke every token of the user.")
def user_create(  # noqa: PLR0913 (one argument per option)
    email: str, name: str, *, admin: bool, password_stdin: bool, reset_password: bool, revoke_tokens: bool
) -> None:
    """Create a user; a generated password is printed once, alone on the last line."""
    from ghee.core.tokens import revoke_all_user_tokens
    from ghee.core.users import close_user_sessions, create_user, find_user, generate_password, set_password

    if revoke_tokens and not reset_password:
        raise click.UsageError("--revoke-tokens goes with --reset-password")

    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else generate_password()

    async def job(work: Write) -> str:
        existing = await find_user(work, email) if reset_password else None
        if existing is not None:
            await set_password(work, existing.id, password)
            ended = await close_user_sessions(work, existing.id)
            revoked = await revoke_all_user_tokens(work, existing.id) if revoke_tokens else 0
            also = f", revoked {revoked} token(s)" if revoke_tokens else ""
            return f"reset the password of {existing.email} (ended {ended} session(s){also})"
        created = await create_user(work, email=email, name=name, password=password, is_admin=admin)
        return f"created user {created.email}{' (admin)' if created.is_admin else ''}"

    click.echo(run_job(job))
    if not password_stdin:
        click.echo("password - store it now, it is not shown again:")
        click.echo(password)


async def _user_by_email(work: Write, email: str) -> User:
    from ghee.core.users import find_user
    from ghee.errors import NotFound

    found = await find_user(work, email)
    if found is None:
        raise NotFound("user", email)
    return found


@user.command("disable")
@click.argument("email")
def user_disable(email: str) -> None:
    """Disable a user: no sign-in, their sessions end, their tokens are refused until enabled again."""
    from ghee.core.users import disable_user

    async def job(work: Write) -> str:
        return (await disable_user(work, (await _user_by_email(work, email)).id)).email

    click.echo(f"disabled {run_job(job)}")


@user.command("enable")
@click.argument("email")
def user_enable(email: str) -> None:
    """Let a disabled user sign in again; their unrevoked tokens work again."""
    from ghee.core.users import enable_user

    async def job(work: Write) -> str:
        return (await enable_user(work, (await _user_by_email(work, email)).id)).email

    click.echo(f"enabled {run_job(job)}")


@user.command("delete")
@click.argument("email")
def user_delete(email: str) -> None:
    """Delete a user with their sessions and tokens (each token is refused from the next request)."""
    from ghee.core.users import delete_user

    async def job(work: Write) -> str:
        gone = await delete_user(work, (await _user_by_email(work, email)).id)
        return f"deleted {gone.user.email} (ended {gone.sessions} session(s), deleted {gone.tokens} token(s))"

    click.echo(run_job(job))


@user.command("reset-password")
@click.argument("email")
def user_reset_password(email: str) -> None:
    """Give a user a generated password, printed once alone on the last line; their sessions end."""
    from ghee.core.users import reset_password

    async def job(work: Write) -> tuple[str, str]:
        user, password = await reset_password(work, (await _user_by_email(work, email)).id)
        return user.email, password

    reset_email, password = run_job(job)
    click.echo(f"reset the password of {reset_email}")
    click.echo("password - store it now, it is not shown again:")
    click.echo(password)


@user.command("list")
def user_list() -> None:
    """List users."""
    from ghee.clock import iso
    from ghee.core.users import list_users

    async def job(work: Write) -> None:
        click.echo(f"{'EMAIL':<32} {'NAME':<24} {'ADMIN':<6} {'CREATED':<21} STATUS")
        async for u in every_item(work, list_users):
            status = f"disabled {iso(u.disabled_at)}" if u.disabled_at else "active"
            admin = "yes" if u.is_admin else "no"
            click.echo(f"{u.email[:32]:<32} {u.name[:24]:<24} {admin:<6} {iso(u.created_at):<21} {status}")

    run_job(job)
