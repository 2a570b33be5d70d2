"""Projects in the dashboard: the live builds list, a build page (stages, artifacts, log), changelists, deployments."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import TypeVar

import msgspec
from playwright.sync_api import Page, expect

from ghee import ids
from ghee.clock import utcnow
from ghee.core.builds import synced as ci_builds
from ghee.core.builds.model import Stage
from ghee.core.projects import project_row_id
from ghee.db.database import Write, opened
from ghee.db.tables import builds
from tests.support.accessibility import _PAIRS_SCRIPT, contrast
from tests.support.api import Api
from tests.support.browser import PHONE, session_client, shoot, width_on_a_phone
from tests.support.buildbutler_factory import new_build, new_connection, new_job
from tests.support.servers import Server
from tests.support.services import run_async

T = TypeVar("T")


def in_db(server: Server, work: Callable[[Write], Awaitable[T]]) -> T:
    """Run ``work`` in one unit of work on the server's database (as the Jenkins sync would)."""

    async def run() -> T:
        async with opened(server.database_url) as db, db.write() as unit:
            return await work(unit)

    return run_async(run)


def fits_the_width(page: Page) -> bool:
    """Whether the page needs no sideways scrolling (tables may scroll inside their own box)."""
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def assert_accessible(page: Page) -> None:
    """One h1, a label on every input, text contrast of at least 4.5:1 (as tests/dashboard/test_accessibility.py)."""
    assert page.locator("h1").count() == 1
    unlabelled = page.eval_on_selector_all(
        "input:not([type=hidden]), select, textarea", "els => els.filter(el => el.labels.length === 0).map(el => el.id)"
    )
    assert unlabelled == []
    low = [(what, fg, bg) for what, fg, bg in page.evaluate(_PAIRS_SCRIPT) if contrast(fg, bg) < 4.5]
    assert low == []


def assert_log_ranges(page: Page, server: Server, build_id: str) -> None:
    """What the log viewer asks of ``/builds/:id/log``: the whole log, what came after byte N, nothing new."""
    with session_client(page, server) as client:
        whole = client.get(f"/builds/{build_id}/log")
        after = client.get(f"/builds/{build_id}/log", headers={"Range": "bytes=20-"})
        past = client.get(f"/builds/{build_id}/log", headers={"Range": f"bytes={len(whole.content)}-"})
    assert whole.text.endswith("Finished: SUCCESS\n")
    assert whole.headers["x-more-data"] == "false"
    assert after.status_code == 206
    assert after.content == whole.content[20:]
    assert past.status_code == 416  # nothing new yet


def assert_not_found(page: Page, server: Server, paths: list[str]) -> None:
    """Each path answers with the 404 page (no traceback)."""
    with session_client(page, server) as client:
        for path in paths:
            response = client.get(path)
            assert response.status_code == 404, (path, response.status_code)
            assert "text/html" in response.headers["content-type"]
            assert "Traceback" not in response.text


def test_builds_list_follows_a_build_from_running_to_success_live(signed_in_page: Page, dash_server: Server) -> None:
    api = Api(dash_server, dash_server.token("admin"))
    project = api.new_project(name="Skyline Drift")
    api.finished_build(project["id"], "failed", branch="release")
    api.finished_build(project["id"], "success")
    running = api.new_build(project["id"], platform="ps5")
    api.ok("PATCH", f"/v1/builds/{running['id']}", json={"status": "running"})

    page = signed_in_page
    page.goto(f"/builds?project={project['id']}")
    rows = page.locator("#build-rows tr")
    expect(rows).to_have_count(3)
    row = page.locator(f'tr[data-build="{running["id"]}"]')
    expect(row.locator("[data-status]")).to_have_text("running")
    expect(row.locator("[data-duration]")).not_to_have_text("—")  # running for some seconds
    page.wait_for_selector("html[data-live=open]", state="attached")

    # The CI reports the build finished, through the ButterStack API: the row turns green without a reload.
    api.ok("PATCH", f"/v1/builds/{running['id']}", json={"status": "success"})
    expect(row.locator("[data-status]")).to_have_text("success")
    expect(row.locator("[data-status]")).to_have_class("status status-success")
    expect(page.locator("#builds-announcer")).to_have_text(f"Build #{running['number']} is success")
    # A build queued now appears at the top of the first page.
    queued = api.new_build(project["id"], platform="switch")
    expect(rows).to_have_count(4)
    expect(rows.first).to_have_attribute("data-build", queued["id"])
    expect(rows.first.locator("[data-status]")).to_have_text("pending")
    shoot(page, "builds")
    assert_accessible(page)

    # Filters by status and branch; a bad filter is an inline error, not a crash.
    page.get_by_label("Status").select_option("failed")
    page.get_by_role("button", name="Filter").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("release")
    page.get_by_label("Status").select_option("")
    page.get_by_label("Branch").fill("nope")
    page.get_by_role("button", name="Filter").click()
    expect(rows).to_have_count(0)
    expect(page.get_by_text("No builds match these filters.")).to_be_visible()
    response = page.goto(f"/builds?project={project['id']}&status=exploded")
    assert response is not None
    assert response.status == 400
    expect(page.get_by_role("alert")).to_contain_text("status")
    response = page.goto(f"/builds?project={project['id']}&page=0")
    assert response is not None
    assert response.status == 400
    expect(page.locator("main")).to_contain_text("page: must be a whole number")

    page.set_viewport_size(PHONE)
    page.goto(f"/builds?project={project['id']}")
    expect(rows).to_have_count(4)
    assert fits_the_width(page)
    api.http.close()


def _synced(number: int, started: datetime, **changes: object) -> ci_builds.CiBuild:
    """Build ``number`` of the test job as the sync reads it while it runs, with ``changes``."""
    build = ci_builds.CiBuild(
        number=number,
        result=None,
        building=True,
        started_at=started,
        duration_ms=None,
        queue_ms=42_000,
        branch="main",
        commit="3f9a2c1d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a39",
        platform="",
        configuration="",
        causes=[{"shortDescription": "Started by user Ada"}],
        parameters={},
        agent="agent-1",
        label=None,
        queue_id=None,
        url=None,
    )
    return msgspec.structs.replace(build, **changes)


def test_build_page_shows_stages_and_follows_a_running_log(  # noqa: PLR0915 (one walk from running to finished)
    signed_in_page: Page, dash_server: Server
) -> None:
    api = Api(dash_server, dash_server.token("admin"))
    project = api.new_project(name="Harbor Lights")
    project_id = project_row_id(project["id"])
    started = utcnow() - timedelta(minutes=5)

    async def running_jenkins_build(conn: Write) -> tuple[int, int]:
        connection_id, _ = await new_connection(conn)
        job_id = await new_job(conn, connection_id, "harbor-lights-ci", project_id=project_id)
        build_id = await new_build(
            conn,
            job_id,
            41,
            None,
            branch="main",
            commit="3f9a2c1d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a39",
            started_at=started,
            queue_ms=42_000,
            stages=[("Checkout", "SUCCESS", 12_000), ("Compile", "SUCCESS", 180_000), ("Cook", "IN_PROGRESS", 60_000)],
            log="Started by user Ada\nCompiling shaders...\n",
            project_id=project_id,
        )
        await conn.execute(
            builds.update()
            .where(builds.c.id == build_id)
            .values(causes=[{"shortDescription": "Started by user Ada"}], log_complete=False)
        )
        return job_id, build_id

    job_id, build_row = in_db(dash_server, running_jenkins_build)
    build_id = ids.encode("build", build_row)

    page = signed_in_page
    page.goto(f"/builds/{build_id}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("harbor-lights-ci #41")
    expect(page.locator("#build-status")).to_have_text("running")
    summary = page.get_by_role("region", name="Summary")
    expect(summary).to_contain_text("3f9a2c1d8e7b")
    expect(summary).to_contain_text("agent-1")
    expect(summary).to_contain_text("42s")  # queue time
    expect(summary).to_contain_text("Started by user Ada")
    stages = page.locator(".timeline .stage")
    expect(stages).to_have_count(3)
    expect(stages.nth(1)).to_contain_text("Compile")
    expect(stages.nth(1)).to_contain_text("SUCCESS · 3m 00s")  # a text label, not colour alone
    expect(stages.nth(2)).to_contain_text("IN_PROGRESS")
    widths = [stages.nth(i).bounding_box()["width"] for i in range(3)]  # type: ignore[index]
    assert widths[1] > widths[2] > widths[0] * 0.99  # proportional to duration (the shortest has a minimum width)
    log = page.locator("#build-log")
    expect(log).to_contain_text("Compiling shaders...")
    expect(page.locator("#log-state")).to_contain_text("Following")

    expect(page.locator("#build-duration")).to_contain_text("so far")

    # The follower reads the running build again: its stages move on the page without a reload.
    moved = [
        Stage("Checkout", "SUCCESS", started, 12_000),
        Stage("Compile", "SUCCESS", started, 180_000),
        Stage("Cook", "SUCCESS", started, 90_000),
        Stage("Package", "IN_PROGRESS", started, 10_000),
    ]

    async def progress(conn: Write) -> None:
        await ci_builds.record_job_builds(
            conn, ci_builds.JobRef(job_id, project_id), [_synced(41, started, stages=moved)]
        )

    in_db(dash_server, progress)
    expect(stages).to_have_count(4)
    expect(stages.nth(3)).to_contain_text("Package")
    expect(stages.nth(2)).to_contain_text("SUCCESS")

    # The sync reads more of the log and the build's end: the viewer appends it and stops following.
    async def finish(conn: Write) -> None:
        log = ci_builds.LogPiece(b"Cooked 1204 packages\nFinished: SUCCESS\n", cursor=999, complete=True)
        done = _synced(41, started, result="SUCCESS", building=False, duration_ms=300_000, log=log)
        await ci_builds.record_job_builds(conn, ci_builds.JobRef(job_id, project_id), [done])

    page.wait_for_selector("html[data-live=open]", state="attached")
    in_db(dash_server, finish)
    expect(log).to_contain_text("Finished: SUCCESS")
    expect(page.locator("#build-status")).to_have_text("success")
    expect(page.get_by_role("region", name="Summary").locator("[data-build-status-text]")).to_have_text("success")
    expect(page.get_by_text("The build has finished")).to_be_visible()
    expect(page.locator("#build-log[data-log-done]")).to_be_attached()
    expect(page.locator("#log-state")).to_have_text("Complete.")
    expect(page.locator("#build-duration")).to_have_text("5m 00s")
    assert log.inner_text().count("Compiling shaders...") == 1  # appended after what was shown, not repeated
    assert_log_ranges(page, dash_server, build_id)
    page.set_viewport_size({"width": 1280, "height": 1250})  # the whole page, down to the log
    shoot(page, "build")
    assert_accessible(page)
    assert width_on_a_phone(page) <= PHONE["width"]
    api.http.close()


def test_a_reported_build_its_changelist_and_deployments(  # noqa: PLR0915 (one walk through three pages)
    signed_in_page: Page, dash_server: Server
) -> None:
    api = Api(dash_server, dash_server.token("admin"))
    project = api.new_project(name="Tidewater")
    page = signed_in_page

    def deploy(build: dict[str, object], platform: str, branch: str, status: str = "live") -> None:
        target = {"platform": platform, "branch": branch}
        made = api.ok("POST", f"/v1/builds/{build['id']}/deployments", 201, json=target)
        api.ok("PATCH", f"/v1/deployments/{made['id']}", json={"status": status})

    # A build reported through ButterStack's API: artifacts with sizes, its changelist, deployments; no log.
    files = [("//depot/Game/Content/Maps/Harbor.umap", "edit"), ("//depot/Game/Content/UI/T_Logo.uasset", "add")]
    api.new_changelist(project["id"], 5120, files, description="Harbor lighting pass")
    reported = api.new_build(project["id"], changelist="5120", platform="win64")
    artifact = {"name": "Tide-Win64-Shipping.zip", "size_bytes": 1_234_567_890, "url": "https://cdn.example/t.zip"}
    sneaky = {"name": "notes.txt", "size_bytes": 12, "url": "javascript:alert(1)"}
    api.ok("PATCH", f"/v1/builds/{reported['id']}", json={"status": "success", "artifacts": [artifact, sneaky]})
    deploy(reported, "steam", "beta")
    page.goto(f"/builds/{reported['id']}")
    artifacts = page.get_by_role("region", name="Artifacts")
    expect(artifacts.get_by_role("link", name=artifact["name"])).to_have_attribute("href", artifact["url"])
    expect(artifacts).to_contain_text("1.2 GB")
    expect(artifacts).to_contain_text("notes.txt")
    expect(artifacts.get_by_role("link", name="notes.txt")).to_have_count(0)  # only http(s) addresses are links
    expect(page.get_by_role("region", name="Deployments")).to_contain_text("steam / beta: live")
    expect(page.get_by_role("region", name="Console log")).to_contain_text("No console log")
    expect(page.locator(".timeline")).to_have_count(0)

    page.get_by_role("region", name="Changelist").get_by_role("link", name="5120").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Changelist 5120")
    rows = page.get_by_role("region", name="Files").locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(1)).to_contain_text("add")
    expect(rows.nth(1)).to_contain_text("//depot/Game/Content/UI/T_Logo.uasset")
    linked = page.get_by_role("region", name="Builds of this change").locator("tbody tr")
    expect(linked).to_have_count(1)
    expect(linked.first).to_have_attribute("data-build", reported["id"])

    # What is live on each platform and branch, and the history.
    first, second, third = (api.finished_build(project["id"], "success", changelist="5120") for _ in range(3))
    deploy(first, "steam", "beta")  # supersedes the reported build
    deploy(second, "steam", "beta")  # supersedes the first
    deploy(first, "steam", "default")
    deploy(third, "ps5", "beta", "failed")
    page.goto(f"/deployments?project={project['id']}")
    grid = page.get_by_role("region", name="Live now").locator("table")
    expect(grid.locator("thead th")).to_have_text(["Platform", "beta", "default"])
    expect(grid.locator("tbody tr")).to_have_count(1)  # a failed deployment is live nowhere
    steam = grid.locator("tbody tr", has=page.get_by_role("rowheader", name="steam"))
    expect(steam.locator("td").nth(0)).to_contain_text(f"Build #{second['number']}")
    expect(steam.locator("td").nth(1)).to_contain_text(f"Build #{first['number']}")
    history = page.get_by_role("region", name="History").locator("tbody tr")
    expect(history).to_have_count(5)
    expect(history.first).to_contain_text("failed")
    expect(history.nth(3)).to_contain_text("superseded")
    shoot(page, "deployments")
    assert_accessible(page)

    page.get_by_role("link", name="Changelists", exact=True).click()
    expect(page.locator("tbody tr")).to_have_count(1)
    expect(page.locator("tbody tr")).to_contain_text("Harbor lighting pass")
    page.get_by_role("link", name="5120", exact=True).click()
    expect(page.get_by_role("region", name="Builds of this change").locator("tbody tr")).to_have_count(4)
    assert_not_found(
        page,
        dash_server,
        ["/builds/build_nope", "/builds/b_zzzzzzzz", "/changelists/cl_999999", "/deployments?project=proj_nope"],
    )
    page.set_viewport_size(PHONE)
    page.goto(f"/deployments?project={project['id']}")
    assert fits_the_width(page)
    api.http.close()
