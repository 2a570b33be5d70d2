"""A cluster under test: two ghee servers and workers over one PostgreSQL and Redis, behind nothing but their ports."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ghee.core.sessions import open_session
from ghee.core.users import find_user
from ghee.dashboard.web import SESSION_COOKIE
from ghee.db.database import opened
from tests.support.api import Api
from tests.support.browser import add_user
from tests.support.jenkins import (
    SECRET_KEY,
)
from tests.support.servers import Server, start_server
from tests.support.services import require_postgres, require_redis, run_async
from tests.support.webhooks import (
    FAST_DELIVERY,
    WAIT,
    Hub,
    start_hub,
    start_worker,
    stop,
    stop_hub,
)

STEADY_LEASE = "30"
"""Webhook lease of the cluster's workers: far longer than a delivery takes even on a busy machine, so no
message is sent twice unless a worker dies."""


"""Webhook lease of the cluster's workers: far longer than a delivery takes even on a busy machine, so no
message is sent twice unless a worker dies."""


SENDS_PER_WORKER = 4
"""Messages a worker has in flight at most (``GHEE_WEBHOOK_CONCURRENCY``): more held at the receiver
means both workers are sending."""


"""Messages a worker has in flight at most (``GHEE_WEBHOOK_CONCURRENCY``): more held at the receiver
means both workers are sending."""


CRASH_LEASE = "2"
"""Webhook lease of a worker about to be killed: what it held passes to the other worker this soon."""


"""Webhook lease of a worker about to be killed: what it held passes to the other worker this soon."""


@dataclass
class Cluster:
    """Server A (with both workers and the database, as a delivery ``Hub``) and server B beside it."""

    hub: Hub
    b: Server
    b_api: Api
    env: dict[str, str]
    """What both servers and the workers were started with, beyond ``FAST_DELIVERY``."""

    @property
    def a(self) -> Server:
        return self.hub.server

    @property
    def a_api(self) -> Api:
        return self.hub.api

    @property
    def servers(self) -> tuple[Server, Server]:
        """Server A, then server B."""
        return self.a, self.b

    @property
    def apis(self) -> tuple[Api, Api]:
        """An admin client on each server, A first."""
        return self.a_api, self.b_api

    def swap_worker_for_a_short_lease_one(self) -> None:
        """Stop worker 0 and start one in its place whose leases last ``CRASH_LEASE`` (to be killed)."""
        stop(self.hub.workers[0])
        log = self.hub.tmp / "worker-short-lease.log"
        self.hub.workers[0] = start_worker(self.a, log, GHEE_WEBHOOK_LEASE_SECONDS=CRASH_LEASE)

    def restart_what_died(self) -> None:
        """Start server B again if a test killed it, and workers in place of the dead ones."""
        if self.b.process.poll() is not None:
            self.b_api.http.close()
            self.b.stop()
            log = self.hub.tmp / "serve-b-again.log"
            self.b = start_server(self.a.database_url, log, **{**FAST_DELIVERY, **self.env})
            self.b_api = Api(self.b, self.b.token("admin"))
        alive = [worker for worker in self.hub.workers if worker.poll() is None]
        dead = len(self.hub.workers) - len(alive)
        self.hub.workers = alive + [start_worker(self.a, self.hub.tmp / "worker-again.log") for _ in range(dead)]


def deliveries(api: Api, webhook_id: str) -> list[dict[str, Any]]:
    """Every delivery of the subscription, page by page."""
    found: list[dict[str, Any]] = []
    while True:
        page = api.ok("GET", f"/v1/webhooks/{webhook_id}/deliveries", params={"limit": 100, "offset": len(found)})
        found += page["deliveries"]
        if not page["has_more"]:
            return found


def session_cookies(server: Server) -> dict[str, str]:
    """The dashboard session cookie of a new admin user, opened straight in the server's database."""
    who = add_user(server, f"ops-{uuid.uuid4().hex[:8]}@example.com", "correct horse battery staple", is_admin=True)

    async def run() -> str:
        async with opened(server.database_url) as db, db.write() as work:
            user = await find_user(work, who.email)
            assert user is not None
            _, cookie = await open_session(work, user)
            return cookie

    return {SESSION_COOKIE: run_async(run)}


def start_cluster(tmp: Path, **extra_env: str) -> Cluster:
    """Two servers and two workers over a fresh PostgreSQL database, sharing the test Redis."""
    require_postgres()
    env = {
        "GHEE_REDIS_URL": require_redis(),
        "GHEE_WORKER_IN_PROCESS": "0",
        "GHEE_SECRET_KEY": SECRET_KEY,
        "GHEE_SYNC_INTERVAL": "1",
        "GHEE_WEBHOOK_CONCURRENCY": str(SENDS_PER_WORKER),
        "GHEE_WEBHOOK_TIMEOUT": str(WAIT),  # a message the receiver holds stays in flight, not retried
        **extra_env,
    }
    hub = start_hub("postgres", tmp, workers=0, **env)
    try:
        b = start_server(hub.server.database_url, tmp / "serve-b.log", **{**FAST_DELIVERY, **env})
    except BaseException:  # B did not start (pytest.fail): leave nothing of the cluster running
        stop_hub(hub)
        raise
    # The workers start once both servers answer, not competing with them for the CPU while they boot.
    hub.workers = [start_worker(hub.server, tmp / f"worker-{i}.log") for i in range(2)]
    return Cluster(hub, b, Api(b, b.token("admin")), env)


def stop_cluster(cluster: Cluster) -> None:
    """Stop whatever still runs (a server or worker killed by a test is already gone), drop the database."""
    cluster.b_api.http.close()
    cluster.b.stop()
    stop_hub(cluster.hub)
