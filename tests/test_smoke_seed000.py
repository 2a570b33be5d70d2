"""Every example of seed 000 (ButterStack) answers with the seed's shape."""

from __future__ import annotations

from tests.support.api import Api


def test_list_projects_has_the_seed_shape(api: Api) -> None:
    project = api.new_project()
    body = api.ok("GET", "/v1/projects", params={"limit": 100})
    assert set(body) >= {"projects"}
    mine = next(p for p in body["projects"] if p["id"] == project["id"])
    assert set(mine) >= {"id", "name", "engine", "created_at"}
    assert mine["id"].startswith("proj_")
    assert mine["created_at"].endswith("Z")
