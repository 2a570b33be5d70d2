"""The ``ghee`` command: thin wrappers that parse arguments and call the core.

Each command imports what it needs when it runs, and the commands that live
elsewhere (``worker``, ``backup``, ...) load only when called, so ``ghee
--help`` and a mistyped command answer without loading the database layer.
"""

from __future__ import annotations

import asyncio
import importlib
import os
import sys
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

import click

from ghee.config import DEFAULT_DATABASE_URL, ENVIRONMENT, SettingsError, get_settings
from ghee.core.scopes import SCOPES

if TYPE_CHECKING:
    from ghee.core.users import User
    from ghee.db.database import Write

T = TypeVar("T")


def _run(job: Callable[[Write], Awaitable[T]]) -> T:
    """Run ``job`` as one unit of work on the configured database, once it is known to be migrated."""
    from ghee.db.database import opened
    from ghee.db.readiness import require_schema

    database_url = get_settings().database_url

    async def main() -> T:
        await require_schema(database_url)  # creates nothing: no empty file where a database was expected
        async with opened(database_url) as db, db.write() as work:
            return await job(work)

    return asyncio.run(main())


def _refuse_unmigrated() -> None:
    """For a long-running command: refuse a database never migrated; warn if it cannot be reached yet."""
    from ghee.db.readiness import refuse_unmigrated

    down = asyncio.run(refuse_unmigrated(get_settings().database_url))
    if down is not None:
        click.echo(f"warning: {down}; starting anyway (answering 503 until it is back)", err=True)


class _LazyGroup(click.Group):
    """A group whose commands kept in other modules are imported only when one of them runs."""

    def __init__(self, *args: object, lazy: dict[str, tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._lazy = lazy  # name -> ("module:attribute", the summary --help shows)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *self._lazy])

    def invoke(self, ctx: click.Context) -> object:
        """Run the command; a ``GHEE_*`` variable ghee cannot use, or a domain error, is one line and exit status 1."""
        from ghee.errors import DomainError

        try:
            return super().invoke(ctx)
        except (SettingsError, DomainError) as exc:
            raise click.ClickException(str(exc)) from None

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self._lazy:
            return super().get_command(ctx, cmd_name)
        module, _, attribute = self._lazy[cmd_name][0].partition(":")
        command: click.Command = getattr(importlib.import_module(module), attribute)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(map(len, names))
        rows = []
        for name in names:
            if name in self._lazy:
                rows.append((name, click.Command(name, help=self._lazy[name][1]).get_short_help_str(limit)))
            elif (command := super().get_command(ctx, name)) is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit)))
        with formatter.section("Commands"):
            formatter.write_dl(rows)


_ELSEWHERE = {  # the summaries are the commands' own (tests/test_cli.py keeps them so)
    "worker": (
        "ghee.worker:worker_command",
        "Run the background loops (webhooks, retention, publishing, Jenkins sync, dispatch, follow) until SIGTERM.",
    ),
    "backup": (
        "ghee.ops.commands:backup_command",
        "Copy the SQLite database (while ghee serve runs), its media and key file to PATH.",
    ),
    "restore": (
        "ghee.ops.commands:restore_command",
        "Replace the SQLite database, media and key file with the backup at PATH, then migrate it.",
    ),
    "migrate-data": (
        "ghee.ops.commands:migrate_data_command",
        "Move every row from one database to an empty one, then compare them table by table.",
    ),
    "p4": (
        "ghee.integrations.perforce.commands:p4_command",
        "Send Perforce changes to ghee: a change-commit trigger, its spool, a history import.",
    ),
}


def _environment_help() -> str:
    width = max(len(name) for name, _ in ENVIRONMENT)
    lines = "\n".join(f"  {name:<{width}}  {summary}" for name, summary in ENVIRONMENT)
    return f"\b\nEnvironment variables (read once when a command starts):\n{lines}"


@click.group(cls=_LazyGroup, lazy=_ELSEWHERE, epilog=_environment_help())
@click.version_option(package_name="ghee")
def main() -> None:
    """ghee: a self-hosted build, release and content hub.

    Start with `ghee migrate` (creates the database GHEE_DATABASE_URL names),
    then `ghee serve`; `ghee demo` fills an empty database with a demo studio.
    """


@main.command()
def migrate() -> None:
    """Create or upgrade the database schema to the newest revision.

    An SQLite file is created if missing, in a folder that must exist; only
    the default database's folder (./data) is created too.
    """
    from alembic.util.exc import CommandError

    from ghee.db.engine import create_engine, shown_url
    from ghee.db.migrate import upgrade
    from ghee.db.readiness import CANNOT_CONNECT, require_folder, unreachable

    settings = get_settings()
    require_folder(settings.database_url, make_folder=settings.database_url == DEFAULT_DATABASE_URL)

    async def run() -> None:
        engine = create_engine(settings.database_url)
        try:
            await upgrade(engine)
        except CANNOT_CONNECT as exc:
            raise unreachable(settings.database_url, exc) from exc
        finally:
            await engine.dispose()

    try:
        asyncio.run(run())
    except CommandError as exc:  # a revision this ghee does not know: the database is newer than the code
        message = f"cannot migrate the database at {shown_url(settings.database_url)}: {exc}"
        raise click.ClickException(message) from None
    click.echo(f"database at {shown_url(settings.database_url)} is up to date")


def served_address(host: str, port: int) -> str:
    """The address ``ghee serve --host --port`` answers at, for ``GHEE_PUBLIC_URL`` when it is not set."""
    if host in ("", "0.0.0.0", "::"):  # noqa: S104 (listening everywhere: name the machine's own loopback)
        host = "127.0.0.1"
    elif ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64), help="Worker processes.")
def serve(host: str, port: int, workers: int) -> None:
    """Serve the HTTP API with granian."""
    from granian import Granian
    from granian.constants import Interfaces, Loops

    from ghee.ops.listening import require_free_port
    from ghee.ops.metrics_files import metrics_directory

    if not os.environ.get("GHEE_PUBLIC_URL", "").strip():
        # Links in answers name this address, never a request's Host header: the workers inherit it.
        os.environ["GHEE_PUBLIC_URL"] = served_address(host, port)
    get_settings()  # a malformed GHEE_* variable is refused here, once, not in every worker process
    require_free_port(host, port)  # granian shares a port (SO_REUSEPORT): a second ghee would answer alongside
    _refuse_unmigrated()
    with metrics_directory():
        Granian(
            "ghee.app:create_app",
            factory=True,
            address=host,
            port=port,
            workers=workers,
            interface=Interfaces.ASGI,
            loop=Loops.uvloop,
            log_access=False,
        ).serve()


@main.group()
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

    click.echo(_run(job))


@token.command("list")
def token_list() -> None:
    """List tokens (never their secrets), with their last use and expiry."""
    from ghee.clock import iso, utcnow
    from ghee.core.paging import Window
    from ghee.core.tokens import list_tokens

    async def job(work: Write) -> None:
        offset = 0
        now = utcnow()
        click.echo(f"{'ID':<14} {'NAME':<24} {'SCOPE':<6} {'PREFIX':<13} {'LAST USED':<21} {'EXPIRES':<21} STATUS")
        while True:
            page = await list_tokens(work, Window(100, offset))
            for t in page.items:
                status = "active"
                if t.revoked_at:
                    status = f"revoked {iso(t.revoked_at)}"
                elif t.expired(now):
                    status = "expired"
                last, expires = iso(t.last_used_at) or "never", iso(t.expires_at) or "never"
                click.echo(
                    f"{t.public_id:<14} {t.name[:24]:<24} {t.scope:<6} {t.prefix:<13} {last:<21} {expires:<21} {status}"
                )
            if not page.has_more:
                return
            offset += 100

    _run(job)


@token.command("revoke")
@click.argument("token_id")
def token_revoke(token_id: str) -> None:
    """Revoke a token by id; it stops working on its next request."""
    from ghee.core.tokens import revoke_token

    async def job(work: Write) -> str:
        return (await revoke_token(work, token_id)).public_id

    click.echo(f"revoked {_run(job)}")


@main.group()
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
    from ghee.core.sessions import close_user_sessions
    from ghee.core.tokens import revoke_all_user_tokens
    from ghee.core.users import create_user, find_user, generate_password, set_password

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

    click.echo(_run(job))
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

    click.echo(f"disabled {_run(job)}")


@user.command("enable")
@click.argument("email")
def user_enable(email: str) -> None:
    """Let a disabled user sign in again; their unrevoked tokens work again."""
    from ghee.core.users import enable_user

    async def job(work: Write) -> str:
        return (await enable_user(work, (await _user_by_email(work, email)).id)).email

    click.echo(f"enabled {_run(job)}")


@user.command("delete")
@click.argument("email")
def user_delete(email: str) -> None:
    """Delete a user with their sessions and tokens (each token is refused from the next request)."""
    from ghee.core.users import delete_user

    async def job(work: Write) -> str:
        gone = await delete_user(work, (await _user_by_email(work, email)).id)
        return f"deleted {gone.user.email} (ended {gone.sessions} session(s), deleted {gone.tokens} token(s))"

    click.echo(_run(job))


@user.command("reset-password")
@click.argument("email")
def user_reset_password(email: str) -> None:
    """Give a user a generated password, printed once alone on the last line; their sessions end."""
    from ghee.core.users import reset_password

    async def job(work: Write) -> tuple[str, str]:
        user, password = await reset_password(work, (await _user_by_email(work, email)).id)
        return user.email, password

    reset_email, password = _run(job)
    click.echo(f"reset the password of {reset_email}")
    click.echo("password - store it now, it is not shown again:")
    click.echo(password)


@user.command("list")
def user_list() -> None:
    """List users."""
    from ghee.clock import iso
    from ghee.core.paging import Window
    from ghee.core.users import list_users

    async def job(work: Write) -> None:
        offset = 0
        click.echo(f"{'EMAIL':<32} {'NAME':<24} {'ADMIN':<6} {'CREATED':<21} STATUS")
        while True:
            page = await list_users(work, Window(100, offset))
            for u in page.items:
                status = f"disabled {iso(u.disabled_at)}" if u.disabled_at else "active"
                admin = "yes" if u.is_admin else "no"
                click.echo(f"{u.email[:32]:<32} {u.name[:24]:<24} {admin:<6} {iso(u.created_at):<21} {status}")
            if not page.has_more:
                return
            offset += 100

    _run(job)


@main.group()
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

    click.echo(_run(job))


@project.command("list")
def project_list() -> None:
    """List projects by name."""
    from ghee.clock import iso
    from ghee.core.paging import Window
    from ghee.core.projects import list_projects

    async def job(work: Write) -> None:
        offset = 0
        click.echo(f"{'ID':<14} {'ENGINE':<10} {'CREATED':<21} NAME")
        while True:
            page = await list_projects(work, Window(100, offset))
            for p in page.items:
                click.echo(f"{p.public_id:<14} {p.engine:<10} {iso(p.created_at):<21} {p.name}")
            if not page.has_more:
                return
            offset += 100

    _run(job)


@main.command()
def demo() -> None:
    """Load a believable demo studio (idempotent: running it twice changes nothing)."""
    from ghee.demo import load_demo

    def progress(part: str) -> None:
        click.echo(f"loading {part}...", err=True)

    async def job(work: Write) -> str:
        return await load_demo(work, progress)

    click.echo(_run(job))


@main.group()
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

    click.echo(_run(job))


def _listed(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


@webhook.command("list")
def webhook_list() -> None:
    """List subscriptions (never their secrets)."""
    from ghee.core.paging import Window
    from ghee.delivery.subscriptions import list_subscriptions

    async def job(work: Write) -> None:
        offset = 0
        click.echo(f"{'ID':<12} {'STATUS':<9} {'EVENTS':<30} URL")
        while True:
            page = await list_subscriptions(work, Window(100, offset))
            for sub in page.items:
                status = "active" if sub.active else "disabled"
                click.echo(f"{sub.public_id:<12} {status:<9} {','.join(sub.event_types)[:30]:<30} {sub.url}")
            if not page.has_more:
                return
            offset += 100

    _run(job)


@webhook.command("delete")
@click.argument("subscription_id")
def webhook_delete(subscription_id: str) -> None:
    """Delete a subscription and its delivery log."""
    from ghee.delivery.subscriptions import delete_subscription, get_subscription

    async def job(work: Write) -> str:
        subscription = await get_subscription(work, subscription_id)
        await delete_subscription(work, subscription)
        return subscription.public_id

    click.echo(f"deleted {_run(job)}")


@main.command()
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


@main.group()
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

    counted = _run(job)
    click.echo(f"\nrollups rebuilt from {counted:,} finished builds")


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


@main.group(cls=_LazyGroup, lazy=_GIT_ELSEWHERE)
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

    public_id, secret = _run(job)
    click.echo(f"push URL: {settings.site.public_url}/v1/projects/{public_id}/git/push")
    click.echo("secret (GitHub and Gitea: the webhook's secret; GitLab: its secret token):")
    click.echo(secret)
