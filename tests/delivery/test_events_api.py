"""``GET /v1/events``: the admin's event log, filtered, read on with a cursor after downtime."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

import pytest

from tests.support.api import Api
from tests.support.servers import Server
from tests.support.webhooks import Hub, read_all

T = TypeVar("T")


def eventually(read: Callable[[], T], done: Callable[[T], bool]) -> T:
    """``read()`` until ``done`` says so (10 s at most).

    On PostgreSQL an event shows once every writing transaction older than its
    own has ended in the database (docs/webhooks.md): a server's other work can
    hold it back a moment.
    """
    deadline = time.monotonic() + 10
    while not done(found := read()) and time.monotonic() < deadline:
        time.sleep(0.05)
    return found


def test_a_client_catches_up_from_its_cursor(api: Api) -> None:
    project = api.new_project()
    events, cursor = eventually(lambda: read_all(api, resource=project["id"]), lambda seen: bool(seen[0]))
    assert [e["type"] for e in events] == ["project.created"]
    assert events[0]["data"] == {"id": project["id"], "name": project["name"], "engine": "unreal"}
    assert events[0]["project_id"] == project["id"]
    assert events[0]["created_at"].endswith("Z")

    # While the client is away, more happens; it reads on from where it stopped.
    build = api.new_build(project["id"])
    api.ok("PATCH", f"/v1/builds/{build['id']}", json={"status": "success"})
    later, _ = eventually(
        lambda: read_all(api, cursor=cursor, type="build.*"),
        lambda seen: sum(e["resource_id"] == build["id"] for e in seen[0]) == 3,
    )
    mine = [e for e in later if e["resource_id"] == build["id"]]
    assert [e["type"] for e in mine] == ["build.created", "build.updated", "build.finished"]
    assert all(e["id"].startswith("evt_") for e in later)


def test_filters_by_type_resource_type_and_since(api: Api) -> None:
    project = api.new_project()
    build = api.new_build(project["id"])
    exact = eventually(
        lambda: api.ok("GET", "/v1/events", params={"type": "build.created", "resource": build["id"]})["events"],
        bool,
    )
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


def test_the_cursor_never_skips_an_event_committed_late(api: Api, backend: str) -> None:
    """Two writers: the one that took the lower id commits last. A reader following the cursor still gets both."""
    import asyncio  # noqa: PLC0415

    from ghee.core.events import record_event  # noqa: PLC0415
    from ghee.db.database import Write, opened  # noqa: PLC0415

    if backend != "postgres":
        pytest.skip("SQLite has one writer: events commit in id order")
    marker = api.new_project()["id"]
    _, cursor = read_all(api)

    async def write(work: Write, name: str) -> None:
        await record_event(work, "build.updated", resource_type="test", resource_id=name, project_id=None, payload={})

    def seen(after: str | None) -> list[str]:
        found, _ = read_all(api, resource_type="test", **({"cursor": after} if after else {}))
        return [e["resource_id"] for e in found if e["resource_id"].startswith(marker)]

    async def run() -> None:
        async with opened(api.server.database_url) as db, db.write() as slow:
            await write(slow, f"{marker}-slow")  # takes the lower id, commits when the block ends
            async with db.write() as quick:
                await write(quick, f"{marker}-quick")
            # The quick event is held back while a transaction that began before it is open.
            assert await asyncio.to_thread(seen, cursor) == []

    asyncio.run(run())
    assert eventually(lambda: seen(cursor), lambda found: len(found) == 2) == [f"{marker}-slow", f"{marker}-quick"]
