"""``ghee webhook create|list|delete`` and ``ghee worker``'s graceful stop, run as real processes."""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.databases import make_database
from tests.support.services import GHEE, ROOT
from tests.support.webhooks import Receiver, wait_until


def ghee(url: str, *args: str, allow_private: bool = True) -> subprocess.CompletedProcess[str]:
    env = {"GHEE_DATABASE_URL": url, "PATH": "/usr/bin:/bin"}
    if allow_private:
        env["GHEE_WEBHOOK_ALLOW_PRIVATE"] = "1"
    return subprocess.run([GHEE, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)


@pytest.fixture
def database(backend: str, tmp_path: Path) -> Iterator[str]:
    url, drop = make_database(backend, tmp_path)
    yield url
    drop()


def test_webhook_commands_create_list_and_delete(database: str, receiver: Receiver) -> None:
    made = ghee(database, "webhook", "create", "--url", receiver.url("/cli"), "--events", "post.all,build.*",
                "--header", "X-Team: tools")  # fmt: skip
    assert made.returncode == 0, made.stderr
    *_, secret = made.stdout.strip().splitlines()
    assert secret.startswith("whsec_")
    webhook_id = made.stdout.split()[1]

    listed = ghee(database, "webhook", "list")
    assert webhook_id in listed.stdout
    assert "post.all,build.*" in listed.stdout
    assert secret not in listed.stdout

    assert ghee(database, "webhook", "delete", webhook_id).returncode == 0
    assert webhook_id not in ghee(database, "webhook", "list").stdout
    gone = ghee(database, "webhook", "delete", webhook_id)
    assert gone.returncode != 0
    assert "not found" in gone.stderr


def test_webhook_create_refuses_private_targets_unless_allowed(database: str) -> None:
    refused = ghee(database, "webhook", "create", "--url", "http://127.0.0.1:9/x", "--events", "*", allow_private=False)
    assert refused.returncode != 0
    assert "non-public address" in refused.stderr
    bad = ghee(database, "webhook", "create", "--url", "http://127.0.0.1:9/x", "--events", "nope")
    assert bad.returncode != 0
    assert "not a known event type" in bad.stderr


def test_worker_stops_gracefully_on_sigterm(database: str, tmp_path: Path) -> None:
    log = tmp_path / "worker.log"
    with log.open("wb") as out:
        worker = subprocess.Popen(
            [GHEE, "worker"], env={"GHEE_DATABASE_URL": database, "PATH": "/usr/bin:/bin"}, stdout=out, stderr=out
        )
    wait_until(lambda: "worker loops starting" in log.read_text() or worker.poll() is not None, "the worker")
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=30) == 0
    assert "worker loops stopped" in log.read_text()


def test_webhook_create_makes_a_chat_subscription_whose_url_is_never_printed(database: str, receiver: Receiver) -> None:
    chat_url = receiver.url("/services/T000/B000/very-secret-token")
    made = ghee(database, "webhook", "create", "--url", chat_url, "--events", "build.*", "--format", "slack",
                "--branches", "main", "--quiet-minutes", "30")  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert "(slack)" in made.stdout
    assert "very-secret-token" not in made.stdout
    assert "whsec_" not in made.stdout
    listed = ghee(database, "webhook", "list")
    assert made.stdout.split()[1] in listed.stdout
    assert "very-secret-token" not in listed.stdout
    signed = ghee(database, "webhook", "create", "--url", chat_url, "--events", "*", "--format", "discord",
                  "--secret", "whsec_" + "A" * 32)  # fmt: skip
    assert signed.returncode != 0
    assert len(signed.stderr.strip().splitlines()) == 1
