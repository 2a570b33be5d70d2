"""Fixtures of the Jenkins tests: a fake Jenkins on a real socket, and a ``ghee serve`` sharing the sync's key."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ghee.config import Settings
from tests.support.fake_jenkins import FakeJenkins
from tests.support.jenkins import SECRET_KEY
from tests.support.servers import Server, shared_server


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
