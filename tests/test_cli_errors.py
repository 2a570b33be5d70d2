"""The CLI's failures a newcomer meets in the first hour: each one line on stderr, exit status 1, no traceback.

And none leaves anything behind: no empty database file, no folder made for a mistyped path.
"""

from __future__ import annotations

import os
import re
import socket
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from ghee.config import ENVIRONMENT
from tests.support.databases import make_database, make_empty_database, migrate
from tests.support.services import GHEE, ROOT

_SECRET = "hunter2-s3cret"  # noqa: S105 (a password that must never be echoed back)


def ghee(*args: str, env: dict[str, str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [GHEE, *args], env={**os.environ, **env}, capture_output=True, text=True, check=False, timeout=60, cwd=cwd
    )


def one_error_line(done: subprocess.CompletedProcess[str]) -> str:
    """The one line a failed command printed, after checking it failed as a user should see it fail."""
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("Error: ")
    assert _SECRET not in done.stdout + done.stderr
    return lines[0]


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (f"mysql://root:{_SECRET}@localhost/ghee", "GHEE_DATABASE_URL has the scheme 'mysql'"),
        ("::::", "GHEE_DATABASE_URL is not a database URL"),
        (f"postgresql://ghee:{_SECRET}@localhost:port/ghee", "GHEE_DATABASE_URL cannot be parsed"),
        (f"postgresql://ghee:{_SECRET}@127.0.0.1:1/ghee", "postgresql://ghee:***@127.0.0.1:1/ghee is unavailable"),
    ],
)
@pytest.mark.parametrize("command", [("migrate",), ("token", "list"), ("demo",), ("project", "create", "--name", "x")])
def test_a_bad_database_url_is_one_line_without_the_password(url: str, message: str, command: tuple[str, ...]) -> None:
    assert message in one_error_line(ghee(*command, env={"GHEE_DATABASE_URL": url}))


@pytest.mark.parametrize(
    "command",
    [("token", "list"), ("demo",), ("user", "list"), ("project", "list"), ("webhook", "list"), ("sync",), ("worker",)],
)
def test_a_never_migrated_sqlite_file_is_not_created_and_migrate_named(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    database = tmp_path / "never.db"
    line = one_error_line(ghee(*command, env={"GHEE_DATABASE_URL": f"sqlite:///{database}"}))
    assert line.endswith(f"the database at sqlite:///{database} does not exist yet: run `ghee migrate` first")
    assert list(tmp_path.iterdir()) == []


def test_serve_refuses_a_never_migrated_database(tmp_path: Path) -> None:
    line = one_error_line(ghee("serve", "--port", "1", env={"GHEE_DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}))
    assert "run `ghee migrate` first" in line
    assert list(tmp_path.iterdir()) == []


def test_an_empty_database_names_migrate(backend: str, tmp_path: Path) -> None:
    url, drop = make_empty_database(backend, tmp_path)
    if backend == "sqlite":
        Path(url.removeprefix("sqlite:///")).touch()  # what earlier versions left behind: an empty file
    try:
        assert "run `ghee migrate` first" in one_error_line(ghee("token", "list", env={"GHEE_DATABASE_URL": url}))
    finally:
        drop()


def test_a_schema_behind_this_ghee_names_migrate_then_migrate_brings_it_up(backend: str, tmp_path: Path) -> None:
    url, drop = make_empty_database(backend, tmp_path)
    try:
        migrate(url, "0020")
        line = one_error_line(ghee("token", "list", env={"GHEE_DATABASE_URL": url}))
        assert re.search(r"is at schema revision 0020, older than this ghee's \w+: run `ghee migrate`", line)
        assert ghee("migrate", env={"GHEE_DATABASE_URL": url}).returncode == 0
        assert ghee("token", "list", env={"GHEE_DATABASE_URL": url}).returncode == 0
    finally:
        drop()


def test_a_missing_folder_is_an_error_and_is_not_created(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'typo' / 'dir' / 'ghee.db'}"
    assert "does not exist yet: run `ghee migrate` first" in one_error_line(
        ghee("token", "list", env={"GHEE_DATABASE_URL": url})
    )
    line = one_error_line(ghee("migrate", env={"GHEE_DATABASE_URL": url}))
    assert f"the folder {tmp_path / 'typo' / 'dir'} does not exist; create it first" in line
    assert not (tmp_path / "typo").exists()


def test_a_command_before_the_first_migrate_names_it(tmp_path: Path) -> None:
    env = {name: value for name, value in os.environ.items() if name != "GHEE_DATABASE_URL"}
    done = subprocess.run([GHEE, "token", "list"], env=env, capture_output=True, text=True, check=False, cwd=tmp_path)
    assert "sqlite:///./data/ghee.db does not exist yet: run `ghee migrate` first" in one_error_line(done)
    assert list(tmp_path.iterdir()) == []


def test_migrate_creates_the_default_database_and_its_folder(tmp_path: Path) -> None:
    env = {name: value for name, value in os.environ.items() if name != "GHEE_DATABASE_URL"}
    done = subprocess.run([GHEE, "migrate"], env=env, capture_output=True, text=True, check=True, cwd=tmp_path)
    assert "up to date" in done.stdout
    assert (tmp_path / "data" / "ghee.db").is_file()


@pytest.fixture
def taken_port() -> Iterator[int]:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield listener.getsockname()[1]


def test_serve_refuses_a_port_in_use(tmp_path: Path, taken_port: int) -> None:
    url, _ = make_database("sqlite", tmp_path)
    line = one_error_line(ghee("serve", "--port", str(taken_port), env={"GHEE_DATABASE_URL": url}))
    assert f"127.0.0.1:{taken_port} is already in use" in line


def test_project_create_prints_the_id_last_and_refuses_a_taken_name(backend: str, tmp_path: Path) -> None:
    url, drop = make_database(backend, tmp_path)
    env = {"GHEE_DATABASE_URL": url}
    try:
        made = ghee("project", "create", "--name", "First Light", "--engine", "godot", env=env)
        assert made.returncode == 0, made.stderr
        project_id = made.stdout.strip().splitlines()[-1]
        assert re.fullmatch(r"proj_\w+", project_id)
        listed = ghee("project", "list", env=env).stdout
        assert re.search(rf"{project_id}\s+godot\s+\S+\s+First Light", listed)
        assert "already exists" in one_error_line(ghee("project", "create", "--name", "First Light", env=env))
        assert "engine: must be one of" in one_error_line(
            ghee("project", "create", "--name", "Other", "--engine", "cobol", env=env)
        )
    finally:
        drop()


def test_help_names_every_environment_variable_ghee_reads() -> None:
    shown = ghee("--help", env={}).stdout
    listed = {name for name, _ in ENVIRONMENT}
    read = set()
    for source in (ROOT / "src" / "ghee").rglob("*.py"):
        read |= set(re.findall(r"\bGHEE_[A-Z0-9_]*[A-Z0-9]\b", source.read_text()))
    assert read == listed
    for name in listed:
        assert re.search(rf"^\s+{name}\s", shown, re.MULTILINE), name


def test_a_database_from_a_newer_ghee_is_one_line_for_migrate_and_every_command(tmp_path: Path) -> None:
    url, _ = make_database("sqlite", tmp_path)
    with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    env = {"GHEE_DATABASE_URL": url}
    assert "which this ghee does not know: it needs a newer ghee" in one_error_line(ghee("token", "list", env=env))
    assert "Can't locate revision identified by '9999'" in one_error_line(ghee("migrate", env=env))
