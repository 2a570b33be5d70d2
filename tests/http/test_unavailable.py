"""A database that cannot be reached answers 503 in each dialect's envelope, never 500."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.support.servers import start_server


def test_unreachable_database_answers_503(tmp_path: Path) -> None:
    down = start_server("postgresql://postgres@127.0.0.1:1/ghee", tmp_path / "down.log")
    try:
        butterstack = httpx.get(f"{down.base_url}/v1/projects", headers={"Authorization": "Bearer x"}, timeout=30)
        buddybuild = httpx.get(f"{down.base_url}/v1/apps", headers={"Authorization": "Bearer x"}, timeout=30)
    finally:
        down.stop()
    assert butterstack.status_code == 503
    assert butterstack.json() == {"error": "unavailable", "message": "The database is unavailable; try again shortly"}
    assert buddybuild.status_code == 503
    assert buddybuild.json() == {"error": "The database is unavailable; try again shortly"}
