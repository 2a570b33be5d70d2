"""Fixtures and hooks every suite shares: the backends, the shared ``ghee serve``, clients of it.

Helpers live in ``tests/support/`` (services, databases, servers, the API client); this file holds only
fixtures and pytest hooks.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.support.api import Api
from tests.support.servers import Server, shared_server, stop_kept
from tests.support.services import BACKENDS, POSTGRES_URL, REDIS_URL, require_postgres, where

# Sign-ins check passwords many times a run: argon2's cheapest parameters here,
# in this process and in every server it starts (production keeps the standard cost).
os.environ.setdefault("GHEE_ARGON2_COST", "minimal")
# The slowest files start first, so the two workers of `make test` finish together.
SLOW_FIRST = (
    "tests/test_openapi_fuzz.py",
    "tests/delivery/test_crash.py",
    "tests/cluster/",
    "tests/ops/test_migrate_data.py",
    "tests/dashboard/",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Put the files of ``SLOW_FIRST`` first, in that order, keeping every other order as collected."""

    def rank(item: pytest.Item) -> int:
        return next((i for i, prefix in enumerate(SLOW_FIRST) if item.nodeid.startswith(prefix)), len(SLOW_FIRST))

    items.sort(key=rank)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say which backends this run used (a skipped service is easy to miss in a green run)."""
    used = ["sqlite"]
    used.append(f"postgresql ({where(POSTGRES_URL)})" if POSTGRES_URL else "postgresql skipped (not running)")
    used.append(f"redis ({where(REDIS_URL)})" if REDIS_URL else "redis skipped (not running)")
    terminalreporter.write_line("ghee backends: " + ", ".join(used))


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """Each storage test runs once on SQLite and once on PostgreSQL."""
    name: str = request.param
    if name == "postgres":
        require_postgres()
    return name


@pytest.fixture(scope="session", autouse=True)
def _kept_until_the_end() -> Iterator[None]:
    """Clean up what ``kept`` made when the session ends."""
    yield
    stop_kept()


@pytest.fixture(scope="session")
def server(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Server:
    """A real ``ghee serve`` over a fresh, migrated database of the backend."""
    return shared_server(backend, tmp_path_factory, "server")


@pytest.fixture
def api(server: Server) -> Iterator[Api]:
    """A client with an admin token on the backend's server."""
    client = Api(server, server.token("admin"))
    yield client
    client.http.close()


@pytest.fixture
def anonymous(server: Server) -> Iterator[Api]:
    """A client that sends no token."""
    client = Api(server, None)
    yield client
    client.http.close()
