"""``ghee user create`` and ``ghee user list``: the way the first admin is made (``make run`` uses it)."""

from __future__ import annotations

import os
import re
import subprocess

import httpx

from ghee.core.tokens import create_token
from ghee.core.users import find_user
from ghee.db.database import opened
from tests.support.servers import Server
from tests.support.services import GHEE, run_async


def ghee(server: Server, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GHEE_DATABASE_URL": server.database_url}
    return subprocess.run([GHEE, *args], env=env, input=stdin, capture_output=True, text=True, check=False, timeout=60)


def signs_in(server: Server, email: str, password: str) -> bool:
    """Whether the dashboard's sign-in form accepts these credentials (over plain HTTP, as a browser would)."""
    with httpx.Client(base_url=server.base_url, timeout=30) as client:
        form = client.get("/login")
        csrf = re.search(r'name="_csrf" value="([^"]+)"', form.text)
        assert csrf is not None
        response = client.post("/login", data={"email": email, "password": password, "_csrf": csrf.group(1)})
    return response.status_code == 303 and "ghee_session" in response.cookies


def test_user_create_prints_a_password_that_signs_in(dash_server: Server) -> None:
    created = ghee(dash_server, "user", "create", "--email", "First.Admin@Example.com", "--admin")
    assert created.returncode == 0, created.stderr
    assert "created user first.admin@example.com (admin)" in created.stdout
    password = created.stdout.splitlines()[-1]
    assert len(password) >= 10
    assert signs_in(dash_server, "first.admin@example.com", password)

    listed = ghee(dash_server, "user", "list")
    assert re.search(r"first\.admin@example\.com\s+first\.admin\s+yes\s", listed.stdout)


def test_reset_password_is_idempotent_for_make_run(dash_server: Server) -> None:
    args = ("user", "create", "--email", "reset@example.com", "--admin", "--reset-password")
    first = ghee(dash_server, *args).stdout.splitlines()[-1]
    second_run = ghee(dash_server, *args)
    assert second_run.returncode == 0
    assert "reset the password of reset@example.com" in second_run.stdout
    second = second_run.stdout.splitlines()[-1]
    assert not signs_in(dash_server, "reset@example.com", first)
    assert signs_in(dash_server, "reset@example.com", second)


def test_password_from_stdin_and_clear_errors(dash_server: Server) -> None:
    short = ghee(dash_server, "user", "create", "--email", "stdin@example.com", "--password-stdin", stdin="too short\n")
    assert short.returncode != 0
    assert "password: must be at least 10 characters" in short.stderr
    assert "Traceback" not in short.stderr
    made = ghee(
        dash_server, "user", "create", "--email", "stdin@example.com", "--password-stdin", stdin="long enough secret\n"
    )
    assert made.returncode == 0
    assert "long enough secret" not in made.stdout
    assert signs_in(dash_server, "stdin@example.com", "long enough secret")
    again = ghee(dash_server, "user", "create", "--email", "STDIN@example.com")
    assert again.returncode != 0
    assert "already exists" in again.stderr


def test_a_reset_can_revoke_the_users_tokens_too(dash_server: Server) -> None:
    args = ("user", "create", "--email", "leaked@example.com", "--reset-password")
    assert ghee(dash_server, *args).returncode == 0
    token = _token_of(dash_server, "leaked@example.com")
    assert (
        httpx.get(f"{dash_server.base_url}/v1/projects", headers={"Authorization": f"Bearer {token}"}).status_code
        == 200
    )
    kept = ghee(dash_server, *args)
    assert "revoked" not in kept.stdout  # a plain reset leaves the tokens alone
    assert (
        httpx.get(f"{dash_server.base_url}/v1/projects", headers={"Authorization": f"Bearer {token}"}).status_code
        == 200
    )
    revoked = ghee(dash_server, *args, "--revoke-tokens")
    assert "revoked 1 token(s)" in revoked.stdout
    assert (
        httpx.get(f"{dash_server.base_url}/v1/projects", headers={"Authorization": f"Bearer {token}"}).status_code
        == 401
    )
    alone = ghee(dash_server, "user", "create", "--email", "x@example.com", "--revoke-tokens")
    assert alone.returncode != 0
    assert "--revoke-tokens goes with --reset-password" in alone.stderr


def _token_of(server: Server, email: str) -> str:
    """A read token belonging to the user ``email``, made as the profile page makes one."""

    async def run() -> str:
        async with opened(server.database_url) as db, db.write() as work:
            user = await find_user(work, email)
            assert user is not None
            return (await create_token(work, name="ci", scope="read", user_id=user.id))[1]

    return run_async(run)


def api_status(server: Server, token: str) -> int:
    return httpx.get(f"{server.base_url}/v1/projects", headers={"Authorization": f"Bearer {token}"}).status_code


def test_disable_enable_reset_and_delete_from_the_command_line(dash_server: Server) -> None:
    made = ghee(dash_server, "user", "create", "--email", "cli-managed@example.com")
    first = made.stdout.splitlines()[-1]
    token = _token_of(dash_server, "cli-managed@example.com")

    disabled = ghee(dash_server, "user", "disable", "CLI-Managed@example.com")
    assert disabled.returncode == 0, disabled.stderr
    assert disabled.stdout.strip() == "disabled cli-managed@example.com"
    assert not signs_in(dash_server, "cli-managed@example.com", first)
    assert api_status(dash_server, token) == 401
    assert re.search(r"cli-managed@example\.com .* disabled ", ghee(dash_server, "user", "list").stdout)

    enabled = ghee(dash_server, "user", "enable", "cli-managed@example.com")
    assert enabled.stdout.strip() == "enabled cli-managed@example.com"
    assert signs_in(dash_server, "cli-managed@example.com", first)
    assert api_status(dash_server, token) == 200

    reset = ghee(dash_server, "user", "reset-password", "cli-managed@example.com")
    assert reset.returncode == 0, reset.stderr
    second = reset.stdout.splitlines()[-1]
    assert not signs_in(dash_server, "cli-managed@example.com", first)
    assert signs_in(dash_server, "cli-managed@example.com", second)

    deleted = ghee(dash_server, "user", "delete", "cli-managed@example.com")
    assert deleted.returncode == 0, deleted.stderr
    assert "deleted cli-managed@example.com" in deleted.stdout
    assert "deleted 1 token(s)" in deleted.stdout
    assert api_status(dash_server, token) == 401
    assert not signs_in(dash_server, "cli-managed@example.com", second)


def test_user_commands_refuse_in_one_line(dash_server: Server) -> None:
    for action in ("disable", "enable", "delete", "reset-password"):
        unknown = ghee(dash_server, "user", action, "nobody-here@example.com")
        assert unknown.returncode != 0, action
        assert unknown.stderr.strip() == "Error: user 'nobody-here@example.com' not found", action
