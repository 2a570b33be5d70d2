"""``/metrics``: requests per route template, and the queue, delivery and sync figures read from the database."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from ghee.clock import utcnow
from ghee.db.engine import create_engine
from ghee.db.tables import connections, event_queue, events, webhook_attempts, webhook_deliveries, webhook_subscriptions
from ghee.ops.metrics import GROWING_TABLES
from tests.support.api import Api
from tests.support.databases import make_database
from tests.support.metrics import METRICS_TOKEN, scrape
from tests.support.servers import Server, serve_fresh, start_server

BUILDS_ROUTE = "/v1/projects/{project_id}/builds"


def requests_of(samples: dict[tuple[str, frozenset[tuple[str, str]]], float], route: str, status: str) -> float:
    labels = frozenset({("method", "GET"), ("route", route), ("status", status)})
    return samples.get(("ghee_http_requests_total", labels), 0.0)


@pytest.fixture(scope="module")
def metered(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    # No in-process worker: the deliveries this module writes must stay as written.
    yield from serve_fresh(
        backend, tmp_path_factory, "metrics", GHEE_METRICS_TOKEN=METRICS_TOKEN, GHEE_WORKER_IN_PROCESS="0"
    )


def test_metrics_refuse_a_scrape_without_the_token(metered: Server) -> None:
    assert httpx.get(metered.base_url + "/metrics").status_code == 401
    wrong = httpx.get(metered.base_url + "/metrics", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401


def test_requests_are_counted_per_route_template(metered: Server) -> None:
    api = Api(metered, metered.token("admin"))
    projects = [api.new_project()["id"] for _ in range(2)]
    before = scrape(metered)
    for project_id in [*projects, projects[0]]:
        assert api.get(f"/v1/projects/{project_id}/builds").status_code == 200
    assert api.get("/v1/projects/proj_doesnotexist/builds").status_code == 404
    api.http.close()
    assert httpx.get(metered.base_url + "/no/such/route").status_code == 404
    response = httpx.get(metered.base_url + "/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    after = scrape(metered)

    assert requests_of(after, BUILDS_ROUTE, "2xx") - requests_of(before, BUILDS_ROUTE, "2xx") == 3
    assert requests_of(after, BUILDS_ROUTE, "4xx") - requests_of(before, BUILDS_ROUTE, "4xx") == 1
    assert requests_of(after, "unmatched", "4xx") - requests_of(before, "unmatched", "4xx") == 1
    histogram = frozenset({("method", "GET"), ("route", BUILDS_ROUTE), ("status", "2xx")})
    assert after[("ghee_http_request_duration_seconds_count", histogram)] == requests_of(after, BUILDS_ROUTE, "2xx")
    assert all(project_id not in response.text for project_id in projects)  # templates, never raw paths
    assert "/no/such/route" not in response.text


async def _fill_queues(database_url: str) -> None:
    now = utcnow()
    engine = create_engine(database_url)
    try:
        async with engine.begin() as conn:
            event_ids = [
                (
                    await conn.execute(
                        events.insert().values(
                            type="build.created",
                            resource_type="build",
                            resource_id=f"bld_{n}",
                            project_id=None,
                            payload={},
                            created_at=now,
                        )
                    )
                ).inserted_primary_key[0]
                for n in range(3)
            ]
            await conn.execute(event_queue.insert(), [{"event_id": event_ids[0]}, {"event_id": event_ids[1]}])
            subscription_id = (
                await conn.execute(
                    webhook_subscriptions.insert().values(
                        url="https://hooks.example.com/ghee",
                        event_types=["*"],
                        headers={},
                        secret="whsec_dGVzdA==",  # noqa: S106 (a test value)
                        description="",
                        active=True,
                        created_at=now,
                        updated_at=now,
                    )
                )
            ).inserted_primary_key[0]
            delivery_ids = []
            for n, state in enumerate(["pending", "pending", "pending", "dead", "delivered"]):
                row = {
                    "subscription_id": subscription_id,
                    "event_id": event_ids[n % 3],
                    "event_type": "build.created",
                    "resource_key": f"build:{n}",
                    "state": state,
                    "attempts": 1,
                    "next_attempt_at": now + timedelta(hours=1),
                    "created_at": now,
                }
                inserted = await conn.execute(webhook_deliveries.insert().values(**row))
                delivery_ids.append(inserted.inserted_primary_key[0])
            attempt = {"number": 1, "started_at": now, "latency_ms": 5, "response_excerpt": ""}
            await conn.execute(
                webhook_attempts.insert(),
                [
                    {**attempt, "delivery_id": delivery_ids[0], "status_code": 500, "error": None},
                    {**attempt, "delivery_id": delivery_ids[3], "status_code": None, "error": "connection refused"},
                    {**attempt, "delivery_id": delivery_ids[4], "status_code": 204, "error": None},
                ],
            )
            jenkins = {"url": "https://ci.example.com", "username": "ci", "token_encrypted": "x", "failures": 0}
            jenkins["created_at"] = now
            await conn.execute(
                connections.insert(),
                [
                    {**jenkins, "name": "synced", "status": "ok", "last_sync_at": now - timedelta(minutes=10)},
                    {**jenkins, "name": "never", "status": "new", "last_sync_at": None},
                ],
            )
    finally:
        await engine.dispose()


def test_queue_delivery_and_sync_figures_come_from_the_database(backend: str, tmp_path: Path) -> None:
    url, drop = make_database(backend, tmp_path)
    asyncio.run(_fill_queues(url))
    server = start_server(url, tmp_path / "serve.log", GHEE_WORKER_IN_PROCESS="0")
    try:
        samples = scrape(server, token=None)
    finally:
        server.stop()
        drop()
    assert samples[("ghee_database_up", frozenset())] == 1
    assert samples[("ghee_event_queue_depth", frozenset())] == 2
    assert samples[("ghee_webhook_deliveries_pending", frozenset())] == 3
    assert samples[("ghee_webhook_deliveries_dead", frozenset())] == 1
    assert samples[("ghee_webhook_attempts_failed", frozenset())] == 2
    assert samples[("ghee_sync_never_synced", frozenset())] == 1
    lag = samples[("ghee_sync_lag_seconds", frozenset({("connection", "synced")}))]
    assert lag >= 600
    assert samples[("ghee_sync_lag_max_seconds", frozenset())] == lag
    assert ("ghee_sync_lag_seconds", frozenset({("connection", "never")})) not in samples
    sizes = {table: samples[("ghee_table_rows", frozenset({("table", table)}))] for table in GROWING_TABLES}
    assert sizes == {"events": 3, "webhook_deliveries": 5, "webhook_attempts": 3}


def test_every_worker_counts_into_one_scrape(tmp_path: Path) -> None:
    url, drop = make_database("sqlite", tmp_path)
    metric_files = tmp_path / "metrics"
    server = start_server(url, tmp_path / "serve.log", workers=2, PROMETHEUS_MULTIPROC_DIR=str(metric_files))
    try:
        for _ in range(40):  # a new connection each time, so both workers take some
            assert httpx.get(server.base_url + "/healthz", headers={"Connection": "close"}).status_code == 200
        totals = [requests_of(scrape(server, token=None), "/healthz", "2xx") for _ in range(4)]
        pids = {path.stem.rsplit("_", 1)[1] for path in metric_files.glob("counter_*.db")}
    finally:
        server.stop()
        drop()
    assert totals == [40, 40, 40, 40]
    assert len(pids) == 2
