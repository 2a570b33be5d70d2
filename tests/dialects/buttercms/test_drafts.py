"""Drafts that never take content offline, scheduled publication, and events as seed 004 means them."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from ghee.db.tables import blog_posts, content_revisions
from tests.support.api import Api
from tests.support.blog import events_about, new_post, unique, write
from tests.support.buildbutler_factory import in_db
from tests.support.content import events_about as events_of_type
from tests.support.content import new_page, new_page_type
from tests.support.servers import Server, serve_fresh


def _live(api: Api, slug: str) -> dict[str, Any]:
    body: dict[str, Any] = api.ok("GET", f"/v2/posts/{slug}/")["data"]
    return body


def _preview(api: Api, slug: str) -> dict[str, Any]:
    body: dict[str, Any] = api.ok("GET", f"/v2/posts/{slug}/", params={"preview": 1})["data"]
    return body


def _types(server: Server, resource_id: str) -> list[str]:
    return [kind for kind, _, _ in events_about(server, resource_id)]


def _revisions(server: Server, kind: str, slug_or_id: str) -> list[tuple[int, str, list[str]]]:
    async def unit(work: Any) -> list[tuple[int, str, list[str]]]:
        entry_id = (
            await work.scalar(sa.select(blog_posts.c.id).where(blog_posts.c.slug == slug_or_id))
            if kind == "post"
            else int(slug_or_id)
        )
        rows = await work.execute(
            sa.select(content_revisions.c.number, content_revisions.c.editor, content_revisions.c.changed)
            .where(content_revisions.c.kind == kind, content_revisions.c.entry_id == entry_id)
            .order_by(content_revisions.c.number)
        )
        return [(number, editor, json.loads(changed)) for number, editor, changed in rows]

    return in_db(server, unit)


def test_a_live_post_answers_its_live_version_while_a_draft_is_saved_previewed_and_published(
    api: Api, server: Server
) -> None:
    tag = unique("draftlive")
    slug = new_post(api, title="Season 3", body="<p>Live body</p>", tags=[tag])
    write(api, "PATCH", f"/v2/posts/{slug}/", {"status": "draft", "title": "Season 3 (v2)", "body": "<p>Next</p>"})
    write(api, "PATCH", f"/v2/posts/{slug}/", {"status": "draft", "summary": "Drafted twice"})

    assert (_live(api, slug)["title"], _live(api, slug)["body"]) == ("Season 3", "<p>Live body</p>")
    assert _live(api, slug)["status"] == "published"
    previewed = _preview(api, slug)
    assert (previewed["title"], previewed["body"], previewed["summary"]) == (
        "Season 3 (v2)",
        "<p>Next</p>",
        "Drafted twice",
    )
    assert previewed["tags"] == [{"name": tag, "slug": tag}]
    listed = api.ok("GET", "/v2/posts/", params={"tag_slug": tag})["data"]
    assert [post["body"] for post in listed] == ["<p>Live body</p>"]
    assert [post["body"] for post in api.ok("GET", "/v2/posts/", params={"tag_slug": tag, "preview": 1})["data"]] == [
        "<p>Next</p>"
    ]
    assert "Live body" in api.get("/feeds/rss.xml", params={"tag_slug": tag}).text
    assert api.ok("GET", "/v2/search/", params={"query": "Drafted twice"})["meta"]["count"] == 0

    write(api, "PATCH", f"/v2/posts/{slug}/", {"status": "published"})
    assert (_live(api, slug)["title"], _live(api, slug)["body"]) == ("Season 3 (v2)", "<p>Next</p>")
    assert _preview(api, slug)["body"] == "<p>Next</p>"
    assert _types(server, slug) == ["post.create", "draft.saved", "draft.saved", "post.update"]
    revisions = _revisions(server, "post", slug)
    assert [number for number, _, _ in revisions] == [1, 2]
    assert revisions[1][1].startswith("token ")
    assert revisions[1][2] == ["body", "summary", "title"]


def test_drafting_editing_and_deleting_drafts_sends_no_post_event(api: Api, server: Server) -> None:
    slug = new_post(api, status="draft")
    write(api, "PATCH", f"/v2/posts/{slug}/", {"title": "Still a draft"})
    write(api, "PATCH", f"/v2/posts/{slug}/", {"status": "draft", "body": "<p>More</p>"})
    assert api.get(f"/v2/posts/{slug}/").status_code == 404
    assert _preview(api, slug)["title"] == "Still a draft"
    write(api, "DELETE", f"/v2/posts/{slug}/")
    assert _types(server, slug) == ["draft.saved", "draft.saved", "draft.saved", "draft.deleted"]
    assert not any(kind.startswith("post.") for kind in _types(server, slug))


def test_a_draft_goes_live_once_with_post_create_and_a_live_deletion_sends_post_delete(
    api: Api, server: Server
) -> None:
    slug = new_post(api, status="draft")
    write(api, "PATCH", f"/v2/posts/{slug}/", {"status": "published"})
    write(api, "PATCH", f"/v2/posts/{slug}/", {"title": "Changed live"})
    write(api, "DELETE", f"/v2/posts/{slug}/")
    assert _types(server, slug) == ["draft.saved", "post.create", "post.update", "post.delete"]


def test_a_draft_cannot_take_a_slug_another_post_has(api: Api) -> None:
    taken = new_post(api)
    slug = new_post(api)
    response = api.patch(f"/v2/posts/{slug}/", json={"status": "draft", "slug": taken})
    assert response.status_code == 400
    assert "slug" in response.text
    assert _live(api, slug)["slug"] == slug


def test_a_live_page_answers_its_live_values_while_a_draft_is_saved_in_a_locale(api: Api, server: Server) -> None:
    page_type = new_page_type(api, [{"key": "headline", "type": "text"}, {"key": "body", "type": "rich_text"}])
    new_page(api, page_type, "faq", {"headline": "FAQ", "body": "<p>Live</p>"})
    write(api, "PATCH", f"/v2/pages/{page_type}/faq/", {"locale": "fr", "fields": {"headline": "FAQ (fr)"}})
    updated = api.ok("GET", f"/v2/pages/{page_type}/faq/")["data"]["updated"]
    time.sleep(1.1)  # timestamps are read to the second
    write(api, "PATCH", f"/v2/pages/{page_type}/faq/", {"status": "draft", "fields": {"body": "<p>Next</p>"}})
    assert api.ok("GET", f"/v2/pages/{page_type}/faq/")["data"]["updated"] == updated  # a draft changes nothing live
    write(
        api,
        "PATCH",
        f"/v2/pages/{page_type}/faq/",
        {"status": "draft", "locale": "fr", "fields": {"headline": "Questions"}},
    )

    def page(**params: Any) -> dict[str, Any]:
        found: dict[str, Any] = api.ok("GET", f"/v2/pages/{page_type}/faq/", params=params)["data"]["fields"]
        return found

    assert page() == {"headline": "FAQ", "body": "<p>Live</p>"}
    assert page(locale="fr") == {"headline": "FAQ (fr)", "body": "<p>Live</p>"}
    assert page(preview=1) == {"headline": "FAQ", "body": "<p>Next</p>"}
    assert page(preview=1, locale="fr") == {"headline": "Questions", "body": "<p>Next</p>"}
    write(api, "PATCH", f"/v2/pages/{page_type}/faq/", {"status": "published"})
    assert page(locale="fr") == {"headline": "Questions", "body": "<p>Next</p>"}
    assert api.ok("GET", f"/v2/pages/{page_type}/faq/")["data"]["updated"] > updated
    mine = [kind for kind, _, payload in events_of_type(server, "page") if payload.get("page_type") == page_type]
    assert mine == ["page.create", "page.update", "draft.saved", "draft.saved", "page.update"]


# Scheduling: a server that runs the worker's loops in process on either backend, looking every second.


@pytest.fixture(scope="module")
def scheduling(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from serve_fresh(backend, tmp_path_factory, "scheduling", GHEE_WORKER_IN_PROCESS="1")


@pytest.fixture
def planner(scheduling: Server) -> Iterator[Api]:
    client = Api(scheduling, scheduling.token("write"))
    yield client
    client.http.close()


def _soon(seconds: float) -> str:
    return (datetime.now(UTC) + timedelta(seconds=seconds)).isoformat()


def _eventually(check: Callable[[], bool], seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "not within the time"
        time.sleep(0.2)


def test_a_scheduled_post_goes_live_at_its_time_and_sends_one_post_create(planner: Api, scheduling: Server) -> None:
    slug = new_post(planner, status="draft", scheduled=_soon(2))
    assert planner.get(f"/v2/posts/{slug}/").status_code == 404
    _eventually(lambda: planner.get(f"/v2/posts/{slug}/").status_code == 200)
    post = _live(planner, slug)
    assert post["status"] == "published"
    time.sleep(1.5)  # a second look of the worker finds nothing more to do
    assert _types(scheduling, slug) == ["draft.saved", "post.create"]
    assert [editor for _, editor, _ in _revisions(scheduling, "post", slug)] == ["schedule"]


def test_a_scheduled_draft_of_a_live_post_replaces_it_at_its_time(planner: Api, scheduling: Server) -> None:
    slug = new_post(planner, body="<p>Old</p>")
    write(planner, "PATCH", f"/v2/posts/{slug}/", {"body": "<p>New</p>", "scheduled": _soon(1)})
    assert _live(planner, slug)["body"] == "<p>Old</p>"
    _eventually(lambda: _live(planner, slug)["body"] == "<p>New</p>")
    assert _types(scheduling, slug) == ["post.create", "draft.saved", "post.update"]


def test_naming_a_status_cancels_a_schedule(planner: Api, scheduling: Server) -> None:
    slug = new_post(planner, status="draft", scheduled=_soon(2))
    write(planner, "PATCH", f"/v2/posts/{slug}/", {"status": "draft"})
    time.sleep(3.5)
    assert planner.get(f"/v2/posts/{slug}/").status_code == 404
    assert _types(scheduling, slug) == ["draft.saved", "draft.saved"]


def test_a_scheduled_page_goes_live_at_its_time(planner: Api, scheduling: Server) -> None:
    page_type = new_page_type(planner, [{"key": "headline", "type": "text"}])
    write(
        planner,
        "POST",
        "/v2/pages/",
        {
            "title": "Launch",
            "slug": "launch",
            "page_type": page_type,
            "fields": {"headline": "Soon"},
            "scheduled": _soon(1),
        },
    )
    assert planner.get(f"/v2/pages/{page_type}/launch/").status_code == 404
    _eventually(lambda: planner.get(f"/v2/pages/{page_type}/launch/").status_code == 200)
    mine = [kind for kind, _, payload in events_of_type(scheduling, "page") if payload.get("page_type") == page_type]
    assert mine == ["draft.saved", "page.create"]
