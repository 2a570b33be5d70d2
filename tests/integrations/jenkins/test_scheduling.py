"""Who runs a pass and when: leases, backoff after failures, the worker loop, and ``ghee sync``."""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

from ghee.clock import utcnow
from ghee.config import Settings
from ghee.core.connections import claim_connection, connection_row_id, next_pass_after
from ghee.db.database import opened
from ghee.db.tables import connections
from ghee.integrations.jenkins.loop import sync_loop, sync_now
from tests.support.api import Api
from tests.support.databases import make_database
from tests.support.fake_jenkins import FakeJenkins
from tests.support.jenkins import SECRET_KEY, connect, query, sync
from tests.support.jenkins_estate import furnish
from tests.support.servers import Server, start_server
from tests.support.services import GHEE, ROOT


def _row(server: Server, public_id: str) -> sa.Row[tuple[object, ...]]:
    [row] = query(server, sa.select(connections).where(connections.c.id == connection_row_id(public_id)))
    return row  # type: ignore[no-any-return]


def _claim(server: Server, public_id: str, owner: str) -> int | None:
    async def run() -> int | None:
        async with opened(server.database_url) as db, db.write() as work:
            return await claim_connection(work, owner, connection_id=connection_row_id(public_id))

    return asyncio.run(run())


def test_a_leased_connection_is_not_synced_by_anyone_else(
    api: Api, server: Server, settings: Settings, jenkins: FakeJenkins
) -> None:
    made = connect(api, jenkins)
    assert _claim(server, made["id"], "worker-a") is not None
    assert _claim(server, made["id"], "worker-b") is None
    [outcome] = asyncio.run(sync_now(settings, made["name"]))
    assert outcome.stats is None
    assert outcome.error is not None
    assert "busy" in outcome.error
    assert not [r for r in jenkins.requests if "tree=jobs" in r[1]]


def test_a_failing_server_backs_off_and_the_others_still_sync(
    api: Api, server: Server, settings: Settings, jenkins: FakeJenkins
) -> None:
    broken = FakeJenkins().start()
    try:
        bad = connect(api, broken)
        good = connect(api, furnish(jenkins))
        broken.broken = True
        outcomes = {o.name: o for o in asyncio.run(sync_now(settings))}
        assert outcomes[good["name"]].error is None
        assert "HTTP 500" in (outcomes[bad["name"]].error or "")
        row = _row(server, bad["id"])
        assert (row.status, row.failures, row.last_sync_at, row.lease_owner) == ("error", 1, None, None)
        assert "HTTP 500" in row.last_error
        assert row.next_sync_at >= utcnow() + timedelta(seconds=settings.sync_interval)  # doubled: twice the interval
        listed = {c["id"]: c for c in api.ok("GET", "/api/v1/connections", params={"per_page": 100})["data"]}
        assert listed[bad["id"]]["status"] == "error"
        assert "HTTP 500" in listed[bad["id"]]["lastError"]
        assert listed[good["id"]]["status"] == "ok"

        broken.broken = False
        sync(settings, bad["name"])
        row = _row(server, bad["id"])
        assert (row.status, row.failures, row.last_error) == ("ok", 0, None)
    finally:
        broken.stop()


def test_backoff_doubles_up_to_an_hour() -> None:
    minute = timedelta(minutes=1)
    assert [next_pass_after(n, minute) for n in (0, 1, 2, 3)] == [minute, 2 * minute, 4 * minute, 8 * minute]
    assert next_pass_after(30, minute) == timedelta(hours=1)


def test_the_worker_loop_syncs_due_connections_until_stopped(
    api: Api, server: Server, settings: Settings, jenkins: FakeJenkins
) -> None:
    made = connect(api, furnish(jenkins))

    synced = sa.select(connections.c.last_sync_at).where(connections.c.id == connection_row_id(made["id"]))

    async def run() -> None:
        async with opened(server.database_url) as db:
            stop = asyncio.Event()
            loop = asyncio.create_task(sync_loop(settings, db, stop))
            try:
                for _ in range(1200):  # other tests' connections are due too; wait for this one's turn
                    row = await db.read().first(synced, {})
                    if (row is not None and row[0] is not None) or loop.done():
                        break
                    await asyncio.sleep(0.05)
            finally:
                stop.set()
                await asyncio.wait_for(loop, 60)

    asyncio.run(run())
    row = _row(server, made["id"])
    assert (row.status, row.lease_owner) == ("ok", None)
    assert row.next_sync_at > row.last_sync_at


def test_ghee_sync_runs_one_pass_and_prints_what_it_did(api: Api, server: Server, jenkins: FakeJenkins) -> None:
    made = connect(api, furnish(jenkins))
    env = {**os.environ, "GHEE_DATABASE_URL": server.database_url, "GHEE_SECRET_KEY": SECRET_KEY}
    done = subprocess.run(
        [GHEE, "sync", made["name"]], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert f"{made['name']}: 5 jobs, 5 changed, 8 builds written (7 finished)" in done.stdout
    assert "5/5 changed jobs of 5" in done.stderr
    unknown = subprocess.run(
        [GHEE, "sync", "no such server"], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert unknown.returncode != 0
    assert "not found" in unknown.stderr


def test_ghee_serve_on_sqlite_syncs_new_connections_by_itself(jenkins: FakeJenkins, tmp_path: Path) -> None:
    """With SQLite, ``ghee serve`` runs the sync loop in process: a connection added by API gets synced."""
    url, drop = make_database("sqlite", tmp_path)
    own = start_server(url, tmp_path / "serve.log", GHEE_SECRET_KEY=SECRET_KEY)
    api = Api(own, own.token("admin"))
    try:
        made = connect(api, furnish(jenkins))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and _row(own, made["id"]).last_sync_at is None:
            time.sleep(0.1)
        row = _row(own, made["id"])
        assert (row.status, row.last_error) == ("ok", None)
        listed = api.ok("GET", "/api/v1/jobs", params={"instance": made["name"], "per_page": 100})
        assert listed["meta"]["total"] == 5
    finally:
        api.http.close()
        own.stop()
        drop()
