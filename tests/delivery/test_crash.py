"""At least once: a worker killed with SIGKILL mid-delivery, and a server restart, lose no event.

On SQLite the delivery loop runs inside ``ghee serve``, so the server is what
gets killed; on PostgreSQL a ``ghee worker`` process is killed and the server
restarted too. With three workers and no crash, each event is delivered once.
"""

from __future__ import annotations

from collections import Counter

import pytest

from tests.support.api import Api
from tests.support.servers import kill_hard, start_server
from tests.support.webhooks import (
    FAST_DELIVERY,
    Hub,
    Receiver,
    start_hub,
    start_worker,
    stop_hub,
    wait_until,
)


def _restart(hub: Hub) -> None:
    """Start the server again on the same database (and, on PostgreSQL, a fresh worker)."""
    hub.api.http.close()
    hub.server = start_server(hub.server.database_url, hub.tmp / "serve-again.log", **FAST_DELIVERY)
    hub.api = Api(hub.server, hub.server.token("admin"))
    if hub.backend == "postgres":
        hub.workers.append(start_worker(hub.server, hub.tmp / "worker-again.log"))


def test_sigkill_mid_delivery_and_a_restart_lose_no_event(
    backend: str, receiver: Receiver, tmp_path_factory: pytest.TempPathFactory
) -> None:
    hub = start_hub(backend, tmp_path_factory.mktemp(f"crash-{backend}"))
    try:
        path = receiver.path("crash")
        secret = hub.subscribe(receiver, path, ["project.created"])["secret"]
        gate = receiver.hold(path)
        before = [hub.api.new_project()["id"] for _ in range(10)]
        assert receiver.arrived[path].wait(60), "no delivery started"

        # A delivery is in flight, held by the receiver: kill whatever is sending it.
        if backend == "sqlite":
            kill_hard(hub.server.process.pid)
            hub.server.process.wait()
        else:
            kill_hard(hub.workers[0].pid)
            hub.workers[0].wait()
            hub.server.stop()
        gate.set()
        _restart(hub)
        after = [hub.api.new_project()["id"] for _ in range(10)]

        def delivered_ids() -> set[str]:
            return {r.verified(secret)["data"]["id"] for r in receiver.at(path)}

        wait_until(lambda: set(before + after) <= delivered_ids(), "every event, before and after the crash")
        for request in receiver.at(path):
            payload = request.verified(secret)  # raises unless the signature is valid
            assert payload["webhook"] == {"event": "project.created", "target": receiver.url(path)}
        # The message cut short went out again under the same id, so the receiver can tell it is a repeat.
        counts = Counter(r.headers["webhook-id"] for r in receiver.at(path))
        assert len(counts) == len(before) + len(after)
    finally:
        stop_hub(hub)


def test_three_workers_deliver_each_event_once(receiver: Receiver, tmp_path_factory: pytest.TempPathFactory) -> None:
    from tests.support.services import require_postgres  # noqa: PLC0415

    require_postgres()
    # Leases far longer than a send takes on a busy machine: without a crash, none passes to another worker.
    hub = start_hub("postgres", tmp_path_factory.mktemp("three-workers"), workers=3, GHEE_WEBHOOK_LEASE_SECONDS="30")
    try:
        path = receiver.path("three")
        secret = hub.subscribe(receiver, path, ["*"])["secret"]
        projects = [hub.api.new_project() for _ in range(20)]
        for project in projects:
            build = hub.api.new_build(project["id"])
            hub.api.ok("PATCH", f"/v1/builds/{build['id']}", json={"status": "success"})
        expected = len(projects) * 4  # project.created, build.created, build.updated, build.finished

        wait_until(lambda: len(receiver.at(path)) >= expected, f"{expected} deliveries")
        assert all(worker.poll() is None for worker in hub.workers)
        counts = Counter(r.headers["webhook-id"] for r in receiver.at(path))
        assert len(counts) == expected
        assert set(counts.values()) == {1}, "a message was delivered twice"
        assert Counter(r.verified(secret)["webhook"]["event"] for r in receiver.at(path)) == {
            "project.created": 20,
            "build.created": 20,
            "build.updated": 20,
            "build.finished": 20,
        }
    finally:
        stop_hub(hub)
