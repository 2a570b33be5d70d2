"""Fixtures of the dialect tests: their own server, clients of each scope, a project with one of everything, events.

This suite makes hundreds of projects, so it runs against its own ``ghee
serve`` and database (one per backend) rather than the session's shared one,
where other suites list projects. Its admin client is made once per server:
an ``httpx.Client`` costs ~25 ms to build, more than most of these tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from ghee.core.projects import project_row_id
from tests.support.api import Api
from tests.support.butterstack import (
    Estate,
    MakeClient,
    build_estate,
)
from tests.support.servers import Server, shared_server


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


@pytest.fixture
def estate(api: Api) -> Estate:
    """A project with one of everything, made by an admin."""
    return build_estate(api)
