"""SIGKILL of one server and one worker under load loses no accepted write and no event.

Both servers take writes (changelists, builds, blog posts) mixed with reads
while a webhook subscribed to every event receives them. Once some writes
have gone through each server, server B and worker 0 are killed. Every write
that was answered 2xx is then read back through server A, and each of its
events reaches the receiver, signed: worker 1 takes over the deliveries
whose lease worker 0 held (worker 0 is started with short leases, the
cluster's steady workers hold theirs longer so no message goes out twice
without a crash). The next test to use the cluster starts B and a worker again.
"""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from tests.support.api import Api
from tests.support.cluster import SENDS_PER_WORKER, Cluster, deliveries
from tests.support.servers import kill_hard
from tests.support.webhooks import Receiver, read_all, wait_until

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Accepted:
    """A write answered 2xx: where to read it back, and the event it must have caused."""

    read_path: str
    event: str
    resource_id: str


@dataclass
class Load:
    """Rounds of writes (a changelist, a build, a post) and a read against one server, until told to stop.

    A write answered 2xx is recorded as accepted; one whose server is gone
    (refused or reset) is not, and ends this server's load.
    """

    api: Api
    project_id: str
    first_number: int
    accepted: list[Accepted] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    stop: threading.Event = field(default_factory=threading.Event)

    def count(self) -> int:
        with self.lock:
            return len(self.accepted)

    def run(self) -> None:
        number = self.first_number
        try:
            while not self.stop.is_set():
                self._round(number)
                number += 1
        except httpx.TransportError:
            return

    def _round(self, number: int) -> None:
        project = f"/v1/projects/{self.project_id}"
        changelist = {"number": number, "author": "jane", "description": f"Change {number}", "files": []}
        if made := self._write(f"{project}/changelists", changelist):
            self._accept(Accepted(f"/v1/changelists/{made['id']}", "changelist.created", made["id"]))
        build = {"platform": "win64", "configuration": "shipping", "changelist": None}
        if made := self._write(f"{project}/builds", build):
            self._accept(Accepted(f"/v1/builds/{made['id']}", "build.created", made["id"]))
        slug = f"post-{uuid.uuid4().hex[:8]}"
        post = {"title": f"Post {slug}", "slug": slug, "body": "<p>Hello</p>", "status": "published"}
        if self._write("/v2/posts/", post):
            self._accept(Accepted(f"/v2/posts/{slug}/", "post.create", slug))
        self.api.get(f"{project}/builds")

    def _write(self, path: str, body: dict[str, Any]) -> dict[str, Any] | None:
        response = self.api.post(path, json=body)
        return response.json() if response.is_success else None  # type: ignore[no-any-return]

    def _accept(self, write: Accepted) -> None:
        with self.lock:
            self.accepted.append(write)


def test_killing_a_server_and_a_worker_mid_load_loses_no_write_and_no_event(
    cluster: Cluster, receiver: Receiver
) -> None:
    cluster.swap_worker_for_a_short_lease_one()
    path = receiver.path("failover")
    hook = cluster.hub.subscribe(receiver, path, ["*"])
    gate = receiver.hold(path)
    project = cluster.a_api.new_project()
    _, cursor = read_all(cluster.a_api, limit=100)
    loads = [Load(api, project["id"], 1000 * n) for n, api in enumerate(cluster.apis, start=1)]
    with ThreadPoolExecutor(max_workers=2) as pool:
        driving = [pool.submit(load.run) for load in loads]
        try:
            # Held by the receiver, more messages are in flight than one worker sends at once: both are sending.
            wait_until(
                lambda: all(load.count() >= 6 for load in loads) and len(receiver.at(path)) > SENDS_PER_WORKER,
                "writes through each server, and messages in flight from both workers",
            )
            kill_hard(cluster.b.process.pid)
            kill_hard(cluster.hub.workers[0].pid)
            gate.set()
            at_kill = loads[0].count()
            wait_until(lambda: loads[0].count() >= at_kill + 6, "more writes through server A after the kill")
        finally:
            gate.set()
            for load in loads:
                load.stop.set()
    for future in driving:
        future.result()
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
    # What worker 0 was sending when it died went out again, under the same id, once its lease passed.
    assert max(d["attempts"] for d in deliveries(cluster.a_api, hook["id"])) >= 2
