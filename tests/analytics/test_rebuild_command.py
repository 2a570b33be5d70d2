"""``ghee analytics rebuild``: recompute the rollups from the builds, with a progress line."""

from __future__ import annotations

import os
import subprocess

from tests.support.analytics import Build, Seeder
from tests.support.api import Api
from tests.support.servers import Server
from tests.support.services import GHEE


def test_rebuild_command_restores_the_rollups(api: Api, server: Server, seed: Seeder) -> None:
    job = seed.job()
    seed.builds(job, Build(seed.day(0)), Build(seed.day(1), "FAILURE", duration_ms=5_000))
    before = api.ok("GET", "/api/v1/analytics/metrics", params={"job": job, **seed.window()})
    seed.delete_rollups_of(job)
    env = {**os.environ, "GHEE_DATABASE_URL": server.database_url}
    done = subprocess.run(
        [GHEE, "analytics", "rebuild"], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "rolled up" in done.stdout
    assert done.stdout.strip().splitlines()[-1].startswith("rollups rebuilt from ")
    assert api.ok("GET", "/api/v1/analytics/metrics", params={"job": job, **seed.window()}) == before
