"""``GET /v1/events``: the admin's event log, filtered, read on with a cursor after downtime."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Api, Server
from tests.delivery.conftest import Hub


def read_all(api: Api, **params: Any) -> tuple[list[dict[str, Any]], str | None]:
    """Every event from ``cursor`` on, page by page; returns them and the last cursor."""
    found: list[dict[str, Any]] = []
    while True:
        page = api.ok("GET", "/v1/events", params={"limit": 3, **params})
        found += page["events"]
        params["cursor"] = page["next_cursor"]
        if not page["has_more"]:
            return found, page["next_cursor"]


def test_a_client_catches_up_from_its_cursor(api: Api) -> None:
    project = api.new_project()
    events, cursor = read_all(api, resource=project["id"])
    assert [e["type"] for e in events] == ["project.created"]
    assert events[0]["data"] == {"id": project["id"], "name": project["name"], "engine": "unreal"}
    assert events[0]["project_id"] == project["id"]
    assert events[0]["created_at"].endswith("Z")

    # While the client is away, more happens; it reads on from where it stopped.
    build = api.new_build(project["id"])
    api.ok("PATCH", f"/v1/builds/{build['id']}", json={"status": "success"})
    later, _ = read_all(api, cursor=cursor, type="build.*")
    mine = [e for e in later if e["resource_id"] == build["id"]]
    assert [e["type"] for e in mine] == ["build.created", "build.updated", "build.finished"]
    assert all(e["id"].startswith("evt_") for e in later)


def test_filters_by_type_resource_type_and_since(api: Api) -> None:
    project = api.new_project()
    build = api.new_build(project["id"])
    exact = api.ok("GET", "/v1/events", params={"type": "build.created", "resource": build["id"]})["events"]
    assert [e["type"] for e in exact] == ["build.created"]
    kinds = api.ok("GET", "/v1/events", params={"resource_type": "build", "resource": build["id"]})["events"]
    assert {e["resource_type"] for e in kinds} == {"build"}
    future = api.ok("GET", "/v1/events", params={"since": "2999-01-01T00:00:00Z"})
    assert future == {"events": [], "limit": 50, "has_more": False, "next_cursor": None}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"type": "build.exploded"}, "type"),
        ({"cursor": "evt_nope"}, "cursor"),
        ({"cursor": "build_00000000"}, "cursor"),
        ({"since": "yesterday"}, "since"),
        ({"limit": 0}, "limit"),
    ],
)
def test_bad_filters_are_400(api: Api, params: dict[str, Any], field: str) -> None:
    response = api.get("/v1/events", params=params)
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "bad_request"
    assert field in response.json()["message"]


@pytest.mark.parametrize("scope", ["read", "write"])
def test_only_admins_read_the_event_log(hub: Hub, scope: str) -> None:
    server: Server = hub.server
    client = Api(server, server.token(scope))
    try:
        response = client.get("/v1/events")
        assert response.status_code == 403
        assert response.json()["error"] == "forbidden"
    finally:
        client.http.close()
