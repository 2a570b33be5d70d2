"""The connections page: Jenkins refuses a wrong token (shown inline, nothing saved), a right one connects; delete."""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime
from typing import TypeVar

import httpx
import pytest
from playwright.sync_api import Page, expect

from ghee import ids
from ghee.core.jobs.link_rules import LinkRule, save_rules
from ghee.core.projects import project_row_id
from ghee.db.database import Write, opened
from tests.support.accessibility import assert_accessible
from tests.support.api import Api
from tests.support.browser import PHONE, add_user, session_client, shoot, sign_in
from tests.support.buildbutler_factory import new_build, new_connection, new_job
from tests.support.fake_jenkins import FakeJenkins
from tests.support.servers import Server
from tests.support.services import run_async

T = TypeVar("T")


@pytest.fixture
def jenkins() -> Iterator[FakeJenkins]:
    """The fake Jenkins of the integration tests, on a real local socket."""
    fake = FakeJenkins().start()
    yield fake
    fake.stop()


def _fill(page: Page, name: str, url: str, user: str, token: str) -> None:
    page.get_by_label("Name").fill(name)
    page.get_by_label("Jenkins URL").fill(url)
    page.get_by_label("User", exact=True).fill(user)
    page.get_by_label("API token").fill(token)
    page.get_by_role("button", name="Check and add").click()


def test_add_connection_wrong_then_right_token(signed_in_page: Page, dash_server: Server, jenkins: FakeJenkins) -> None:
    api = Api(dash_server, dash_server.token("admin"))
    page = signed_in_page
    page.get_by_role("link", name="Connections").click()
    expect(page.locator("h1")).to_have_text("Connections")
    before = api.ok("GET", "/api/v1/connections")["meta"]["total"]

    # A wrong token: Jenkins answers 401, the form says so next to the field, and nothing is stored.
    _fill(page, "Render Farm Jenkins", jenkins.url, jenkins.user, "not-the-token")
    expect(page.get_by_role("alert")).to_contain_text("rejected the user name or API token (HTTP 401")
    token_field = page.get_by_label("API token")
    expect(token_field).to_have_attribute("aria-invalid", "true")
    expect(token_field).to_have_value("")  # a token is never sent back
    expect(page.get_by_label("Name")).to_have_value("Render Farm Jenkins")
    assert api.ok("GET", "/api/v1/connections")["meta"]["total"] == before
    assert_accessible(page)
    shoot(page, "connections-error")

    # A URL that is not http(s) is refused before anything is asked.
    _fill(page, "Render Farm Jenkins", "ftp://jenkins.example.com/", jenkins.user, jenkins.token)
    expect(page.get_by_role("alert")).to_contain_text("Jenkins URL: must be an absolute http:// or https:// URL")

    # The right token connects; the list shows it with its sync status.
    _fill(page, "Render Farm Jenkins", jenkins.url, jenkins.user, jenkins.token)
    expect(page.get_by_role("status")).to_contain_text("Connected Render Farm Jenkins")
    row = page.locator("tr", has_text="Render Farm Jenkins")
    expect(row).to_contain_text(jenkins.url)
    expect(row.locator(".status")).to_have_text(re.compile("^(new|ok)$"))
    listed = api.ok("GET", "/api/v1/connections")["data"]
    [made] = [c for c in listed if c["name"] == "Render Farm Jenkins"]
    assert made["url"] == jenkins.url
    assert_accessible(page)
    shoot(page, "connections")

    # The same name again is refused inline.
    _fill(page, "Render Farm Jenkins", jenkins.url, jenkins.user, jenkins.token)
    expect(page.get_by_role("alert")).to_contain_text("already exists")

    # Sync now makes the next pass due; delete asks first.
    page.goto("/connections")
    clicked = datetime.now(UTC).replace(microsecond=0)
    row.get_by_role("button", name="Sync Render Farm Jenkins now").click()
    expect(page.get_by_role("status")).to_contain_text("A sync of Render Farm Jenkins is due now")
    [due] = [c for c in api.ok("GET", "/api/v1/connections")["data"] if c["name"] == "Render Farm Jenkins"]
    # Due now, or already run by the worker inside `ghee serve` (SQLite) since the click.
    ran = due["lastSyncAt"] is not None and datetime.fromisoformat(due["lastSyncAt"]) >= clicked
    assert ran or datetime.fromisoformat(due["nextSyncAt"]) <= datetime.now(UTC)
    row.get_by_role("link", name="Delete Render Farm Jenkins").click()
    expect(page.locator("h1")).to_have_text("Delete Render Farm Jenkins?")
    page.get_by_role("button", name="Delete connection").click()
    expect(page.get_by_role("status")).to_contain_text("Deleted Render Farm Jenkins")
    expect(page.locator("tr", has_text="Render Farm Jenkins")).to_have_count(0)
    assert all(c["name"] != "Render Farm Jenkins" for c in api.ok("GET", "/api/v1/connections")["data"])
    api.http.close()

    page.set_viewport_size(PHONE)
    page.goto("/connections")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_connections_are_for_admins_only(page: Page, dash_server: Server) -> None:
    someone = add_user(dash_server, f"dev-{uuid.uuid4().hex[:8]}@example.com", "a long enough password", is_admin=False)
    sign_in(page, someone)
    expect(page.get_by_role("link", name="Connections")).to_have_count(0)
    with session_client(page, dash_server) as client:
        assert client.get("/connections").status_code == 403
        csrf = page.locator('meta[name="csrf-token"]').get_attribute("content") or ""
        refused = client.post("/connections", data={"_csrf": csrf, "name": "x", "url": "http://x/", "token": "t"})
        assert refused.status_code == 403


def test_a_connections_page_sets_its_link_rules_and_makes_a_push_url(signed_in_page: Page, dash_server: Server) -> None:
    api = Api(dash_server, dash_server.token("admin"))
    game = api.new_project(name=f"Game {uuid.uuid4().hex[:6]}")
    top = f"tools{uuid.uuid4().hex[:6]}"

    async def estate(work: Write) -> tuple[int, str]:
        connection_id, name = await new_connection(work)
        client = await new_job(work, connection_id, "client", "/game")
        await new_job(work, connection_id, "server", "/game")
        await new_job(work, connection_id, "packer", f"/{top}")
        await new_build(work, client, 7, "FAILURE")
        return connection_id, name

    connection_id, name = run_async(lambda: _in_db(dash_server, estate))
    page = signed_in_page
    page.goto(f"/connections/{ids.encode('conn', connection_id)}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(name)
    expect(page.locator("#rules")).to_contain_text("No rules")

    page.get_by_label("Jobs in folder").fill("game")
    page.get_by_label("belong to").select_option(label=game["name"])
    page.get_by_role("button", name="Add rule").click()
    expect(page.get_by_role("status")).to_have_text("Rules saved: 2 jobs linked.")
    expect(page.locator("#rules li")).to_have_count(1)
    [build] = api.ok("GET", f"/v1/projects/{game['id']}/builds")["builds"]
    assert (build["job_name"], build["number"]) == ("game/client", 7)

    page.get_by_role("button", name="Make each top-level folder a project").click()
    expect(page.get_by_role("status")).to_have_text("Rules saved: 1 job linked.")
    assert top in {p["name"] for p in api.ok("GET", "/v1/projects", params={"limit": 100})["projects"]}
    page.get_by_role("link", name="Remove rule 1").click()
    page.get_by_role("button", name="Remove rule").click()
    expect(page.locator("#rules li")).to_have_count(1)
    expect(page.locator("#rules")).to_contain_text("Each top-level folder")

    # A rule that names no folder is explained, not saved.
    with session_client(page, dash_server) as client:
        csrf = page.locator('meta[name="csrf-token"]').get_attribute("content") or ""
        form = {"_csrf": csrf, "action": "add-folder", "folder": " / ", "project": game["id"]}
        refused = client.post(f"/connections/{ids.encode('conn', connection_id)}/rules", data=form)
        assert refused.status_code == 400
        assert "needs a folder" in refused.text

    page.get_by_role("button", name="Make a new push URL").click()
    url = page.get_by_label("Push URL").input_value()
    assert "/notifications?secret=" in url
    pushed = httpx.post(url, json={"name": "client", "url": "job/game/job/client/", "build": {"number": 8}}, timeout=10)
    assert (pushed.status_code, pushed.json()) == (202, {"job": "game/client", "known": True})
    assert page.url.endswith(f"/connections/{ids.encode('conn', connection_id)}")  # post/redirect/get
    page.reload()
    expect(page.get_by_label("Push URL")).to_have_count(0)  # shown once; the reload made no new one
    again = {"name": "client", "url": "job/game/job/client/", "build": {"number": 9}}
    assert httpx.post(url, json=again, timeout=10).status_code == 202  # the URL shown still works
    api.http.close()


def test_removing_a_link_rule_asks_first_and_names_the_rule_removed(signed_in_page: Page, dash_server: Server) -> None:
    api = Api(dash_server, dash_server.token("admin"))
    game = api.new_project(name=f"Game {uuid.uuid4().hex[:6]}")
    api.http.close()

    async def estate(work: Write) -> tuple[int, str]:
        connection_id, name = await new_connection(work)
        await _rules_again(work, connection_id, game["id"])
        return connection_id, name

    connection_id, name = run_async(lambda: _in_db(dash_server, estate))
    public_id = ids.encode("conn", connection_id)
    page = signed_in_page
    page.goto(f"/connections/{public_id}")
    folder_rule = f"jobs in game belong to {game['name']}"

    # The remove button leads to the shared confirm page naming the rule; cancelling changes nothing.
    page.get_by_role("link", name="Remove rule 1").click()
    expect(page.locator("h1")).to_have_text(f"Remove the rule “{folder_rule}” from {name}?")
    assert_accessible(page)
    page.get_by_role("link", name="Cancel").click()
    assert page.url.endswith(f"/connections/{public_id}")
    expect(page.locator("#rules li")).to_have_count(2)

    # Confirming removes it, then the connection's page (post/redirect/get) says which rule went.
    page.get_by_role("link", name="Remove rule 1").click()
    page.get_by_role("button", name="Remove rule").click()
    expect(page.get_by_role("status")).to_have_text(f"Removed the rule “{folder_rule}”.")
    assert f"/connections/{public_id}?" in page.url
    expect(page.locator("#rules li")).to_have_count(1)
    expect(page.locator("#rules")).to_contain_text("Each top-level folder")

    with session_client(page, dash_server) as client:
        csrf = page.locator('meta[name="csrf-token"]').get_attribute("content") or ""
        # No one-click removal is left, and the confirm's post keeps the CSRF check of every form.
        one_click = client.post(f"/connections/{public_id}/rules", data={"_csrf": csrf, "action": "remove", "index": 0})
        assert one_click.status_code == 400
        top_rule = '{"each_top_folder":true}'
        forged = client.post(f"/connections/{public_id}/rules/0/remove", data={"rule": top_rule})
        assert forged.status_code == 403
        # A rule no longer there, asked about or confirmed, is the page's clear error, not a 500.
        gone = client.get(f"/connections/{public_id}/rules/5/remove")
        assert gone.status_code == 400
        assert "that rule is no longer there; reload the page" in gone.text
        late = client.post(f"/connections/{public_id}/rules/5/remove", data={"_csrf": csrf, "rule": top_rule})
        assert late.status_code == 400
        assert "that rule is no longer there; reload the page" in late.text
    page.reload()
    expect(page.locator("#rules li")).to_have_count(1)

    # Confirming a rule the rules moved past (another admin removed one meanwhile) removes nothing.
    run_async(lambda: _in_db(dash_server, lambda work: _rules_again(work, connection_id, game["id"])))
    page.goto(f"/connections/{public_id}")
    page.get_by_role("link", name="Remove rule 2").click()
    expect(page.locator("h1")).to_contain_text("each top-level folder is a project")
    run_async(lambda: _in_db(dash_server, lambda work: _rules_again(work, connection_id, game["id"], top=False)))
    page.get_by_role("button", name="Remove rule").click()
    expect(page.get_by_role("alert")).to_have_text("Not saved: that rule is no longer there; reload the page")
    page.goto(f"/connections/{public_id}")
    expect(page.locator("#rules li")).to_have_count(2)


async def _rules_again(work: Write, connection_id: int, project: str, *, top: bool = True) -> None:
    """The connection's rules set anew: the game folder's, then the top-folder rule or a tools folder's."""
    second = LinkRule(each_top_folder=True) if top else LinkRule("tools", project_row_id(project))
    await save_rules(work, connection_id, [LinkRule("game", project_row_id(project)), second])


async def _in_db(server: Server, work: Callable[[Write], Awaitable[T]]) -> T:
    async with opened(server.database_url) as db, db.write() as unit:
        return await work(unit)


def test_a_connection_is_edited_in_place_once_jenkins_accepts(
    signed_in_page: Page, dash_server: Server, jenkins: FakeJenkins
) -> None:
    api = Api(dash_server, dash_server.token("admin"))
    made = api.ok(
        "POST",
        "/api/v1/connections",
        201,
        json={
            "name": f"Edit {uuid.uuid4().hex[:6]}",
            "url": jenkins.url,
            "username": jenkins.user,
            "token": jenkins.token,
        },
    )
    page = signed_in_page
    page.goto(f"/connections/{made['id']}")
    form = page.locator("#edit-connection")
    expect(form.get_by_label("Jenkins URL")).to_have_value(jenkins.url)
    expect(form.get_by_label("User", exact=True)).to_have_value(jenkins.user)
    expect(form.get_by_label("API token")).to_have_value("")  # the stored token is never sent to the browser
    assert jenkins.token not in page.content()

    # Jenkins' user rotated the token: the old one is refused, and a wrong new one is refused inline, saving nothing.
    jenkins.token = "rotated-api-token"  # noqa: S105
    form.get_by_label("API token").fill("not-the-token")
    form.get_by_role("button", name="Check and save").click()
    expect(page.get_by_role("alert")).to_contain_text("API token: Jenkins rejected the user name or API token")
    expect(page.locator("#edit-connection").get_by_label("API token")).to_have_value("")
    expect(page.locator("#edit-connection").get_by_label("API token")).to_have_attribute("aria-invalid", "true")
    assert "not-the-token" not in page.content()
    assert_accessible(page)

    # The right one is saved; the page says so, and a reload re-posts nothing.
    form = page.locator("#edit-connection")
    form.get_by_label("User", exact=True).fill(jenkins.user)
    form.get_by_label("API token").fill("rotated-api-token")
    form.get_by_role("button", name="Check and save").click()
    expect(page.get_by_role("status")).to_have_text(
        "Saved: Jenkins accepted the credentials. The next sync runs shortly."
    )
    assert page.url.endswith(f"/connections/{made['id']}?edited=true")
    assert "rotated-api-token" not in page.content()
    asked = len(jenkins.requests)
    page.reload()
    expect(page.get_by_role("status")).to_contain_text("Saved")
    assert len([r for r in jenkins.requests[asked:] if r == ("GET", "/api/json?tree=mode")]) == 0
    [listed] = [
        c for c in api.ok("GET", "/api/v1/connections", params={"per_page": 100})["data"] if c["id"] == made["id"]
    ]
    assert (listed["url"], listed["username"]) == (jenkins.url, jenkins.user)

    # A blank token keeps the stored one: Jenkins is asked with it, and accepts.
    page.locator("#edit-connection").get_by_role("button", name="Check and save").click()
    expect(page.get_by_role("status")).to_contain_text("Saved")

    page.set_viewport_size(PHONE)
    page.goto(f"/connections/{made['id']}")
    expect(page.locator("#edit-connection")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    api.http.close()
