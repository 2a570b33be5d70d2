"""``/live`` sends each user what they may read, resuming after ``Last-Event-ID`` too, and ends with their session.

Issue 15, item 10: any signed-in user could replay the whole event log
(Jenkins connections, jobs and URLs included), and a stream opened before a
sign-out or a password reset kept delivering.
"""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from typing import Any

import httpx
import pytest

from ghee import ids
from ghee.core.builds.events import BuildFacts, build_event
from ghee.core.events import NewEvent, latest_cursor, record_events
from ghee.db.database import opened
from tests.support.browser import Credentials, signed_in_client
from tests.support.servers import Server
from tests.support.services import GHEE, run_async

JENKINS = "https://jenkins.studio.example"
NEW_PASSWORD = "a new password!"  # noqa: S105 (a test user's)
QUIET = 14.0
"""Seconds a stream may stay silent before the test gives up on it: under the 15 s heartbeat, so an open stream
that was not ended fails the test instead of keeping it waiting."""


def _ci_history(server: Server) -> tuple[str, str]:
    """A Jenkins connection, job and build recorded as core records them, then a marker; the cursor before them
    and the marker's id."""
    marker = f"proj_marker_{uuid.uuid4().hex[:8]}"
    connection, job = ids.encode("conn", 9001), ids.encode("j", 9001, "job")
    facts = BuildFacts(
        build_id=9001,
        project_id=None,
        job_id=9001,
        number=7,
        status="failed",
        result="FAILURE",
        platform="",
        configuration="",
        branch="main",
        url=f"{JENKINS}/job/game/job/main/7/",
    )
    happened = [
        NewEvent(
            "connection.created", "connection", connection, None, {"id": connection, "name": "Studio", "url": JENKINS}
        ),
        NewEvent(
            "job.created", "job", job, None, {"id": job, "name": "game/main", "folder": "game", "kind": "pipeline"}
        ),
        build_event("build.finished", facts),
        NewEvent("project.created", "project", marker, None, {"id": marker, "name": "Marker", "engine": "unreal"}),
    ]

    async def run() -> str:
        async with opened(server.database_url) as db:
            async with db.write() as work:
                await record_events(work, [NewEvent("project.created", "project", "proj_start", None, {})])
            cursor = await latest_cursor(db.read())
            assert cursor is not None
            async with db.write() as work:
                await record_events(work, happened)
            return cursor

    return run_async(run), marker


def _replayed(client: httpx.Client, cursor: str, marker: str) -> tuple[list[dict[str, Any]], str]:
    """The events ``/live`` replays after ``cursor``, up to the marker's; and the stream's text as sent."""
    found: list[dict[str, Any]] = []
    text: list[str] = []
    with client.stream("GET", "/live", headers={"Last-Event-ID": cursor}) as stream:
        assert stream.status_code == 200
        for line in stream.iter_lines():
            text.append(line)
            if line.startswith("data: "):
                found.append(json.loads(line[6:]))
                if found[-1]["resource_id"] == marker:
                    return found, "\n".join(text)
    raise AssertionError("the stream ended before the marker")


def test_a_user_who_is_not_an_admin_replays_no_jenkins_connection_job_or_url(dash_server: Server) -> None:
    cursor, marker = _ci_history(dash_server)
    client, _ = signed_in_client(dash_server, is_admin=False)
    with client:
        events, text = _replayed(client, cursor, marker)
    types = [event["type"] for event in events]
    assert not [kind for kind in types if kind.startswith(("connection.", "job."))]
    assert "build.finished" in types
    build = next(event for event in events if event["type"] == "build.finished")
    assert "url" not in build["payload"]
    assert build["payload"]["result"] == "FAILURE"  # the rest of the build is there
    assert "jenkins.studio.example" not in text


def test_an_admin_replays_the_whole_log(dash_server: Server) -> None:
    cursor, marker = _ci_history(dash_server)
    client, _ = signed_in_client(dash_server, is_admin=True)
    with client:
        events, _ = _replayed(client, cursor, marker)
    by_type = {event["type"]: event for event in events}
    assert {"connection.created", "job.created", "build.finished", "project.created"} <= set(by_type)
    assert by_type["connection.created"]["payload"]["url"] == JENKINS
    assert by_type["build.finished"]["payload"]["url"] == f"{JENKINS}/job/game/job/main/7/"


def _stream_until_it_ends(client: httpx.Client, end_session: Any) -> list[str]:
    """Open ``/live``, call ``end_session``, then read until the server ends the stream; its lines."""
    with client.stream("GET", "/live", timeout=httpx.Timeout(30, read=QUIET)) as stream:
        assert stream.status_code == 200
        end_session()
        return list(stream.iter_lines())


def _sign_out(client: httpx.Client) -> None:
    assert client.post("/logout").status_code == 303


def test_a_stream_ends_when_its_session_signs_out(dash_server: Server) -> None:
    client, _ = signed_in_client(dash_server, is_admin=False)
    with client:
        lines = _stream_until_it_ends(client, lambda: _sign_out(client))
        assert client.get("/live").status_code == 302  # the browser's reconnection is sent to the sign-in form
    assert not [line for line in lines if line.startswith("data: ")]


def _reset_in_the_dashboard(server: Server, who: Credentials) -> None:
    other, _ = signed_in_client(server, is_admin=False, who=who)  # the same user, on another device
    with other:
        changed = other.post(
            "/profile/password",
            data={"current_password": who.password, "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD},
        )
    assert changed.status_code == 303, changed.text


def _reset_with_the_cli(server: Server, who: Credentials) -> None:
    env = {**os.environ, "GHEE_DATABASE_URL": server.database_url}
    args = [GHEE, "user", "create", "--email", who.email, "--reset-password", "--password-stdin"]
    done = subprocess.run(args, env=env, input=NEW_PASSWORD + "\n", capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("reset", [_reset_in_the_dashboard, _reset_with_the_cli], ids=["dashboard", "cli"])
def test_a_stream_ends_when_its_user_password_is_reset(dash_server: Server, reset: Any) -> None:
    client, who = signed_in_client(dash_server, is_admin=False)
    with client:
        _stream_until_it_ends(client, lambda: reset(dash_server, who))
        assert client.get("/live").status_code == 302
