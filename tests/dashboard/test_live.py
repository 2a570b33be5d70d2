"""``/live``: the event log as server-sent events, fed by API writes, resumable with ``Last-Event-ID``."""

from __future__ import annotations

import httpx
from playwright.sync_api import Page, expect

from tests.support.api import Api
from tests.support.browser import next_event, session_client
from tests.support.servers import Server


def test_live_streams_an_event_written_by_an_api_call(signed_in_page: Page, dash_server: Server) -> None:
    api = Api(dash_server, dash_server.token("admin"))
    project = api.new_project()
    with session_client(signed_in_page, dash_server) as client:
        with client.stream("GET", "/live", params={"types": "build.*,asset.*"}) as stream:
            assert stream.status_code == 200
            assert stream.headers["content-type"].startswith("text/event-stream")
            build = api.new_build(project["id"])
            event_id, event = next_event(stream.iter_lines())
        assert event["type"] == "build.created"
        assert event["resource_id"] == build["id"]
        assert event_id == event["id"]

        api.ok("PATCH", f"/v1/builds/{build['id']}", json={"status": "running"})
        with client.stream("GET", "/live", params={"types": "build.*"}, headers={"Last-Event-ID": event_id}) as resumed:
            _, after = next_event(resumed.iter_lines())
        assert after["type"] == "build.updated"
        assert after["resource_id"] == build["id"]
    api.http.close()


def test_live_needs_a_session_and_known_types(signed_in_page: Page, dash_server: Server) -> None:
    anonymous = httpx.get(dash_server.base_url + "/live", timeout=30)
    assert anonymous.status_code == 302
    assert anonymous.headers["location"] == "/login?next=%2Flive"
    with session_client(signed_in_page, dash_server) as client:
        unknown = client.get("/live", params={"types": "bulid.*"})
        bad_cursor = client.get("/live", headers={"Last-Event-ID": "nonsense"})
    assert unknown.status_code == 400
    assert "is not a known event type" in unknown.text
    assert bad_cursor.status_code == 400


def test_overview_turns_a_running_build_green_without_a_reload(signed_in_page: Page, dash_server: Server) -> None:
    api = Api(dash_server, dash_server.token("admin"))
    project = api.new_project(name="Live Demo Game")
    build = api.new_build(project["id"])
    api.ok("PATCH", f"/v1/builds/{build['id']}", json={"status": "running"})
    page = signed_in_page
    page.reload()
    status = page.locator(f'[data-build="{build["id"]}"] [data-status]')
    expect(status).to_have_text("running")
    page.wait_for_selector("html[data-live=open]", state="attached")
    api.ok("PATCH", f"/v1/builds/{build['id']}", json={"status": "success"})
    expect(status).to_have_text("success")
    api.http.close()
