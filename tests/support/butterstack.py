"""Helpers of the ButterStack and buddybuild tests: fresh changelist numbers, simultaneous requests, an estate."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import httpx
import sqlalchemy as sa

from ghee.core.paging import Window
from ghee.core.tokens import list_tokens, revoke_token
from ghee.db.database import opened
from ghee.db.engine import create_engine
from ghee.db.tables import events
from tests.support.api import Api
from tests.support.servers import Server

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
