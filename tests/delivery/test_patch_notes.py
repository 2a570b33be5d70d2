"""Patch notes: a deployment going live drafts a blog post of what changed since the previous live one."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from ghee.core.projects import project_row_id
from tests.support.api import Api
from tests.support.blog import events_about, new_author, new_post
from tests.support.webhooks import Receiver, wait_until

Subscribe = Callable[..., dict[str, Any]]
DEFAULTS = {"patch_notes": True, "patch_notes_author": None, "site_url": None, "post_url": None}
_numbers = itertools.count(50_000)


def go_live(api: Api, project_id: str, changelist: int) -> dict[str, Any]:
    build = api.finished_build(project_id, changelist=changelist)
    deployment = api.ok(
        "POST", f"/v1/builds/{build['id']}/deployments", 201, json={"platform": "steam", "branch": "main"}
    )
    live: dict[str, Any] = api.ok("PATCH", f"/v1/deployments/{deployment['id']}", json={"status": "live"})
    return {**live, "build_number": build["number"]}


def handed_on(receiver: Receiver, path: str, deployment_id: str) -> None:
    """Wait until the deployment.live event was handed on (the webhook and the draft share one transaction)."""
    wait_until(
        lambda: any(r.json()["data"]["id"] == deployment_id for r in receiver.at(path)), "the deployment.live event"
    )


def draft_of(api: Api, deployment_id: str) -> Any:
    response = api.get(f"/v2/posts/patch-notes-{deployment_id.replace('_', '-')}/", params={"preview": 1})
    return response.json()["data"] if response.status_code == 200 else None


def test_going_live_drafts_patch_notes_grouped_by_area(api: Api, receiver: Receiver, subscribe: Subscribe) -> None:
    path = receiver.path("live")
    subscribe(path, ["deployment.live"])
    project = api.new_project()
    first, second, third, fourth = (next(_numbers) for _ in range(4))
    api.new_changelist(project["id"], first, [("//depot/Game/Config/DefaultGame.ini", "edit")], description="Setup")
    earlier = go_live(api, project["id"], first)
    api.new_changelist(project["id"], second, description="[Audio] New footsteps on snow")
    api.new_changelist(project["id"], third, description="Stop the crash on load #fix")
    api.new_changelist(
        project["id"],
        fourth,
        [("//depot/Game/Content/Characters/Warrior/T_Warrior_D.uasset", "edit")],
        description="Sharper warrior textures",
    )
    later = go_live(api, project["id"], fourth)
    handed_on(receiver, path, later["id"])

    post = draft_of(api, later["id"])
    assert post["status"] == "draft"
    assert str(later["build_number"]) in post["title"]
    body = post["body"]
    assert f"since changelist {first}" in body
    assert "<h2>Audio</h2>" in body
    assert "New footsteps on snow" in body
    assert "<h2>Fixes</h2>" in body
    assert "Stop the crash on load" in body
    assert "#fix" not in body
    assert "<h2>Characters</h2>" in body
    assert "//depot/Game/Content/Characters/Warrior/T_Warrior_D.uasset" in body  # the asset that changed
    assert "Setup" not in body  # that went live before

    handed_on(receiver, path, earlier["id"])
    assert "Setup" in draft_of(api, earlier["id"])["body"]


def test_editors_publish_the_draft_through_the_write_api(api: Api, receiver: Receiver, subscribe: Subscribe) -> None:
    path = receiver.path("publish")
    subscribe(path, ["deployment.live"])
    project = api.new_project()
    number = next(_numbers)
    api.new_changelist(project["id"], number, description="[UI] Bigger buttons")
    live = go_live(api, project["id"], number)
    handed_on(receiver, path, live["id"])
    slug = f"patch-notes-{live['id'].replace('_', '-')}"

    api.ok("PATCH", f"/v2/posts/{slug}/", 202, json={"status": "published", "title": "Bigger buttons!"})
    published = api.ok("GET", f"/v2/posts/{slug}/")["data"]
    assert published["title"] == "Bigger buttons!"


def test_a_project_can_turn_patch_notes_off(api: Api, receiver: Receiver, subscribe: Subscribe) -> None:
    path = receiver.path("off")
    subscribe(path, ["deployment.live"])
    project = api.new_project()
    assert api.ok("GET", f"/v1/projects/{project['id']}/settings") == DEFAULTS
    assert api.ok("PATCH", f"/v1/projects/{project['id']}/settings", json={"patch_notes": False}) == {
        **DEFAULTS,
        "patch_notes": False,
    }
    number = next(_numbers)
    api.new_changelist(project["id"], number, description="Quiet change")
    live = go_live(api, project["id"], number)
    handed_on(receiver, path, live["id"])
    assert draft_of(api, live["id"]) is None


def test_patch_notes_are_written_by_the_project_s_author_under_their_own_tag(
    api: Api, receiver: Receiver, subscribe: Subscribe
) -> None:
    path = receiver.path("author")
    subscribe(path, ["deployment.live"])
    project = api.new_project()
    author = new_author(api, first_name="Release", last_name="Desk")
    settings = api.ok("PATCH", f"/v1/projects/{project['id']}/settings", json={"patch_notes_author": author})
    assert settings == {**DEFAULTS, "patch_notes_author": author}
    number = next(_numbers)
    api.new_changelist(project["id"], number, description="[UI] Clearer tooltips")
    live = go_live(api, project["id"], number)
    handed_on(receiver, path, live["id"])
    draft = draft_of(api, live["id"])
    assert draft["author"]["slug"] == author
    assert draft["tags"] == [{"name": "patch-notes", "slug": "patch-notes"}]
    slug = draft["slug"]
    assert [kind for kind, _, _ in events_about(api.server, slug)] == ["draft.saved"]  # a draft announces nothing
    assert (
        api.patch(f"/v1/projects/{project['id']}/settings", json={"patch_notes_author": "nobody-here"}).status_code
        == 404
    )
    reset = api.ok("PATCH", f"/v1/projects/{project['id']}/settings", json={"patch_notes_author": None})
    assert reset == DEFAULTS


def test_a_project_s_own_website_is_where_its_patch_notes_link(
    api: Api, receiver: Receiver, subscribe: Subscribe
) -> None:
    path = receiver.path("site")
    subscribe(path, ["deployment.live"])
    project = api.new_project()
    wanted = {"site_url": "https://skyforge.example/", "post_url": "/news/{slug}.html"}
    settings = api.ok("PATCH", f"/v1/projects/{project['id']}/settings", json=wanted)
    assert (settings["site_url"], settings["post_url"]) == ("https://skyforge.example", "/news/{slug}.html")
    number = next(_numbers)
    api.new_changelist(project["id"], number, description="[UI] Sharper fonts")
    live = go_live(api, project["id"], number)
    handed_on(receiver, path, live["id"])
    slug = draft_of(api, live["id"])["slug"]
    api.ok("PATCH", f"/v2/posts/{slug}/", 202, json={"status": "published"})
    assert api.ok("GET", f"/v2/posts/{slug}/")["data"]["url"] == f"https://skyforge.example/news/{slug}.html"
    studio = new_post(api)  # the studio's own posts keep the installation's site
    assert api.ok("GET", f"/v2/posts/{studio}/")["data"]["url"] == f"{api.server.base_url}/blog/{studio}"
    assert f"https://skyforge.example/news/{slug}.html" in api.get("/sitemap.xml").text
    for bad in ({"site_url": "skyforge.example"}, {"post_url": "/news/"}, {"post_url": "news/{slug}"}):
        response = api.patch(f"/v1/projects/{project['id']}/settings", json=bad)
        assert response.status_code == 400, bad
    reset = api.ok("PATCH", f"/v1/projects/{project['id']}/settings", json={"site_url": None, "post_url": None})
    assert reset == DEFAULTS
    assert api.ok("GET", f"/v2/posts/{slug}/")["data"]["url"] == f"{api.server.base_url}/blog/{slug}"


def test_settings_reject_bad_input_and_unknown_projects(api: Api) -> None:
    project = api.new_project()
    response = api.patch(f"/v1/projects/{project['id']}/settings", json={"patch_notes": "sometimes"})
    assert response.status_code == 400
    assert api.get("/v1/projects/proj_00000000/settings").status_code == 404


def test_only_admin_tokens_change_settings_a_bound_one_its_own_project(api: Api) -> None:
    project = api.new_project()
    writer = Api(api.server, api.server.token("write"))
    bound_admin = Api(api.server, api.server.token("admin", project_id=project_row_id(project["id"])))
    try:
        # The scope is refused before the body is read.
        response = writer.patch(f"/v1/projects/{project['id']}/settings", json={"patch_notes": "sometimes"})
        assert response.status_code == 403
        changed = bound_admin.ok("PATCH", f"/v1/projects/{project['id']}/settings", json={"patch_notes": False})
        assert changed == {**DEFAULTS, "patch_notes": False}
        assert bound_admin.ok("GET", f"/v1/projects/{project['id']}/settings")["patch_notes"] is False
    finally:
        writer.http.close()
        bound_admin.http.close()
