"""Fixtures of the BuildButler tests: their own server per backend, clients of each scope."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.api import Api
from tests.support.buildbutler import MakeClient
from tests.support.servers import Server, shared_server


@pytest.fixture(scope="session")
def server(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Server:
    """A ``ghee serve`` of the BuildButler tests alone, over a fresh, migrated database of the backend."""
    return shared_server(backend, tmp_path_factory, "buildbutler")


@pytest.fixture(scope="session")
def _admin_api(server: Server) -> Iterator[Api]:
    client = Api(server, server.token("admin"))
    yield client
    client.http.close()


@pytest.fixture
def api(_admin_api: Api) -> Api:
    """A client with an admin token on the BuildButler tests' server."""
    return _admin_api


@pytest.fixture
def client(server: Server) -> Iterator[MakeClient]:
    """Make clients: ``client("read")``, ``client("read", project_id=3)``."""
    made: list[Api] = []

    def make(scope: str = "admin", project_id: int | None = None) -> Api:
        made.append(Api(server, server.token(scope, project_id=project_id)))
        return made[-1]

    yield make
    for api in made:
        api.http.close()
