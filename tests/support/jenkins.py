"""The Jenkins sync under test: connecting a fake Jenkins, running a pass, reading what it wrote."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import sqlalchemy as sa
from cryptography.fernet import Fernet

from ghee.config import Settings
from ghee.db.database import opened
from ghee.db.engine import create_engine
from ghee.db.tables import build_dispatches, connections, jobs
from ghee.integrations.jenkins.dispatch import dispatch_due
from ghee.integrations.jenkins.loop import PassOutcome, sync_now
from tests.support.api import Api
from tests.support.fake_jenkins import FakeJenkins
from tests.support.servers import Server

SECRET_KEY = Fernet.generate_key().decode()


def connect(api: Api, jenkins: FakeJenkins, **fields: Any) -> dict[str, Any]:
    """Add a connection to ``jenkins`` under a fresh name; returns the API's answer."""
    body = {
        "name": f"Jenkins {uuid.uuid4().hex[:8]}",
        "url": jenkins.url,
        "username": jenkins.user,
        "token": jenkins.token,
    }
    return api.ok("POST", "/api/v1/connections", 201, json={**body, **fields})  # type: ignore[no-any-return]


def sync(settings: Settings, name: str) -> PassOutcome:
    """One pass of the connection ``name``, as ``ghee sync NAME`` runs it; asserts it succeeded."""
    [outcome] = asyncio.run(sync_now(settings, name))
    assert outcome.error is None, outcome.error
    assert outcome.stats is not None
    return outcome


def dispatch(settings: Settings, *, within: float = 5.0) -> None:
    """Run the dispatcher, as a worker does, until no build waits to be sent or followed (or ``within`` seconds)."""

    async def run() -> None:
        async with opened(settings.database_url) as db:
            loop = asyncio.get_running_loop()
            deadline = loop.time() + within
            while loop.time() < deadline:
                await dispatch_due(db, settings)
                open_now = await db.read().first(
                    sa.select(sa.func.count())
                    .select_from(build_dispatches)
                    .where(build_dispatches.c.state != "failed"),
                    {},
                )
                if not open_now or not open_now[0]:
                    return
                await asyncio.sleep(0.05)

    asyncio.run(run())


def query(server: Server, statement: sa.Executable) -> list[Any]:
    """Rows of ``statement`` on the server's database."""

    async def run() -> list[Any]:
        engine = create_engine(server.database_url)
        try:
            async with engine.connect() as conn:
                return list(await conn.execute(statement))
        finally:
            await engine.dispose()

    return asyncio.run(run())


def execute(server: Server, statement: sa.Executable) -> None:
    """Run ``statement`` on the server's database and commit (a test arranging a state)."""

    async def run() -> None:
        engine = create_engine(server.database_url)
        try:
            async with engine.begin() as conn:
                await conn.execute(statement)
        finally:
            await engine.dispose()

    asyncio.run(run())


def assert_problem(response: httpx.Response, status: int, code: str, field: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, (response.status_code, response.text)
    body: dict[str, Any] = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code
    assert "Traceback" not in body["error"]["message"]
    if field is not None:
        assert body["error"]["details"]["field"] == field
    return body


def job_rows(server: Server, connection: dict[str, Any]) -> dict[str, Any]:
    stmt = (
        sa.select(jobs)
        .join(connections, connections.c.id == jobs.c.connection_id)
        .where(connections.c.name == connection["name"])
    )
    return {row.full_name: row for row in query(server, stmt)}
