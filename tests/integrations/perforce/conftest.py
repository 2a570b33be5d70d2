"""Fixtures of the Perforce tests: the server the git tests use, and a stand-in ``p4`` on ``PATH``."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support.servers import Server
from tests.support.vcs import changes_server

HERE = Path(__file__).resolve().parent


@pytest.fixture(scope="session")
def server(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Server:
    return changes_server(backend, tmp_path_factory)


@pytest.fixture
def p4_env(tmp_path: Path) -> dict[str, str]:
    """What a trigger's environment adds: P4PORT, P4USER, P4TICKETS, and ``p4`` (the stand-in) first on PATH."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "p4").symlink_to(HERE / "stand_in_p4.py")
    return {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "P4PORT": "ssl:perforce.lantern.example:1666",
        "P4USER": "ghee-trigger",
        "P4TICKETS": str(tmp_path / ".p4tickets"),
        "FAKE_P4_RECORDED": str(HERE / "recorded"),
        "FAKE_P4_LOG": str(tmp_path / "p4.log"),
    }
