"""A failed build explained: category, the line showing why (highlighted, in view), Rebuild, failing now, causes."""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar

import httpx
import pytest
import sqlalchemy as sa
from playwright.sync_api import Locator, Page, expect

from ghee import ids
from ghee.core.builds.failures import classify_builds
from ghee.core.jobs.seen import record_job_progress
from ghee.core.projects import project_row_id
from ghee.db.database import Write, opened
from ghee.db.tables import build_dispatches
from tests.support.accessibility import assert_accessible
from tests.support.api import Api
from tests.support.browser import add_user, session_client, sign_in
from tests.support.buildbutler_factory import new_build, new_connection, new_job
from tests.support.servers import Server
from tests.support.services import run_async

T = TypeVar("T")
NOISE = "".join(f"[{n:04d}] Compiling module {n} of 400\n" for n in range(400))
ERROR = "Source/Game/Player.cpp:118:7: error: use of undeclared identifier 'Healht'\n"
LOG = NOISE + ERROR + "".join(f"[cleanup] removing intermediate file {n}\n" for n in range(300)) + "Finished: FAILURE\n"


def _in_db(server: Server, work: Callable[[Write], Awaitable[T]]) -> T:
    async def run() -> T:
        async with opened(server.database_url) as db, db.write() as unit:
            return await work(unit)

    return run_async(run)


def _failed_build(server: Server, api: Api, log: str = LOG) -> tuple[dict[str, Any], str, str]:
    """A project linked to a Jenkins job whose newest build failed to compile, classified as the sync would."""
    project = api.new_project(name=f"Lantern {uuid.uuid4().hex[:6]}")
    job_name = f"lantern-{uuid.uuid4().hex[:6]}"

    async def made(work: Write) -> int:
        connection_id, _ = await new_connection(work)
        job_id = await new_job(work, connection_id, job_name, project_id=project_row_id(project["id"]))
        stages = [("Compile", "FAILED", 90_000)]
        build_id = await new_build(
            work, job_id, 12, "FAILURE", log=log, stages=stages, project_id=project_row_id(project["id"])
        )
        await classify_builds(work, [build_id])
        await record_job_progress(work, job_id, 12, "FAILURE")  # as the sync does after writing the build
        return build_id

    return project, ids.encode("build", _in_db(server, made)), job_name


@pytest.fixture
def api(dash_server: Server) -> Iterator[Api]:
    """An admin token's client, closed however the test ends (a socket left open fails a later test)."""
    client = Api(dash_server, dash_server.token("admin"))
    yield client
    client.http.close()


def test_a_failed_build_opens_at_its_highlighted_error_line_and_can_be_rebuilt(
    signed_in_page: Page, dash_server: Server, api: Api
) -> None:
    project, build_id, job_name = _failed_build(dash_server, api)
    page = signed_in_page

    # The overview says what is failing now, and everything on it is a link.
    page.goto("/")
    failing = page.locator("#failing-now")
    expect(failing.get_by_role("link", name=job_name)).to_be_visible()
    page.get_by_role("link", name=f"{project['name']} build 12").click()
    expect(page).to_have_url(f"{dash_server.base_url}/builds/{build_id}")

    expect(page.locator("#failure-category")).to_have_text("compilation_error")
    why = page.locator("#failure-line")
    expect(why.get_by_role("link")).to_have_text(ERROR.strip())  # the line the category rests on, and a way to it
    mark = page.locator("#build-log mark#first-error")
    expect(mark).to_have_text(ERROR)
    # Opened at that line, not at the top nor at the end of a log far longer than the viewer.
    _in_view(page, mark)
    assert page.evaluate("document.getElementById('build-log').scrollTop") > 0

    assert_accessible(page)  # the highlighted line keeps its contrast

    # Rebuild: the same build again by the one trigger rule; the project is linked, so it goes to Jenkins.
    page.get_by_role("button", name="Rebuild").click()
    expect(page).not_to_have_url(f"{dash_server.base_url}/builds/{build_id}")
    # The new build waits for Jenkins, unless the dispatcher already tried the made-up one and gave it up.
    expect(page.get_by_role("heading", level=1)).to_contain_text(re.compile(r"pending|cancelled"))
    rebuilt = page.url.rsplit("/", 1)[1]
    assert rebuilt != build_id
    row_id = ids.decode("build", rebuilt, "build")

    async def dispatched(work: Write) -> list[Any]:
        return list(
            await work.execute(sa.select(build_dispatches.c.state).where(build_dispatches.c.build_id == row_id))
        )

    # One dispatch to Jenkins (the dispatcher may already have tried the made-up Jenkins and given up).
    assert len(_in_db(dash_server, dispatched)) == 1


def _in_view(page: Page, mark: Locator) -> None:
    """``mark`` is highlighted and inside the log viewer's visible box (the log was scrolled to it)."""
    log_box, mark_box = page.locator("#build-log").bounding_box(), mark.bounding_box()
    assert log_box is not None
    assert mark_box is not None
    assert log_box["y"] <= mark_box["y"] <= log_box["y"] + log_box["height"] - mark_box["height"]
    assert (
        page.evaluate("getComputedStyle(document.getElementById('first-error')).backgroundColor") != "rgba(0, 0, 0, 0)"
    )
    assert_accessible(page)  # the highlighted line keeps its contrast


def test_a_log_whose_error_lies_far_before_its_end_opens_around_that_line(
    signed_in_page: Page, dash_server: Server, api: Api
) -> None:
    # ~150 KB of compiling, the error, ~150 KB of cleanup: the error is not in the last 64 KB a page shows first.
    noise = "".join(f"[{n:05d}] Compiling module {n} of 4000 (shaders, materials, blueprints)\n" for n in range(2000))
    cleanup = "".join(f"[cleanup] removing intermediate file Intermediate/Build/{n}.obj\n" for n in range(2500))
    _, build_id, _ = _failed_build(dash_server, api, noise + ERROR + cleanup)
    page = signed_in_page
    page.goto(f"/builds/{build_id}")
    expect(page.locator("#failure-line").get_by_role("link")).to_have_text(ERROR.strip())
    mark = page.locator("#build-log mark#first-error")
    expect(mark).to_have_text(ERROR)
    _in_view(page, mark)
    expect(page.locator(".log-state")).to_contain_text("around the first error line")
    whole = page.locator(".log-state").get_by_role("link", name="the whole log")
    assert whole.get_attribute("href") == f"/builds/{build_id}/log"
    with session_client(page, dash_server) as client:  # the whole text, read to its end (a browser tab may not be yet)
        assert ERROR in client.get(f"/builds/{build_id}/log").text


def test_rebuild_is_for_signed_in_users_through_the_form_only(page: Page, dash_server: Server, api: Api) -> None:
    project = api.new_project()
    reported = api.finished_build(project["id"], status="failed", branch="release/1.2")
    someone = add_user(dash_server, f"dev-{uuid.uuid4().hex[:8]}@example.com", "a long enough password", is_admin=False)
    sign_in(page, someone)

    def build_count() -> int:
        return len(api.ok("GET", f"/v1/projects/{project['id']}/builds", params={"limit": 100})["builds"])

    # Not signed in, or a form not made by ghee's page (no CSRF token): refused, and no build is made.
    with httpx.Client(base_url=dash_server.base_url, follow_redirects=False) as anonymous:
        assert anonymous.post(f"/builds/{reported['id']}/rebuild").status_code in (302, 303)
    with session_client(page, dash_server) as forged:
        assert forged.post(f"/builds/{reported['id']}/rebuild", data={"_csrf": "forged"}).status_code == 403
    assert build_count() == 1

    # A project no Jenkins job feeds: the build again waits for an agent, same platform, configuration and branch.
    page.goto(f"/builds/{reported['id']}")
    page.get_by_role("button", name="Rebuild").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("pending")
    again = api.ok("GET", f"/v1/builds/{page.url.rsplit('/', 1)[1]}")
    assert (again["status"], again["platform"], again["configuration"], again["branch"]) == (
        "pending",
        "win64",
        "shipping",
        "release/1.2",
    )
    assert build_count() == 2


def test_a_ci_build_outside_any_project_offers_no_rebuild(signed_in_page: Page, dash_server: Server) -> None:
    async def made(work: Write) -> int:
        connection_id, _ = await new_connection(work)
        job_id = await new_job(work, connection_id, f"tools-{uuid.uuid4().hex[:6]}")
        return await new_build(work, job_id, 3, "FAILURE", log=LOG)

    build_id = ids.encode("build", _in_db(dash_server, made))
    signed_in_page.goto(f"/builds/{build_id}")
    expect(signed_in_page.locator("#build-log mark#first-error")).to_have_text(ERROR)
    expect(signed_in_page.get_by_role("button", name="Rebuild")).to_have_count(0)
    csrf = signed_in_page.locator('meta[name="csrf-token"]').get_attribute("content") or ""
    with session_client(signed_in_page, dash_server) as client:
        outside = client.post(f"/builds/{build_id}/rebuild", data={"_csrf": csrf})
        assert outside.status_code == 400
        assert "belongs to no project" in outside.text
        assert client.post("/builds/build_nope/rebuild", data={"_csrf": csrf}).status_code == 404


def test_the_overview_lists_the_projects_whose_newest_build_failed(
    signed_in_page: Page, dash_server: Server, api: Api
) -> None:
    red, green = api.new_project(), api.new_project()
    api.finished_build(red["id"], status="success")
    failed = api.finished_build(red["id"], status="failed")
    api.finished_build(green["id"], status="failed")
    api.finished_build(green["id"], status="success")  # fixed since
    page = signed_in_page
    page.goto("/")
    failing = page.locator("#failing-projects")
    expect(failing.get_by_role("link", name=red["name"], exact=True)).to_have_attribute(
        "href", f"/builds?project={red['id']}"
    )
    expect(failing.get_by_role("link", name=green["name"], exact=True)).to_have_count(0)
    failing.get_by_role("link", name=f"{red['name']}: failed build {failed['number']}").click()
    expect(page).to_have_url(f"{dash_server.base_url}/builds/{failed['id']}")


def test_an_admin_previews_a_failure_cause_on_recent_builds_then_saves_it(
    signed_in_page: Page, dash_server: Server, api: Api
) -> None:
    _, build_id, _ = _failed_build(dash_server, api)
    page = signed_in_page
    page.goto("/health")
    page.get_by_role("link", name="Edit the failure causes").click()
    name = f"typo_{uuid.uuid4().hex[:6]}"
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Category", exact=True).fill("typo")
    page.get_by_label("Indications").fill(r"undeclared identifier 'Healht'")
    page.get_by_label("Priority").fill("999")
    page.get_by_role("button", name="Preview").click()
    preview = page.locator("#preview")
    expect(preview).to_contain_text("match")
    expect(preview.get_by_role("row").filter(has_text="#12").first).to_contain_text("use of undeclared identifier")
    assert page.get_by_label("Name", exact=True).input_value() == name  # the form keeps what was typed, unsaved
    assert name not in [c["name"] for c in api.ok("GET", "/api/v1/failure-causes", params={"per_page": 100})["data"]]

    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text(f"Saved {name}")
    assert api.ok("GET", f"/api/v1/builds/{build_id}")["failureCategory"] == "typo"

    # A bad pattern is explained on the form, not a 500; then the cause is deleted and the build goes back.
    page.get_by_role("link", name=name).click()
    page.get_by_label("Indications").fill("(unclosed")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_contain_text("indications[0]")
    page.get_by_role("link", name="Delete…").click()
    expect(page.locator("h1")).to_have_text(f"Delete the failure cause “{name}”?")
    page.get_by_role("button", name="Delete cause").click()
    expect(page.get_by_role("status")).to_contain_text(f"Deleted {name};")
    assert api.ok("GET", f"/api/v1/builds/{build_id}")["failureCategory"] == "compilation_error"


def test_failure_causes_are_for_admins_only(page: Page, dash_server: Server) -> None:
    someone = add_user(dash_server, f"dev-{uuid.uuid4().hex[:8]}@example.com", "a long enough password", is_admin=False)
    sign_in(page, someone)
    with session_client(page, dash_server) as client:
        assert client.get("/health/causes").status_code == 403
        csrf = page.locator('meta[name="csrf-token"]').get_attribute("content") or ""
        refused = client.post("/health/causes", data={"_csrf": csrf, "name": "x", "category": "x", "indications": "x"})
        assert refused.status_code == 403
