"""Fixtures of the dialect tests: their own server, clients of each scope, a project with one of everything, events.

This suite makes hundreds of projects, so it runs against its own ``ghee
serve`` and database (one per backend) rather than the session's shared one,
where other suites list projects. Its admin client is made once per server:
an ``httpx.Client`` costs ~25 ms to build, more than most of these tests.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from ghee.core.paging import Window
from ghee.core.projects import project_row_id
from ghee.core.tokens import list_tokens, revoke_token
from ghee.db.database import opened
from ghee.db.engine import create_engine
from ghee.db.tables import events
from tests.support.api import Api
from tests.support.servers import Server, shared_server

_numbers = itertools.count(10_000)

MakeClient = Callable[..., Api]


def fresh_number() -> int:
    """A changelist number no other test of this run has used, so its id is the plain ``cl_<number>``."""
    return next(_numbers)


def at_once(calls: list[Callable[[], httpx.Response]]) -> list[httpx.Response]:
    """Send every request at the same moment, each from its own thread; responses in the order of ``calls``."""
    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(lambda call: call(), calls))


def assert_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """Assert a ButterStack error: the status, JSON content and exactly ``{"error", "message"}``."""
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    assert set(body) == {"error", "message"}
    assert body["error"] == code
    assert body["message"]
    assert "Traceback" not in body["message"]
    return body


@pytest.fixture(scope="session")
def server(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Server:
    """A ``ghee serve`` of the dialect tests alone, over a fresh, migrated database of the backend."""
    return shared_server(backend, tmp_path_factory, "dialects")


@pytest.fixture(scope="session")
def _admin_api(server: Server) -> Iterator[Api]:
    client = Api(server, server.token("admin"))
    yield client
    client.http.close()


@pytest.fixture
def api(_admin_api: Api) -> Api:
    """A client with an admin token on the dialect tests' server."""
    return _admin_api


@pytest.fixture
def client(server: Server) -> Iterator[MakeClient]:
    """Make clients: ``client("read")``, ``client("write", project=p)``, ``client(rate_limit="2/minute")``."""
    made: list[Api] = []

    def make(scope: str = "admin", project: dict[str, Any] | None = None, rate_limit: str | None = None) -> Api:
        row = project_row_id(project["id"]) if project else None
        made.append(Api(server, server.token(scope, project_id=row, rate_limit=rate_limit)))
        return made[-1]

    yield make
    for api in made:
        api.http.close()


@dataclass(frozen=True)
class Estate:
    """A project with one of every resource: a changelist touching one asset, a successful build, a deployment."""

    project: dict[str, Any]
    changelist: dict[str, Any]
    asset: dict[str, Any]
    build: dict[str, Any]
    deployment: dict[str, Any]


def build_estate(api: Api) -> Estate:
    """Create an ``Estate`` through the API."""
    project = api.new_project()
    number = fresh_number()
    changelist = api.new_changelist(project["id"], number, [("//depot/Game/Content/T_Rock_D.uasset", "add")])
    asset = api.ok("GET", f"/v1/projects/{project['id']}/assets")["assets"][0]
    build = api.finished_build(project["id"], changelist=number)
    deployment = api.ok(
        "POST", f"/v1/builds/{build['id']}/deployments", 201, json={"platform": "steam", "branch": "beta"}
    )
    return Estate(project, changelist, asset, build, deployment)


@pytest.fixture
def estate(api: Api) -> Estate:
    """A project with one of everything, made by an admin."""
    return build_estate(api)


def events_of(server: Server, resource_ids: list[str]) -> list[tuple[str, str]]:
    """``(type, resource_id)`` of every event recorded about ``resource_ids``, oldest first."""

    async def run() -> list[tuple[str, str]]:
        engine = create_engine(server.database_url)
        try:
            async with engine.connect() as conn:
                rows = await conn.execute(
                    sa.select(events.c.type, events.c.resource_id)
                    .where(events.c.resource_id.in_(resource_ids))
                    .order_by(events.c.id)
                )
                return [(row.type, row.resource_id) for row in rows]
        finally:
            await engine.dispose()

    return asyncio.run(run())


def revoke_newest_token(server: Server) -> None:
    """Revoke the token created last on ``server``."""

    async def run() -> None:
        async with opened(server.database_url) as db, db.write() as work:
            newest = (await list_tokens(work, Window(1))).items[0]
            await revoke_token(work, newest.public_id)

    asyncio.run(run())
