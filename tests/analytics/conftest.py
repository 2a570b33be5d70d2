"""Fixtures of the analytics tests: their own server, and Jenkins jobs and builds written as the sync writes them.

Every test measures its own stretch of days (``Seeder.days``), so tests
sharing the server never see each other's builds.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.analytics import Seeder
from tests.support.api import Api
from tests.support.servers import Server, shared_server


@pytest.fixture(scope="session")
def server(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Server:
    """A ``ghee serve`` of the analytics tests alone, over a fresh, migrated database of the backend."""
    return shared_server(backend, tmp_path_factory, "analytics")


@pytest.fixture(scope="session")
def _admin_api(server: Server) -> Iterator[Api]:
    client = Api(server, server.token("read"))
    yield client
    client.http.close()


@pytest.fixture
def api(_admin_api: Api) -> Api:
    """A client with a read token on the analytics tests' server."""
    return _admin_api


@pytest.fixture
def seed(server: Server) -> Seeder:
    """Jobs and builds on this test's own stretch of days."""
    return Seeder(server)
