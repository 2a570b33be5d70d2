"""Every dashboard form that makes something redirects (303), and every delete link only asks: nothing goes on a GET.

A 303 after a ``POST`` is what makes a reload harmless (post/redirect/get);
a delete is a link to a page of the shared confirm template, whose own form
posts. The users, tokens, profile and webhooks pages have tests of their own.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Page

from tests.support.api import Api
from tests.support.blog import new_post, unique
from tests.support.browser import session_client
from tests.support.content import new_items, write
from tests.support.content import unique as unique_key
from tests.support.servers import Server


@pytest.fixture
def api(dash_server: Server) -> Iterator[Api]:
    """An admin token's API client on the dashboard's server."""
    client = Api(dash_server, dash_server.token("admin"))
    yield client
    client.http.close()


@pytest.fixture
def client(signed_in_page: Page, dash_server: Server) -> Iterator[tuple[httpx.Client, str]]:
    """The admin's session as an HTTP client, and the CSRF token its forms carry."""
    csrf = signed_in_page.locator('meta[name="csrf-token"]').get_attribute("content") or ""
    with session_client(signed_in_page, dash_server) as http:
        yield http, csrf


def _made(http: httpx.Client, path: str, form: dict[str, str]) -> str:
    """Post ``form`` to ``path``: a 303 whose page then answers 200; returns where it went."""
    answer = http.post(path, data=form)
    assert answer.status_code == 303, (path, answer.status_code, answer.text[:500])
    location = answer.headers["location"]
    assert http.get(location).status_code == 200
    return location


def test_each_create_form_redirects_so_a_reload_posts_nothing(client: tuple[httpx.Client, str], api: Api) -> None:
    http, csrf = client
    tag = unique("tag")
    assert _made(http, "/content/terms/tags", {"_csrf": csrf, "name": tag}).startswith("/content/terms/tags?saved=")
    author = unique("author")
    assert _made(http, "/content/authors/new", {"_csrf": csrf, "slug": author, "first_name": "Ada"}).startswith(
        f"/content/authors/{author}"
    )
    post = unique("post")
    form = {"_csrf": csrf, "title": f"Notes {post}", "slug": post, "body": "<p>Hi</p>", "action": "draft"}
    assert _made(http, "/content/posts/new", form).startswith(f"/content/posts/{post}/edit?saved=")
    key = unique_key("bestiary")
    write(
        api, "POST", "/v2/collections/", {"key": key, "name": "Bestiary", "fields": [{"key": "name", "type": "text"}]}
    )
    before = len(api.ok("GET", f"/v2/content/{key}/")["data"][key])
    assert _made(http, f"/collections/{key}/new", {"_csrf": csrf, "name": "Wolf", "status": "published"}) == (
        f"/collections/{key}"
    )
    assert len(api.ok("GET", f"/v2/content/{key}/")["data"][key]) == before + 1
    cause = f"cause {uuid.uuid4().hex[:6]}"
    form = {"_csrf": csrf, "name": cause, "category": "typo", "indications": "oops", "priority": "5", "action": "save"}
    assert _made(http, "/health/causes", form).startswith("/health/causes?saved=")


def test_each_delete_link_asks_and_deletes_nothing_until_its_form_posts(
    client: tuple[httpx.Client, str], api: Api
) -> None:
    http, csrf = client
    slug = new_post(api)
    key = unique_key("bestiary")
    write(
        api, "POST", "/v2/collections/", {"key": key, "name": "Bestiary", "fields": [{"key": "name", "type": "text"}]}
    )
    new_items(api, key, [{"name": "Wolf"}])
    [wolf] = api.ok("GET", f"/v2/content/{key}/")["data"][key]
    item = wolf["meta"]["id"]

    for asks, action in (
        (f"/content/posts/{slug}/delete", f"/content/posts/{slug}/delete"),
        (f"/collections/{key}/items/{item}/delete", f"/collections/{key}/items/{item}/delete"),
    ):
        page = http.get(asks)
        assert page.status_code == 200
        assert f'action="{action}"' in page.text
        assert 'name="_csrf"' in page.text
    assert api.get(f"/v2/posts/{slug}/").status_code == 200
    assert len(api.ok("GET", f"/v2/content/{key}/")["data"][key]) == 1

    gone = _made(http, f"/content/posts/{slug}/delete", {"_csrf": csrf})
    assert gone.startswith("/content/posts?deleted=")
    assert api.get(f"/v2/posts/{slug}/", params={"preview": 1}).status_code == 404
    assert (
        http.post(f"/content/posts/{slug}/delete", data={"_csrf": csrf}).status_code == 404
    )  # a re-post finds nothing
    assert _made(http, f"/collections/{key}/items/{item}/delete", {"_csrf": csrf}).startswith(
        f"/collections/{key}?deleted="
    )
    assert api.ok("GET", f"/v2/content/{key}/")["data"][key] == []
