"""SIGKILL of one server and one worker under load loses no accepted write and no event.

Both servers take writes (changelists, builds, blog posts) mixed with reads
while a webhook subscribed to every event receives them. Once some writes
have gone through each server, server B and worker 0 are killed. Every write
that was answered 2xx is then read back through server A, and each of its
events reaches the receiver, signed: worker 1 takes over the deliveries
whose lease worker 0 held. The test ends by starting B and a worker again.
"""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.cluster.conftest import Cluster, deliveries
from tests.conftest import Api
from tests.delivery.conftest import Receiver, kill_hard, read_all, wait_until

pytestmark = pytest.mark.slow

ROUNDS = 12
"""Rounds of load per server; each writes a changelist, a build and a post, and reads the builds."""


@dataclass(frozen=True)
class Accepted:
    """A write answered 2xx: where to read it back, and the event it must have caused."""

    read_path: str
    event: str
    resource_id: str


@dataclass
class Load:
    """The writes each server accepted, counted as they happen."""

    accepted: list[Accepted]
    lock: threading.Lock

    def count(self) -> int:
        with self.lock:
            return len(self.accepted)


def _write(api: Api, load: Load, path: str, body: dict[str, Any], describe: Any) -> None:
    """Send one write; record it if it was accepted. A killed server's refusal or reset is not an acceptance."""
    try:
        response = api.post(path, json=body)
    except httpx.TransportError:
        return
    if response.is_success:
        with load.lock:
            load.accepted.append(describe(response.json()))


def _drive(api: Api, project_id: str, first_number: int, load: Load) -> None:
    """``ROUNDS`` rounds of writes and a read against one server."""
    for i in range(ROUNDS):
        number = first_number + i
        _write(
            api,
            load,
            f"/v1/projects/{project_id}/changelists",
            {"number": number, "author": "jane", "description": f"Change {number}", "files": []},
            lambda made: Accepted(f"/v1/changelists/{made['id']}", "changelist.created", made["id"]),
        )
        _write(
            api,
            load,
            f"/v1/projects/{project_id}/builds",
            {"platform": "win64", "configuration": "shipping", "changelist": None},
            lambda made: Accepted(f"/v1/builds/{made['id']}", "build.created", made["id"]),
        )
        slug = f"post-{uuid.uuid4().hex[:8]}"
        _write(
            api,
            load,
            "/v2/posts/",
            {"title": f"Post {slug}", "slug": slug, "body": "<p>Hello</p>", "status": "published"},
            lambda _, slug=slug: Accepted(f"/v2/posts/{slug}/", "post.create", slug),
        )
        try:
            api.get(f"/v1/projects/{project_id}/builds")
        except httpx.TransportError:
            continue


def test_killing_a_server_and_a_worker_mid_load_loses_no_write_and_no_event(
    cluster: Cluster, receiver: Receiver
) -> None:
    path = receiver.path("failover")
    hook = cluster.hub.subscribe(receiver, path, ["*"])
    project = cluster.a_api.new_project()
    _, cursor = read_all(cluster.a_api, limit=100)
    loads = [Load([], threading.Lock()) for _ in cluster.apis]
    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            driving = [
                pool.submit(_drive, api, project["id"], 1000 * (n + 1), load)
                for n, (api, load) in enumerate(zip(cluster.apis, loads, strict=True))
            ]
            wait_until(lambda: all(load.count() >= 6 for load in loads), "some writes through each server")
            kill_hard(cluster.b.process.pid)
            kill_hard(cluster.hub.workers[0].pid)
            during = loads[0].count()
            for future in driving:
                future.result()
        assert loads[0].count() > during, "server A took no write after the kill"
        assert cluster.b.process.wait() != 0

        accepted = [write for load in loads for write in load.accepted]
        for write in accepted:
            cluster.a_api.ok("GET", write.read_path)

        def events_of_accepted() -> dict[tuple[str, str], str] | None:
            logged, _ = read_all(cluster.a_api, cursor=cursor, limit=100)
            found = {(e["type"], e["resource_id"]): e["id"] for e in logged}
            return found if all((w.event, w.resource_id) in found for w in accepted) else None

        logged = wait_until(events_of_accepted, "the event of every accepted write")
        wanted = {logged[w.event, w.resource_id] for w in accepted}

        def delivered() -> set[str]:
            received = {r.headers["webhook-id"] for r in receiver.at(path)}
            return {
                d["event_id"]
                for d in deliveries(cluster.a_api, hook["id"])
                if d["state"] == "delivered" and d["id"] in received
            }

        wait_until(lambda: wanted <= delivered(), f"the {len(wanted)} events delivered by the surviving worker")
        for request in receiver.at(path):
            request.verified(hook["secret"])  # raises unless the signature is valid
    finally:
        cluster.restart_b_and_a_worker()
