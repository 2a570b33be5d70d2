"""Fixtures of the Jenkins tests: a fake Jenkins on a real socket, and a ``ghee serve`` sharing the sync's key."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet

from ghee.config import Settings
from ghee.db.engine import create_engine
from ghee.integrations.jenkins.loop import PassOutcome, sync_now
from tests.integrations.jenkins.fake_jenkins import FakeJenkins
from tests.support.api import Api
from tests.support.servers import Server, shared_server

SECRET_KEY = Fernet.generate_key().decode()


@pytest.fixture(scope="session")
def server(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Server:
    """A ``ghee serve`` of the Jenkins tests over a fresh database of the backend, with a known secret key.

    It runs no background loops, so each test decides when a pass happens and
    can count the requests it makes (``test_scheduling`` shows the loops running
    inside ``ghee serve``).
    """
    return shared_server(backend, tmp_path_factory, "jenkins", GHEE_SECRET_KEY=SECRET_KEY, GHEE_WORKER_IN_PROCESS="0")


@pytest.fixture(scope="session")
def settings(server: Server) -> Settings:
    """What a sync worker on the same database is configured with."""
    return Settings(database_url=server.database_url, secret_key=SECRET_KEY)


@pytest.fixture
def jenkins() -> Iterator[FakeJenkins]:
    fake = FakeJenkins().start()
    yield fake
    fake.stop()


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
