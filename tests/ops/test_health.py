"""``/healthz`` says the process is up; ``/readyz`` checks the database, Redis and the schema."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from ghee.db.engine import create_engine
from ghee.db.migrate import upgrade
from tests.support.databases import make_empty_database
from tests.support.servers import Server, serve_fresh, start_server
from tests.support.services import free_port, require_redis

VERSIONS = Path(__file__).parents[2] / "src" / "ghee" / "db" / "migrations" / "versions"
NEWEST_REVISION = max(path.name[:4] for path in VERSIONS.glob("[0-9][0-9][0-9][0-9]_*.py"))
"""The newest migration, by its file name (revision ids are the files' four-digit prefixes)."""


@pytest.fixture(scope="module")
def ops_server(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from serve_fresh(backend, tmp_path_factory, "health")


def _checks(response: httpx.Response) -> dict[str, bool]:
    return {check["name"]: check["ok"] for check in response.json()["checks"]}


def test_healthz_answers_without_a_token(ops_server: Server) -> None:
    response = httpx.get(ops_server.base_url + "/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_lists_each_check_when_all_pass(ops_server: Server) -> None:
    response = httpx.get(ops_server.base_url + "/readyz")
    assert response.status_code == 200, response.text
    assert response.json()["ready"] is True
    assert _checks(response) == {"database": True, "migrations": True}


def test_ops_routes_stay_out_of_the_api_reference(ops_server: Server) -> None:
    paths = httpx.get(ops_server.base_url + "/openapi.json").json()["paths"]
    assert not {"/healthz", "/readyz", "/metrics"} & set(paths)


def test_readyz_is_503_when_migrations_are_behind(backend: str, tmp_path: Path) -> None:
    url, drop = make_empty_database(backend, tmp_path)

    async def migrate_to_0008() -> None:
        engine = create_engine(url)
        try:
            await upgrade(engine, "0008")
        finally:
            await engine.dispose()

    asyncio.run(migrate_to_0008())
    server = start_server(url, tmp_path / "serve.log", GHEE_WORKER_IN_PROCESS="0")
    try:
        response = httpx.get(server.base_url + "/readyz")
        assert httpx.get(server.base_url + "/healthz").status_code == 200
    finally:
        server.stop()
        drop()
    assert response.status_code == 503
    assert _checks(response) == {"database": True, "migrations": False}
    migrations = next(check for check in response.json()["checks"] if check["name"] == "migrations")
    assert migrations["detail"] == f"at 0008, newest is {NEWEST_REVISION}"


@pytest.fixture
def unreachable_redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    nowhere = f"redis://127.0.0.1:{free_port()}/0"
    yield from serve_fresh("sqlite", tmp_path_factory, "no-redis", GHEE_REDIS_URL=nowhere)


@pytest.fixture
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from serve_fresh("sqlite", tmp_path_factory, "redis", GHEE_REDIS_URL=require_redis())


def test_readyz_is_503_when_redis_is_configured_but_unreachable(unreachable_redis_server: Server) -> None:
    response = httpx.get(unreachable_redis_server.base_url + "/readyz", timeout=30)
    assert response.status_code == 503
    assert _checks(response) == {"database": True, "migrations": True, "redis": False}


def test_readyz_checks_a_reachable_redis(redis_server: Server) -> None:
    response = httpx.get(redis_server.base_url + "/readyz")
    assert response.status_code == 200, response.text
    assert _checks(response) == {"database": True, "migrations": True, "redis": True}
