"""Fixtures of the git tests: a ``ghee serve`` whose secret key the tests share (they make push secrets)."""

from __future__ import annotations

import pytest

from tests.support.servers import Server, shared_server
from tests.support.vcs import SECRET_KEY


@pytest.fixture(scope="session")
def server(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Server:
    """A ``ghee serve`` of the git and Perforce tests, with a known secret key and no background loops."""
    return shared_server(backend, tmp_path_factory, "changes", GHEE_SECRET_KEY=SECRET_KEY, GHEE_WORKER_IN_PROCESS="0")
