"""A project's sources page: its git push URL and hosts, the Perforce trigger line, the last change; no secret shown."""

from __future__ import annotations

import uuid

from playwright.sync_api import Page, expect

from tests.support.accessibility import _PAIRS_SCRIPT, contrast
from tests.support.api import Api
from tests.support.servers import Server


def test_a_project_s_sources_show_where_changes_come_in_and_the_last_one(
    signed_in_page: Page, dash_server: Server
) -> None:
    page = signed_in_page
    api = Api(dash_server, dash_server.token("admin"))
    try:
        project = api.new_project(name=f"Ember {uuid.uuid4().hex[:6]}")
        api.new_changelist(project["id"], 48213, description="[Audio] Louder footsteps", author="jonas")
    finally:
        api.http.close()

    page.goto("/sources")
    page.get_by_role("link", name=project["name"]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Sources of {project['name']}")
    push_url = f"{dash_server.base_url}/v1/projects/{project['id']}/git/push"
    expect(page.get_by_label("Push webhook URL")).to_have_value(push_url)
    for header in ("X-Hub-Signature-256", "X-Gitlab-Token", "X-Gitea-Signature"):
        expect(page.locator("td", has_text=header)).to_have_count(1)
    expect(page.get_by_text(f"ghee git secret {project['id']}")).to_be_visible()
    expect(page.get_by_label("Perforce trigger line")).to_have_value(
        'ghee change-commit //depot/... "/usr/local/bin/ghee-p4 trigger %change%"'
    )
    expect(page.locator("pre")).to_contain_text(f"GHEE_PROJECT={project['id']}")
    last = page.locator("[data-last-change]")
    expect(last).to_contain_text("Changelist 48213")
    expect(last).to_contain_text("jonas")

    unlabelled = page.eval_on_selector_all(
        "input:not([type=hidden]), select, textarea", "els => els.filter(el => el.labels.length === 0).map(el => el.id)"
    )
    assert unlabelled == []
    low = [(what, fg, bg) for what, fg, bg in page.evaluate(_PAIRS_SCRIPT) if contrast(fg, bg) < 4.5]
    assert low == []
