"""The overview page: projects with their latest builds; what the first page weighs."""

from __future__ import annotations

import httpx
from playwright.sync_api import Page, expect

from tests.support.api import Api
from tests.support.browser import session_client, shoot
from tests.support.servers import Server

FIRST_PAGE_BUDGET = 100 * 1024
"""Bytes of CSS and JavaScript the first page may load (issue 6)."""


def test_overview_lists_projects_with_their_latest_builds(signed_in_page: Page, dash_server: Server) -> None:
    api = Api(dash_server, dash_server.token("admin"))
    project = api.new_project(name="Aurora Racing", engine="unreal")
    finished = [api.finished_build(project["id"], status) for status in ("success", "failed", "success")]
    running = api.new_build(project["id"], platform="ps5")
    api.ok("PATCH", f"/v1/builds/{running['id']}", json={"status": "running"})
    api.new_project(name="Brand New Tool", engine="custom")
    api.http.close()

    page = signed_in_page
    page.reload()
    card = page.get_by_role("region", name="Aurora Racing")
    rows = card.locator("tbody tr")
    expect(rows).to_have_count(4)
    expect(rows.first).to_contain_text("running")  # newest first
    expect(rows.nth(1)).to_contain_text(str(finished[-1]["number"]))
    expect(page.get_by_role("region", name="Brand New Tool")).to_contain_text("No builds yet.")
    shoot(page, "overview")


def test_first_page_css_and_js_stay_under_budget(page: Page, dash_server: Server) -> None:
    page.goto("/login")
    urls = page.eval_on_selector_all("link[rel=stylesheet], script[src]", "nodes => nodes.map(n => n.href || n.src)")
    assert len(urls) == 2
    total = 0
    for url in urls:
        response = httpx.get(url, timeout=30)
        assert response.status_code == 200
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
        total += len(response.content)
    assert total < FIRST_PAGE_BUDGET
    stale = httpx.get(dash_server.base_url + "/static/app.000000000000.css", timeout=30)
    assert stale.status_code == 404


def test_a_new_build_appears_on_the_overview_without_a_reload(signed_in_page: Page, dash_server: Server) -> None:
    api = Api(dash_server, dash_server.token("admin"))
    project = api.new_project(name="Live Arrivals", engine="unreal")
    page = signed_in_page
    page.reload()
    card = page.get_by_role("region", name="Live Arrivals")
    expect(card).to_contain_text("No builds yet.")
    page.wait_for_selector("html[data-live=open]", state="attached")

    first = api.new_build(project["id"], platform="ps5")
    link = card.get_by_role("link", name=f"Live Arrivals build {first['number']}")
    expect(link).to_have_attribute("href", f"/builds/{first['id']}")
    expect(card.get_by_text("No builds yet.")).to_be_hidden()

    later = [api.new_build(project["id"], platform="pc") for _ in range(5)]
    rows = card.locator("tbody tr")
    expect(rows.first).to_contain_text(f"#{later[-1]['number']}")
    expect(rows).to_have_count(5)  # the card keeps the latest five, as a reload shows
    api.http.close()


def test_the_overview_row_of_a_build_is_escaped_and_missing_builds_are_404(
    signed_in_page: Page, dash_server: Server
) -> None:
    api = Api(dash_server, dash_server.token("admin"))
    project = api.new_project(name="<img src=x onerror=alert(1)>", engine="custom")
    build = api.new_build(project["id"])
    api.http.close()
    with session_client(signed_in_page, dash_server) as client:
        row = client.get(f"/overview/builds/{build['id']}/row")
        missing = client.get("/overview/builds/build_nonexistent/row")
    assert row.status_code == 200
    assert "<img" not in row.text
    assert "&lt;img" in row.text
    assert missing.status_code == 404
