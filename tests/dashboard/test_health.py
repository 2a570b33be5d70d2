"""CI health: the figures, charts, failure categories and exports of Jenkins builds made for the test."""

from __future__ import annotations

import csv
import io
import re
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, Page, expect

from ghee.analytics.exports import COLUMNS
from ghee.clock import utcnow
from ghee.db.database import Write, opened
from ghee.db.tables import builds
from tests.support.accessibility import _PAIRS_SCRIPT as PAIRS_SCRIPT
from tests.support.accessibility import contrast
from tests.support.analytics import Build, Seeder
from tests.support.api import Api
from tests.support.browser import PHONE, add_user, session_client, shoot, sign_in, width_on_a_phone
from tests.support.servers import Server
from tests.support.services import run_async


class RecentSeeder(Seeder):
    """The analytics tests' seeder, writing builds of the last few days, from inside a browser test."""

    def __init__(self, server: Server) -> None:
        super().__init__(server)
        self.start = utcnow().replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=4)

    def _run(self, work: Callable[[Any], Awaitable[Any]]) -> Any:
        async def main() -> Any:
            async with opened(self.server.database_url) as db, db.write() as work_unit:
                return await work(work_unit)

        return run_async(main)

    def categorise(self, build_ids: list[int], category: str) -> None:
        """Give failed builds a failure category, as ``ghee.core.builds.failures`` does once their logs are in."""

        async def work(unit: Write) -> None:
            await unit.execute(sa.update(builds).where(builds.c.id.in_(build_ids)).values(failure_category=category))

        self._run(work)


def at(seeder: Seeder, day: int) -> datetime:
    return seeder.day(day, hour=0)


@pytest.fixture
def seeded(dash_server: Server) -> dict[str, str]:
    """Two jobs: a shaky one (3 of 6 judged builds succeed, on three days) and a perfect one."""
    seeder = RecentSeeder(dash_server)
    shaky_name, perfect_name = f"shaky-{uuid.uuid4().hex[:6]}", f"perfect-{uuid.uuid4().hex[:6]}"
    shaky, perfect = seeder.job(shaky_name), seeder.job(perfect_name)
    made = seeder.builds(
        shaky,
        Build(at(seeder, 1), "SUCCESS", 60_000),
        Build(at(seeder, 1) + timedelta(hours=1), "SUCCESS", 60_000),
        Build(at(seeder, 1) + timedelta(hours=2), "FAILURE", 60_000),
        Build(at(seeder, 2), "SUCCESS", 60_000),
        Build(at(seeder, 2) + timedelta(hours=1), "UNSTABLE", 120_000),
        Build(at(seeder, 3), "ABORTED", 60_000),
    )
    seeder.categorise([made[2]], "compilation")
    seeder.categorise([made[4]], "tests")
    seeder.builds(perfect, Build(at(seeder, 2), "SUCCESS", 30_000))
    return {"shaky": shaky, "shaky_name": shaky_name, "perfect": perfect, "perfect_name": perfect_name}


def test_health_shows_the_analytics_figures_charts_and_exports(
    signed_in_page: Page, dash_server: Server, seeded: dict[str, str], tmp_path: Path
) -> None:
    page = signed_in_page
    page.get_by_role("link", name="CI health").click()
    expect(page).to_have_url(re.compile(r"/health$"))
    row = page.locator("tr", has_text=seeded["shaky_name"])
    expect(row.locator('[data-col="success"]')).to_have_text("50.0 %")  # 3 of SUCCESS+FAILURE+UNSTABLE+ABORTED

    # The same p95 as the analytics API, within the sketches' 1 % of the exact 120 s.
    api = Api(dash_server, dash_server.token("read"))
    try:
        body = api.ok("GET", "/api/v1/analytics/metrics", params={"range": "7d", "job": seeded["shaky"]})
    finally:
        api.http.close()
    assert body["successRate"] == 0.5
    assert abs(body["p95Duration"] - 120_000) <= 1_200
    assert row.locator('[data-col="p95"]').get_attribute("data-ms") == str(body["p95Duration"])

    page.get_by_label("Sort").select_option("success")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"sort=success"))
    names = page.locator("tbody th[scope=row]").all_inner_texts()
    assert names.index(f"pipelines/{seeded['shaky_name']}") < names.index(f"pipelines/{seeded['perfect_name']}")
    shoot(page, "ci-health")

    page.get_by_role("link", name=seeded["shaky_name"]).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(seeded["shaky_name"])
    # Day 1: success + failure; day 2: success + unstable; day 3: aborted.
    expect(page.locator("#builds-chart rect.bar")).to_have_count(5)
    expect(page.locator("#p95-chart circle.dot")).to_have_count(3)
    expect(page.locator("[data-figure=total]")).to_have_text("6")
    expect(page.locator("[data-category=compilation] .breakdown-count")).to_have_text("1")
    expect(page.locator("[data-category=tests] .breakdown-count")).to_have_text("1")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="CSV").click()
    saved = tmp_path / "export.csv"
    download_info.value.save_as(saved)
    rows = list(csv.DictReader(io.StringIO(saved.read_text())))
    assert list(rows[0]) == list(COLUMNS)
    assert {r["group"] for r in rows} == {seeded["shaky"]}
    assert sum(int(r["totalBuilds"]) for r in rows) == 6
    assert [int(r["failure"]) for r in rows] == [1, 0, 0]

    with session_client(page, dash_server) as client:
        png = client.get(page.get_by_role("link", name="PNG").get_attribute("href") or "")
        as_json = client.get(page.get_by_role("link", name="JSON").get_attribute("href") or "")
    assert png.headers["content-type"] == "image/png"
    assert png.content.startswith(b"\x89PNG")
    assert [row["failure"] for row in as_json.json()["data"]] == [1, 0, 0]

    assert width_on_a_phone(page) <= PHONE["width"]


def test_bad_controls_are_explained_not_failed(signed_in_page: Page, dash_server: Server) -> None:
    page = signed_in_page
    response = page.goto("/health?range=1y&sort=nonsense&job=nope")
    assert response is not None
    assert response.status == 400
    alerts = page.get_by_role("alert")
    expect(alerts.first).to_contain_text("Range must be one of 7d, 30d, 90d")
    expect(page.get_by_label("Range", exact=True)).to_have_value("7d")
    with session_client(page, dash_server) as client:
        refused = client.get("/health/export?format=xls")
    assert refused.status_code == 400
    assert "format: must be one of csv, json, png" in refused.text
    # What Litestar itself refuses (a page number that is no number) is an HTML page too, not the APIs' JSON.
    malformed = page.goto("/health?page=abc&builds_page=-1")
    assert malformed is not None
    assert malformed.status == 400
    assert malformed.headers["content-type"].startswith("text/html")
    expect(page.get_by_role("heading", level=1)).to_have_text("Something is not right")
    expect(page.get_by_role("main")).to_contain_text("page")


@pytest.mark.parametrize("path", ["/health", "/health?range=90d&sort=p95", "/webhooks"])
def test_health_and_webhooks_pass_the_accessibility_checks(
    signed_in_page: Page, seeded: dict[str, str], path: str
) -> None:
    del seeded  # so the health page has rows and charts to check
    page = signed_in_page
    page.goto(path)
    assert page.locator("h1").count() == 1
    unlabelled = page.eval_on_selector_all(
        "input:not([type=hidden]), select, textarea", "els => els.filter(el => el.labels.length === 0).map(el => el.id)"
    )
    assert unlabelled == []
    low = [(what, fg, bg) for what, fg, bg in page.evaluate(PAIRS_SCRIPT) if contrast(fg, bg) < 4.5]
    assert low == []
    assert width_on_a_phone(page) <= PHONE["width"]


def test_a_jobs_page_lists_its_builds_filtered_and_linked(
    signed_in_page: Page, dash_server: Server, seeded: dict[str, str]
) -> None:
    page = signed_in_page
    page.goto("/health")
    page.get_by_role("link", name=seeded["shaky_name"]).click()
    builds = page.locator("table.job-builds tbody tr")
    expect(builds).to_have_count(6)
    expect(page.locator("#job-builds-heading")).to_contain_text(seeded["shaky_name"])

    page.get_by_label("Result", exact=True).select_option("FAILURE")
    page.get_by_role("button", name="Filter").click()
    expect(builds).to_have_count(1)
    expect(builds.first).to_contain_text("compilation")
    builds.first.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(seeded["shaky_name"])
    expect(page.locator("#failure-category")).to_have_text("compilation")
    # The build page links back to its job.
    page.get_by_role("link", name=seeded["shaky_name"]).first.click()
    expect(page.locator("table.job-builds")).to_be_visible()

    page.goto(f"/health?job={seeded['shaky']}&result=NOPE")
    expect(page.get_by_role("alert")).to_contain_text("result")
    expect(builds).to_have_count(6)


def test_an_admin_links_a_job_to_a_project_from_its_page_and_others_cannot(
    signed_in_page: Page, dash_server: Server, seeded: dict[str, str], browser: Browser
) -> None:
    admin = signed_in_page
    api = Api(dash_server, dash_server.token("admin"))
    project = api.new_project(name=f"Linked {uuid.uuid4().hex[:6]}")
    admin.goto(f"/health?job={seeded['shaky']}")
    expect(admin.locator("#job-project")).to_contain_text("none")
    admin.get_by_label("Link to project").select_option(label=project["name"])
    admin.get_by_role("button", name="Save link").click()
    expect(admin.locator("#job-project")).to_contain_text(project["name"])
    expect(admin.get_by_role("status")).to_contain_text("Linked")
    # The job's history is now the project's, through the API and the Builds page alike.
    listed = api.ok("GET", f"/v1/projects/{project['id']}/builds")["builds"]
    assert len(listed) == 6
    admin.get_by_role("link", name=project["name"]).click()
    expect(admin.locator("tbody tr")).to_have_count(6)

    # Someone who is not an admin sees the job's project but no form, and a forged post is refused.
    someone = add_user(dash_server, f"dev-{uuid.uuid4().hex[:8]}@example.com", "a long enough password", is_admin=False)
    other = browser.new_context(base_url=dash_server.base_url).new_page()
    try:
        sign_in(other, someone)
        other.goto(f"/health?job={seeded['shaky']}")
        expect(other.locator("#job-project")).to_contain_text(project["name"])
        expect(other.locator("#link-job")).to_have_count(0)
        with session_client(other, dash_server) as client:
            csrf = other.locator('meta[name="csrf-token"]').get_attribute("content") or ""
            refused = client.post(f"/health/jobs/{seeded['shaky']}/link", data={"_csrf": csrf, "project": ""})
            assert refused.status_code == 403
    finally:
        other.context.close()

    admin.goto(f"/health?job={seeded['shaky']}")
    admin.get_by_label("Link to project").select_option(label="No project")
    admin.get_by_role("button", name="Save link").click()
    expect(admin.locator("#job-project")).to_contain_text("none")
    assert api.ok("GET", f"/v1/projects/{project['id']}/builds")["builds"] == []
    api.http.close()
