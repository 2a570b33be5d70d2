"""Live: a push from Jenkins' Notification plugin syncs its job at once, and a running build is followed.

The server here runs its background loops (the follower among them) with
passes an hour apart, so after the first pass only a push or the follower
can move a build.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from ghee import ids
from ghee.db.tables import jobs
from tests.support.api import Api
from tests.support.fake_jenkins import PIPELINE, T0, FakeBuild, FakeFolder, FakeJenkins, FakeJob
from tests.support.jenkins import SECRET_KEY, assert_problem, connect, job_rows, query
from tests.support.jenkins_estate import STAGES
from tests.support.servers import Server, shared_server


@pytest.fixture(scope="session")
def server(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Server:
    """A ``ghee serve`` running its loops (sync, dispatch, follower) over a fresh database, passes an hour apart."""
    return shared_server(
        backend,
        tmp_path_factory,
        "jenkins-live",
        GHEE_SECRET_KEY=SECRET_KEY,
        GHEE_WORKER_IN_PROCESS="1",
        GHEE_SYNC_INTERVAL="3600",
    )


def _eventually(check: Callable[[], Any], within: float) -> Any:
    """Ask ``check`` until it answers something truthy; its last answer (falsy when ``within`` seconds ran out)."""
    deadline = time.monotonic() + within
    while True:
        answer = check()
        if answer or time.monotonic() > deadline:
            return answer
        time.sleep(0.05)


def _first_pass_done(api: Api, made: dict[str, Any]) -> None:
    def synced() -> bool:
        [connection] = [
            c for c in api.ok("GET", "/api/v1/connections", params={"per_page": 100})["data"] if c["id"] == made["id"]
        ]
        return connection["status"] == "ok"

    assert _eventually(synced, 30), "the in-process sync loop never ran the first pass"


def _push(url: str, body: object) -> httpx.Response:
    """Post as the Notification plugin does: JSON, no token, the secret in the URL it was given."""
    return httpx.post(url, json=body, timeout=10)


def _notification(number: int, phase: str, status: str | None = None) -> dict[str, Any]:
    """The Notification plugin's JSON (``JobState``), as it posts for a job ``game/client``."""
    build: dict[str, Any] = {
        "full_url": f"http://jenkins.example/job/game/job/client/{number}/",
        "number": number,
        "queue_id": 700 + number,
        "phase": phase,
        "timestamp": T0 + number,
        "url": f"job/game/job/client/{number}/",
        "scm": {
            "url": "git@example:game.git",
            "branch": "origin/main",
            "commit": "c6d86dc6",
            "changes": [],
            "culprits": [],
        },
        "parameters": {"PLATFORM": "win64"},
        "log": "",
        "notes": "",
        "artifacts": {},
    }
    if status is not None:
        build["status"] = status
    return {"name": "client", "display_name": "client", "url": "job/game/job/client/", "build": build}


@pytest.fixture
def live_game(api: Api, server: Server, jenkins: FakeJenkins) -> Iterator[tuple[dict[str, Any], str, FakeJob]]:
    """A connection to a Jenkins with the pipeline ``game/client`` (one finished build), synced, with a push URL."""
    jenkins.put("game", FakeFolder())
    client = jenkins.put("game/client", FakeJob(PIPELINE, label=None))
    client.add(FakeBuild(1, "SUCCESS", stages=STAGES[:2], log=b"Finished: SUCCESS\n"))
    made = connect(api, jenkins)
    _first_pass_done(api, made)
    push = api.ok("POST", f"/api/v1/connections/{made['id']}/push-secret", 201)
    assert push["url"].endswith(f"/api/v1/connections/{made['id']}/notifications?secret={push['secret']}")
    yield made, push["url"], client
    # The follower may still be syncing a job a test pushed: let it finish before this Jenkins stops.
    assert _eventually(lambda: not query(server, sa.select(jobs.c.id).where(jobs.c.nudged_at.is_not(None))), 10)


def _build(api: Api, job_id: str, number: int) -> dict[str, Any] | None:
    listed = api.ok("GET", f"/api/v1/jobs/{job_id}/builds", params={"per_page": 5})["data"]
    return next((b for b in listed if b["number"] == number), None)


def test_a_pushed_build_and_its_log_show_within_two_seconds_and_follow_it_to_the_end(
    api: Api, server: Server, live_game: tuple[dict[str, Any], str, FakeJob]
) -> None:
    made, url, client = live_game
    job_id = ids.encode("j", job_rows(server, made)["game/client"].id, "job")
    stages = [{**STAGES[0]}, {**STAGES[1], "status": "IN_PROGRESS"}]
    client.add(FakeBuild(2, None, building=True, timestamp=T0 + 60_000, stages=stages, log=b"Compiling shaders\n"))

    started = _push(url, _notification(2, "STARTED"))
    assert (started.status_code, started.json()) == (202, {"job": "game/client", "known": True})

    def running() -> dict[str, Any] | None:
        build = _build(api, job_id, 2)
        return build if build and build["building"] else None

    build = _eventually(running, 2.0)
    assert build, "the pushed build did not show within 2 s"
    assert [s["name"] for s in build["stages"]] == ["Checkout", "Build"]
    log = lambda: api.get(f"/api/v1/builds/{build['id']}/log").text  # noqa: E731
    assert "Compiling shaders" in log()

    # While it runs, the follower reads its log again every 2 s: no push needed.
    client.builds[2].log += b"error: shader compile failed\n"
    assert _eventually(lambda: "shader compile failed" in log(), 5.0), "the running build's log was not followed"

    client.builds[2] = FakeBuild(
        2,
        "FAILURE",
        duration=95_000,
        timestamp=T0 + 60_000,
        stages=stages,
        log=client.builds[2].log + b"Finished: FAILURE\n",
    )
    assert _push(url, _notification(2, "COMPLETED", "FAILURE")).status_code == 202
    finished = _eventually(lambda: (b := _build(api, job_id, 2)) and b["result"] == "FAILURE" and b, 2.0)
    assert finished, "the finished build did not show within 2 s of the push"
    assert (finished["building"], finished["duration"]) == (False, 95_000)
    assert "Finished: FAILURE" in log()


def test_a_push_for_a_job_ghee_does_not_know_makes_a_pass_due(
    api: Api, server: Server, live_game: tuple[dict[str, Any], str, FakeJob], jenkins: FakeJenkins
) -> None:
    made, url, _ = live_game
    jenkins.put("tools", FakeJob()).add(FakeBuild(1, "SUCCESS"))
    body = {**_notification(1, "STARTED"), "name": "tools", "url": "job/tools/"}
    answer = _push(url, body)
    assert (answer.status_code, answer.json()) == (202, {"job": "tools", "known": False})
    assert _eventually(lambda: "tools" in job_rows(server, made), 10.0), "the pass the push asked for never ran"


def test_pushes_are_refused_without_the_connection_secret_before_the_body_is_read(
    api: Api, server: Server, live_game: tuple[dict[str, Any], str, FakeJob]
) -> None:
    made, url, _ = live_game
    base = url.split("?")[0]
    for wrong in (base, f"{base}?secret=", f"{base}?secret=nope", url.replace(made["id"], "conn_zzzzzzzz")):
        # A body that is not JSON at all: the secret is refused first, so the answer is 401, not 400.
        refused = httpx.post(wrong, content=b"{" * 5000, timeout=10)
        assert_problem(refused, 401, "unauthorized")
    # A new secret retires the old one.
    again = api.ok("POST", f"/api/v1/connections/{made['id']}/push-secret", 201)
    assert_problem(_push(url, _notification(1, "STARTED")), 401, "unauthorized")
    assert _push(again["url"], _notification(1, "STARTED")).status_code == 202
    # Secrets are never listed, and only admins make them.
    assert again["secret"] not in api.get("/api/v1/connections").text
    writer = Api(server, server.token("write"))
    try:
        assert_problem(writer.post(f"/api/v1/connections/{made['id']}/push-secret"), 403, "forbidden")
    finally:
        writer.http.close()


def test_a_push_that_is_not_the_plugins_json_is_a_clear_400(
    live_game: tuple[dict[str, Any], str, FakeJob],
) -> None:
    _, url, _ = live_game
    bodies = [b"not json", b"[]", b'{"url": 5}', b'{"url": "job/"}', b'{"url": "view/all/job/x/"}', b'{"url": ""}']
    for body in [*bodies, b"[" * 3000, b'{"url": "job/x/", "build": ' * 3000]:
        answer = httpx.post(url, content=body, headers={"Content-Type": "application/json"}, timeout=10)
        assert_problem(answer, 400, "bad_request")
    too_big = httpx.post(url, content=b" " * (300 * 1024), headers={"Content-Type": "application/json"}, timeout=10)
    assert too_big.status_code == 413
