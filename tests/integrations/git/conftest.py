"""Fixtures of the git tests: a ``ghee serve`` whose secret key the tests share (they make push secrets)."""

from __future__ import annotations

import pytest

from tests.support.servers import Server
from tests.support.vcs import changes_server


@pytest.fixture(scope="session")
def server(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Server:
    return changes_server(backend, tmp_path_factory)
