"""The CLI contract acceptance tooling drives: migrate, token create/list/revoke."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click
import httpx
import pytest
from sqlalchemy.engine import make_url

from ghee.cli import _ELSEWHERE, _GIT_ELSEWHERE, git, main
from tests.support.databases import make_database
from tests.support.servers import Server
from tests.support.services import GHEE


def ghee(*args: str, database_url: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GHEE_DATABASE_URL": database_url}
    return subprocess.run([GHEE, *args], env=env, capture_output=True, text=True, check=check, timeout=60)


@pytest.fixture
def fresh_sqlite(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    ghee("migrate", database_url=url)
    return url


def test_migrate_creates_the_database_and_is_repeatable(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ghee.db'}"
    first = ghee("migrate", database_url=url)
    second = ghee("migrate", database_url=url)
    assert (tmp_path / "ghee.db").exists()
    assert "up to date" in first.stdout
    assert second.returncode == 0


def test_migrate_never_prints_the_database_password(tmp_path: Path) -> None:
    """The test PostgreSQL trusts local connections, so any password gets in: it must not be echoed back."""
    url, drop = make_database("postgres", tmp_path)
    try:
        with_password = make_url(url).set(password="hunter2-s3cret").render_as_string(hide_password=False)  # noqa: S106
        done = ghee("migrate", database_url=with_password)
        assert "up to date" in done.stdout
        assert "hunter2-s3cret" not in done.stdout + done.stderr
        assert "***" in done.stdout
    finally:
        drop()


def test_token_create_prints_the_secret_alone_on_the_last_line(fresh_sqlite: str) -> None:
    out = ghee("token", "create", "--name", "ci", "--scopes", "write", database_url=fresh_sqlite).stdout
    last = out.strip().splitlines()[-1]
    assert last.startswith("ghee_")
    assert " " not in last


def test_token_list_shows_tokens_without_secrets(fresh_sqlite: str) -> None:
    secret = ghee("token", "create", "--name", "jenkins", "--scopes", "read", database_url=fresh_sqlite)
    secret_line = secret.stdout.strip().splitlines()[-1]
    listing = ghee("token", "list", database_url=fresh_sqlite).stdout
    assert "jenkins" in listing
    assert "active" in listing
    assert secret_line not in listing


def test_revoked_token_is_refused_by_a_running_server(server: Server) -> None:
    created = ghee("token", "create", "--name", "short-lived", "--scopes", "read", database_url=server.database_url)
    secret = created.stdout.strip().splitlines()[-1]
    token_id = created.stdout.split()[1]
    headers = {"Authorization": f"Bearer {secret}"}
    assert httpx.get(f"{server.base_url}/v1/projects", headers=headers).status_code == 200
    ghee("token", "revoke", token_id, database_url=server.database_url)
    assert httpx.get(f"{server.base_url}/v1/projects", headers=headers).status_code == 401


def test_token_create_with_project_restriction_and_rate_limit(server: Server) -> None:
    headers = {"Authorization": f"Bearer {server.token('admin')}"}
    project = httpx.post(
        f"{server.base_url}/v1/projects", json={"name": "CLI Restricted", "engine": "unity"}, headers=headers
    ).json()["id"]
    out = ghee(
        "token",
        "create",
        "--name",
        "scoped",
        "--scopes",
        "read",
        "--project",
        project,
        "--rate-limit",
        "600/minute;50/second",
        database_url=server.database_url,
    ).stdout
    scoped = {"Authorization": f"Bearer {out.strip().splitlines()[-1]}"}
    listed = httpx.get(f"{server.base_url}/v1/projects", headers=scoped)
    assert [p["id"] for p in listed.json()["projects"]] == [project]
    assert listed.headers["X-RateLimit-Limit"] == "600"


def test_replace_revokes_earlier_tokens_of_the_same_name(server: Server) -> None:
    first = ghee("token", "create", "--name", "make run", "--scopes", "admin", database_url=server.database_url)
    ghee("token", "create", "--name", "make run", "--scopes", "admin", "--replace", database_url=server.database_url)
    old = {"Authorization": f"Bearer {first.stdout.strip().splitlines()[-1]}"}
    assert httpx.get(f"{server.base_url}/v1/projects", headers=old).status_code == 401


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--rate-limit", "lots"), "rate_limit"),
        (("--project", "proj_nope"), "not found"),
    ],
)
def test_token_create_rejects_bad_input_without_a_traceback(
    fresh_sqlite: str, args: tuple[str, ...], message: str
) -> None:
    result = ghee("token", "create", "--name", "x", "--scopes", "read", *args, database_url=fresh_sqlite, check=False)
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("command", "variable", "value", "message"),
    [
        (("migrate",), "GHEE_SECRET_KEY", "not-a-key", "GHEE_SECRET_KEY must be a Fernet key"),
        (("serve", "--port", "1"), "GHEE_SYNC_INTERVAL", "soon", "GHEE_SYNC_INTERVAL must be a whole number"),
        (("worker",), "GHEE_WEBHOOK_BATCH", "-5", "GHEE_WEBHOOK_BATCH must be a whole number, 1 or more"),
        (("worker",), "GHEE_WEBHOOK_RETRY_SCHEDULE", "0,soon", "GHEE_WEBHOOK_RETRY_SCHEDULE must list"),
        (("migrate",), "GHEE_WORKER_POLL_SECONDS", "fast", "GHEE_WORKER_POLL_SECONDS must be a number of seconds"),
    ],
)
def test_a_malformed_setting_is_one_error_line_naming_it_not_a_traceback(
    tmp_path: Path, command: tuple[str, ...], variable: str, value: str, message: str
) -> None:
    env = {**os.environ, "GHEE_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}", variable: value}
    done = subprocess.run([GHEE, *command], env=env, capture_output=True, text=True, check=False, timeout=60)
    assert done.returncode == 1
    assert done.stderr.startswith(f"Error: {message}"), done.stderr
    assert "Traceback" not in done.stderr


def test_revoking_an_unknown_token_is_an_error(fresh_sqlite: str) -> None:
    result = ghee("token", "revoke", "tok_nope", database_url=fresh_sqlite, check=False)
    assert result.returncode != 0
    assert "not found" in result.stderr


def test_help_lists_every_command_without_loading_the_database_layer() -> None:
    # What a user sees first answers at once: no SQLAlchemy, no NumPy, no worker until a command runs.
    probe = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from ghee.cli import main\n"
        "result = CliRunner().invoke(main, ['--help'])\n"
        "print(result.output)\n"
        "print(sorted(m for m in ('sqlalchemy', 'numpy', 'ghee.worker', 'ghee.app') if m in sys.modules))\n"
    )
    shown = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60)
    commands = shown.stdout.split("Commands:")[1].split("Environment variables")[0]
    listed = {line.split()[0] for line in commands.splitlines() if line.startswith("  ") and line.strip()}
    assert listed == set(main.list_commands(click.Context(main)))
    assert {"worker", "backup", "restore", "migrate-data", "token", "serve"} <= listed
    assert shown.stdout.rstrip().endswith("[]")


@pytest.mark.parametrize("name", ["worker", "backup", "restore", "migrate-data", "p4"])
def test_a_command_kept_elsewhere_is_summed_up_in_help_as_it_sums_itself_up(name: str) -> None:
    command = main.get_command(click.Context(main), name)
    assert command is not None
    assert command.name == name
    assert _ELSEWHERE[name][1] == command.get_short_help_str(limit=1000)


@pytest.mark.parametrize("name", ["hook", "flush"])
def test_a_git_command_kept_elsewhere_is_summed_up_as_it_sums_itself_up(name: str) -> None:
    command = git.get_command(click.Context(git), name)
    assert command is not None
    assert command.name == name
    assert _GIT_ELSEWHERE[name][1] == command.get_short_help_str(limit=1000)


def test_token_create_expires_is_shown_in_token_list(fresh_sqlite: str) -> None:
    made = ghee(
        "token", "create", "--name", "quarterly", "--scopes", "read", "--expires", "90d", database_url=fresh_sqlite
    )
    expected = (datetime.now(UTC) + timedelta(days=90)).date().isoformat()
    assert f", expires {expected}T" in made.stdout.splitlines()[0]
    ghee("token", "create", "--name", "forever", "--scopes", "read", database_url=fresh_sqlite)
    rows = {line.split()[1]: line for line in ghee("token", "list", database_url=fresh_sqlite).stdout.splitlines()}
    assert re.search(rf"{expected}T\S+Z\s+active$", rows["quarterly"])
    assert re.search(r"never\s+never\s+active$", rows["forever"])


@pytest.mark.parametrize(
    ("expires", "message"),
    [
        ("soon", "expires: must be like 30d"),
        ("2020-01-01", "expires: must be in the future"),
        ("0d", "expires: must be in the future"),
    ],
)
def test_token_create_refuses_a_bad_expiry_in_one_line(fresh_sqlite: str, expires: str, message: str) -> None:
    done = ghee(
        "token",
        "create",
        "--name",
        "x",
        "--scopes",
        "read",
        "--expires",
        expires,
        database_url=fresh_sqlite,
        check=False,
    )
    assert done.returncode == 1
    assert len(done.stderr.strip().splitlines()) == 1
    assert done.stderr.startswith(f"Error: {message}")
    assert "Traceback" not in done.stderr
