"""The assets review queue: filter, approve with a click and with the keyboard, see it through /v1; the asset page."""

from __future__ import annotations

import re

import httpx
from playwright.sync_api import Page, expect

from tests.support.accessibility import assert_accessible
from tests.support.api import Api
from tests.support.browser import PHONE, session_client, shoot
from tests.support.servers import Server


def _status(api: Api, asset_id: str) -> str:
    status: str = api.ok("GET", f"/v1/assets/{asset_id}")["approval_status"]
    return status


def test_review_queue_click_keyboard_and_asset_page(signed_in_page: Page, dash_server: Server) -> None:
    api = Api(dash_server, dash_server.token("admin"))
    project = api.new_project(name="Review Game", engine="unreal")
    files = [
        ("//depot/Content/Hero/hero.fbx", "add"),
        ("//depot/Content/Hero/hero_albedo.png", "add"),
        ("//depot/Content/Maps/level1.umap", "add"),
        ("//depot/Docs/readme.txt", "add"),
    ]
    api.new_changelist(project["id"], 101, files, description="First drop of the hero")
    api.new_changelist(project["id"], 102, [("//depot/Content/Hero/hero.fbx", "edit")], author="ana")
    listed = api.ok("GET", f"/v1/projects/{project['id']}/assets")
    ids = {item["path"]: item["id"] for item in listed["assets"]}
    hero, albedo, level = (ids[p] for p, _ in files[:3])

    page = signed_in_page
    page.goto("/assets")
    page.get_by_role("link", name="Review Game").click()
    queue = page.locator("[data-review-queue] tbody tr")
    expect(queue).to_have_count(4)  # pending by default

    # The GET form filters by path prefix (and keeps the filter in the address).
    page.get_by_label("Path starts with").fill("//depot/Content/Hero/")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"path=%2F%2Fdepot%2FContent%2FHero%2F"))
    expect(queue).to_have_count(2)
    assert_accessible(page)
    shoot(page, "assets-queue")

    # One click approves in place (no reload), and /v1 sees it.
    row = page.locator(f'tr[data-asset="{hero}"]')
    row.get_by_role("button", name="Approve //depot/Content/Hero/hero.fbx").click()
    expect(row.locator("[data-status]")).to_have_text("approved")
    expect(page.locator("#review-live")).to_have_text("//depot/Content/Hero/hero.fbx: approved")
    assert _status(api, hero) == "approved"

    _review_with_the_keyboard(page, api, hero, albedo)

    # A decision made elsewhere (here through /v1) shows up in the queue as it happens.
    expect(page.locator("html")).to_have_attribute("data-live", "open")
    api.ok("PATCH", f"/v1/assets/{albedo}", json={"approval_status": "approved"})
    expect(page.locator(f'tr[data-asset="{albedo}"] [data-status]')).to_have_text("approved")
    _plain_forms_without_javascript(page, dash_server, api, project["id"], level)
    _asset_page_shows_history(page, api, project["id"], hero)

    # A phone: the queue fits without sideways scrolling of the page.
    page.set_viewport_size(PHONE)
    page.goto(f"/assets?project={project['id']}&status=")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]
    api.http.close()


def _review_with_the_keyboard(page: Page, api: Api, hero: str, albedo: str) -> None:
    row = page.locator(f'tr[data-asset="{hero}"]')
    # Keyboard: typing in a field is not a shortcut; j selects, n and a decide, ? shows the help.
    field = page.get_by_label("Path starts with")
    field.press("End")
    field.press("j")
    field.press("n")
    expect(field).to_have_value("//depot/Content/Hero/jn")
    expect(page.locator("tr[data-selected]")).to_have_count(0)
    page.locator("h1").click()
    page.keyboard.press("j")
    page.keyboard.press("j")
    albedo_row = page.locator(f'tr[data-asset="{albedo}"]')
    expect(albedo_row).to_have_attribute("data-selected", "")
    page.keyboard.press("n")
    expect(albedo_row.locator("[data-status]")).to_have_text("needs changes")
    assert _status(api, albedo) == "needs_changes"
    page.keyboard.press("k")
    page.keyboard.press("r")
    expect(row.locator("[data-status]")).to_have_text("rejected")
    assert _status(api, hero) == "rejected"
    page.keyboard.press("?")
    expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog")).to_be_hidden()


def _plain_forms_without_javascript(page: Page, dash_server: Server, api: Api, project_id: str, level: str) -> None:
    # Without JavaScript the button is a plain form: POST with the CSRF token, then back to the queue.
    with session_client(page, dash_server) as client:
        csrf = page.locator('meta[name="csrf-token"]').get_attribute("content") or ""
        forged = client.post(f"/assets/{level}/review", data={"status": "approved"})
        assert forged.status_code == 403
        sent = client.post(
            f"/assets/{level}/review",
            data={"status": "approved", "_csrf": csrf, "next": f"/assets?project={project_id}"},
        )
        assert sent.status_code == 303
        assert sent.headers["location"] == f"/assets?project={project_id}"
        bad = client.post(f"/assets/{level}/review", data={"status": "lgtm", "_csrf": csrf})
        assert bad.status_code == 400
        assert "approval_status" in bad.text
        assert _status(api, level) == "approved"
        bad_filter = client.get(f"/assets?project={project_id}&type=nonsense")
        assert bad_filter.status_code == 400
        assert "The type filter must be one of" in bad_filter.text


def _asset_page_shows_history(page: Page, api: Api, project_id: str, hero: str) -> None:
    # The asset page: its revisions (changelists) and its review history, newest first.
    page.goto(f"/assets?project={project_id}&status=")
    page.get_by_role("link", name="//depot/Content/Hero/hero.fbx").click()
    expect(page.locator("h1")).to_have_text("//depot/Content/Hero/hero.fbx")
    revisions = page.get_by_role("region", name=re.compile("^Revisions")).locator("tbody tr")
    expect(revisions).to_have_count(2)
    expect(revisions.first).to_contain_text("102")
    expect(revisions.first).to_contain_text("edit")
    expect(revisions.nth(1)).to_contain_text("First drop of the hero")
    history = page.get_by_role("region", name=re.compile("^Review history")).locator("li")
    expect(history).to_have_count(2)
    expect(history.first).to_contain_text("approved → rejected")
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_role("region", name="Review").locator("[data-status]")).to_have_text("approved")
    assert _status(api, hero) == "approved"
    page.reload()
    expect(history).to_have_count(3)
    assert_accessible(page)
    shoot(page, "asset-page")


def test_assets_need_a_session(dash_server: Server) -> None:
    response = httpx.get(dash_server.base_url + "/assets", follow_redirects=False, timeout=30)
    assert response.status_code in (302, 303, 307)
    assert response.headers["location"].startswith("/login?next=")
