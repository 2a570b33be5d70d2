"""Content: write and publish a post in the browser (and see it on /v2/posts/ and the RSS feed), pages, collections."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import feedparser
import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from tests.support.accessibility import _PAIRS_SCRIPT as PAIRS_SCRIPT
from tests.support.accessibility import contrast
from tests.support.api import Api
from tests.support.blog import new_author, new_post, unique
from tests.support.browser import PHONE, session_client, shoot, width_on_a_phone
from tests.support.content import new_items, new_page, write
from tests.support.content import unique as unique_key
from tests.support.servers import Server


@pytest.fixture
def api(dash_server: Server) -> Iterator[Api]:
    """An admin token's API client on the dashboard's server."""
    client = Api(dash_server, dash_server.token("admin"))
    yield client
    client.http.close()


def _png(tmp_path: Path) -> Path:
    path = tmp_path / "cover.png"
    buffer = io.BytesIO()
    Image.new("RGB", (320, 180), (200, 80, 40)).save(buffer, "PNG")
    path.write_bytes(buffer.getvalue())
    return path


def _fits_the_phone(page: Page) -> None:
    assert width_on_a_phone(page) <= PHONE["width"]


def _is_on_the_api_and_the_feed(api: Api, server: Server, slug: str, title: str, author: str) -> None:
    """The published post, whole, on ``/v2/posts/``; its image served; its title in the RSS feed."""
    listed = api.ok("GET", "/v2/posts/")["data"]
    mine = next(post for post in listed if post["slug"] == slug)
    assert mine["body"] == "<h2><b>Big fixes</b></h2>"  # bold, then made a heading
    assert mine["status"] == "published"
    assert mine["author"]["slug"] == author
    assert [c["name"] for c in mine["categories"]] == ["Releases"]
    assert sorted(t["name"] for t in mine["tags"]) == ["patch", "pc"]
    assert mine["seo_title"] == "Patch notes for PC"
    assert api.get(mine["featured_image"].replace(server.base_url, "")).headers["content-type"] == "image/png"
    feed = feedparser.parse(api.ok("GET", "/v2/feeds/rss/")["data"])
    assert title in [entry.title for entry in feed.entries]


def test_write_and_publish_a_post_and_see_it_on_the_api_and_the_feed(
    signed_in_page: Page, dash_server: Server, api: Api, tmp_path: Path
) -> None:
    page = signed_in_page
    author = new_author(api, first_name="Ada", last_name="Quill")
    title = f"Patch notes {unique('v')}"
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower())

    page.get_by_role("link", name="Content", exact=True).click()
    expect(page).to_have_url(re.compile(r"/content/posts$"))
    page.get_by_role("link", name="New post").click()
    page.get_by_label("Title", exact=True).fill(title)
    expect(page.get_by_label("Slug")).to_have_value(slug)  # filled from the title
    body = page.get_by_role("textbox", name="Body")
    body.click()
    page.get_by_role("button", name="Bold").click()
    body.press_sequentially("Big fixes")
    page.get_by_role("button", name="Heading").click()
    page.get_by_label("Author", exact=True).select_option(author)
    page.get_by_label("Categories").fill("Releases")
    page.get_by_label("Tags").fill("patch, pc")
    page.get_by_label("SEO title", exact=True).fill("Patch notes for PC")
    page.get_by_label("Meta description").fill("What changed this week.")

    # A file that is not an image: refused inline, and nothing is written.
    not_image = tmp_path / "notes.png"
    not_image.write_text("not an image")
    page.get_by_label("Upload an image").set_input_files(not_image)
    page.get_by_role("button", name="Publish", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("not an image")
    expect(page.get_by_label("Title", exact=True)).to_have_value(title)  # the form keeps what was typed
    assert api.get(f"/v2/posts/{slug}/", params={"preview": 1}).status_code == 404

    page.get_by_role("textbox", name="Body").click()
    page.get_by_label("Upload an image").set_input_files(_png(tmp_path))
    expect(page.locator("#featured-preview")).to_be_visible()
    page.get_by_role("button", name="Publish", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Published.")
    expect(page.locator("#featured-preview")).to_have_attribute("src", re.compile(r"/media/[0-9a-f]+$"))
    shoot(page, "content-post-editor")

    _is_on_the_api_and_the_feed(api, dash_server, slug, title, author)

    page.goto("/content/posts?status=published&q=" + slug[-8:])
    expect(page.locator("tbody tr")).to_have_count(1)
    expect(page.locator("tbody tr")).to_contain_text(title)
    shoot(page, "content-posts")
    _fits_the_phone(page)
    page.goto(f"/content/posts/{slug}/edit")
    _fits_the_phone(page)
    shoot(page, "content-post-editor-phone")


def test_a_post_is_deleted_only_after_the_confirm_page_and_the_list_says_which(signed_in_page: Page, api: Api) -> None:
    page = signed_in_page
    slug = new_post(api)
    title = f"Patch notes {slug}"
    page.goto(f"/content/posts/{slug}/edit")
    page.get_by_role("link", name="Delete this post…").click()
    expect(page.locator("h1")).to_have_text(f"Delete the post “{title}”?")
    expect(page.locator("main")).to_contain_text("It is live")
    page.get_by_role("link", name="Cancel").click()
    expect(page.get_by_label("Title", exact=True)).to_have_value(title)
    assert api.get(f"/v2/posts/{slug}/").status_code == 200  # asking deleted nothing

    page.get_by_role("link", name="Delete this post…").click()
    page.get_by_role("button", name="Delete post").click()
    expect(page).to_have_url(re.compile(r"/content/posts\?deleted="))
    expect(page.get_by_role("status")).to_have_text(f"Deleted the post “{title}”.")
    assert api.get(f"/v2/posts/{slug}/", params={"preview": 1}).status_code == 404
    page.reload()  # a reload gets the list again: nothing is posted twice
    expect(page.get_by_role("status")).to_have_text(f"Deleted the post “{title}”.")
    _fits_the_phone(page)


def test_a_draft_is_previewed_not_published_and_its_html_is_cleaned(
    signed_in_page: Page, dash_server: Server, api: Api
) -> None:
    page = signed_in_page
    page.goto("/content/posts/new")
    csrf = page.locator('meta[name="csrf-token"]').get_attribute("content")
    slug = unique("draft")
    with session_client(page, dash_server) as client:  # what a browser without JavaScript sends
        saved = client.post(
            "/content/posts/new",
            data={
                "_csrf": csrf,
                "title": "Secret plans",
                "slug": slug,
                "body": '<p onclick="steal()">Soon<script>alert(1)</script> <a href="javascript:x()">go</a></p>',
                "action": "draft",
            },
        )
    assert saved.status_code == 303
    page.goto(f"/content/posts/{slug}/preview")
    expect(page.get_by_role("status")).to_contain_text("Preview of a draft")
    expect(page.get_by_role("heading", name="Secret plans")).to_be_visible()
    stored = api.ok("GET", f"/v2/posts/{slug}/", params={"preview": 1})["data"]["body"]
    assert "script" not in stored
    assert "onclick" not in stored
    assert "javascript" not in stored
    assert "Soon" in stored
    assert api.get(f"/v2/posts/{slug}/").status_code == 404  # a draft: not on the public API

    page.goto("/content/posts?status=draft")
    expect(page.locator(f'tr[data-post="{slug}"]')).to_contain_text("draft")
    page.goto(f"/content/posts/{slug}/edit")
    taken = new_post(api)
    page.get_by_label("Slug").fill(taken)
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("alert")).to_contain_text("Slug a post with this slug already exists")
    expect(page.get_by_label("Slug")).to_have_attribute("aria-invalid", "true")
    assert api.get(f"/v2/posts/{slug}/", params={"preview": 1}).status_code == 200  # unchanged


def test_edit_a_page_in_a_second_locale(signed_in_page: Page, api: Api) -> None:
    page = signed_in_page
    fields = [
        {"key": "headline", "type": "text", "required": True},
        {"key": "body", "type": "rich_text"},
        {"key": "players", "type": "number"},
    ]
    page_type = unique_key("landing")
    write(api, "POST", "/v2/page_types/", {"key": page_type, "name": "Landing pages", "fields": fields})
    new_page(api, page_type, "launch", {"headline": "Hello", "body": "<p>Welcome</p>", "players": 4}, title="Launch")

    page.get_by_role("link", name="Content", exact=True).click()
    page.get_by_role("link", name="Pages", exact=True).click()
    page.get_by_role("link", name="Landing pages").click()
    page.get_by_role("link", name="New page").click()
    page.get_by_label("Title", exact=True).fill("Sale")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("alert")).to_contain_text("headline: is required")
    page.get_by_label("headline").fill("Half price")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("status")).to_contain_text("Draft saved")
    assert (
        api.ok("GET", f"/v2/pages/{page_type}/sale/", params={"preview": 1})["data"]["fields"]["headline"]
        == "Half price"
    )
    page.get_by_role("link", name="Landing pages").click()
    page.get_by_role("link", name="Launch").click()
    expect(page.get_by_label("headline")).to_have_value("Hello")
    page.get_by_label("Locale", exact=True).fill("fr")
    page.get_by_role("button", name="Switch").click()
    expect(page.get_by_label("headline")).to_have_value("")
    expect(page.get_by_label("headline")).to_have_attribute("placeholder", "Hello")  # the default shows through

    page.get_by_label("players").fill("many")
    page.get_by_role("button", name="Update").click()
    expect(page.get_by_role("alert")).to_contain_text("players: must be a number")
    page.get_by_label("players").fill("")
    page.get_by_label("headline").fill("Bonjour")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("status")).to_contain_text("Draft saved. (locale fr)")
    expect(page.get_by_label("headline")).to_have_value("Bonjour")  # the editor shows the draft
    live = api.ok("GET", f"/v2/pages/{page_type}/launch/", params={"locale": "fr"})["data"]["fields"]
    assert live["headline"] == "Hello"  # the live page keeps answering while its draft waits
    page.get_by_role("button", name="Update").click()
    expect(page.get_by_role("status")).to_contain_text("Published. (locale fr)")
    shoot(page, "content-page-locale")

    french = api.ok("GET", f"/v2/pages/{page_type}/launch/", params={"locale": "fr"})["data"]["fields"]
    default = api.ok("GET", f"/v2/pages/{page_type}/launch/")["data"]["fields"]
    assert french["headline"] == "Bonjour"
    assert french["players"] == 4  # left empty: falls back to the default locale
    assert default["headline"] == "Hello"
    _fits_the_phone(page)


def test_add_edit_and_delete_collection_items(signed_in_page: Page, api: Api) -> None:
    page = signed_in_page
    key = unique_key("monsters")
    fields = [
        {"key": "name", "type": "text", "required": True},
        {"key": "level", "type": "number"},
        {"key": "boss", "type": "boolean"},
    ]
    write(api, "POST", "/v2/collections/", {"key": key, "name": "Monsters", "fields": fields})
    new_items(api, key, [{"name": "Slime", "level": 1, "boss": False}])

    page.get_by_role("link", name="Collections", exact=True).click()
    page.get_by_role("link", name="Monsters").click()
    expect(page.locator("tbody tr")).to_have_count(1)
    page.get_by_role("link", name="Add item").click()
    page.get_by_role("button", name="Add item").click()
    expect(page.get_by_role("alert")).to_contain_text("name: is required")
    page.get_by_label("name").fill("Dragon")
    page.get_by_label("level").fill("30")
    page.get_by_label("boss").check()
    page.get_by_role("button", name="Add item").click()
    expect(page.locator("tbody tr")).to_have_count(2)
    expect(page.locator("tbody tr").last).to_contain_text("Dragon")
    page.reload()  # the add redirected (303): a reload adds nothing
    expect(page.locator("tbody tr")).to_have_count(2)
    shoot(page, "collections")

    items = api.ok("GET", f"/v2/content/{key}/")["data"][key]
    dragon = next(item for item in items if item["name"] == "Dragon")
    assert (dragon["level"], dragon["boss"]) == (30, True)

    page.get_by_role("link", name=f"Edit item {dragon['meta']['id']}").click()
    page.get_by_label("level").fill("31")
    page.get_by_role("button", name="Save item").click()
    expect(page.locator("tbody tr").last).to_contain_text("31")

    # A draft of the live item waits aside; an old revision comes back as the draft.
    page.get_by_role("link", name=f"Edit item {dragon['meta']['id']}").click()
    page.get_by_label("level").fill("99")
    page.get_by_label("Save as").select_option("draft")
    page.get_by_role("button", name="Save item").click()
    live = next(item for item in api.ok("GET", f"/v2/content/{key}/")["data"][key] if item["name"] == "Dragon")
    assert live["level"] == 31
    drafted = api.ok("GET", f"/v2/content/{key}/", params={"test": 1})["data"][key]
    assert next(item for item in drafted if item["name"] == "Dragon")["level"] == 99
    page.get_by_role("link", name=f"Edit item {dragon['meta']['id']}").click()
    expect(page.locator("#item-state")).to_contain_text("unpublished changes")
    expect(page.locator("[data-revision]")).to_have_count(2)
    page.get_by_role("button", name="Restore revision 1 as the draft").click()
    expect(page.get_by_label("level")).to_have_value("30")
    page.goto(f"/collections/{key}")
    _delete_after_asking(page, dragon["meta"]["id"])
    assert [item["name"] for item in api.ok("GET", f"/v2/content/{key}/")["data"][key]] == ["Slime"]
    _fits_the_phone(page)


def _delete_after_asking(page: Page, item_id: int) -> None:
    """Delete the Monsters item ``item_id`` (Dragon) from its list: the confirm page first, then the list says so."""
    page.get_by_role("link", name=f"Delete item {item_id}").click()
    expect(page.locator("h1")).to_have_text(f"Delete item {item_id}, “Dragon” from Monsters?")
    page.get_by_role("link", name="Cancel").click()
    expect(page.locator("tbody tr")).to_have_count(2)  # asking deleted nothing
    page.get_by_role("link", name=f"Delete item {item_id}").click()
    page.get_by_role("button", name="Delete item").click()
    expect(page.get_by_role("status")).to_have_text(f"Deleted item {item_id}, “Dragon”.")
    expect(page.locator("tbody tr")).to_have_count(1)


def test_content_pages_have_labels_contrast_and_one_h1(signed_in_page: Page, api: Api) -> None:
    page = signed_in_page
    slug = new_post(api, status="draft", body="<p>Hi</p>")
    fields = [{"key": "title", "type": "text", "required": True}, {"key": "on", "type": "boolean"}]
    page_type, collection = unique_key("a11y"), unique_key("a11y")
    write(api, "POST", "/v2/page_types/", {"key": page_type, "name": "Guides", "fields": fields})
    write(api, "POST", "/v2/collections/", {"key": collection, "name": "Links", "fields": fields})
    new_page(api, page_type, "intro", {"title": "Intro", "on": True})
    paths = [
        "/content/posts",
        "/content/posts/new",
        f"/content/posts/{slug}/preview",
        "/content/pages",
        f"/content/pages/{page_type}",
        f"/content/pages/{page_type}/intro?locale=de",
        "/collections",
        f"/collections/{collection}/new",
    ]
    for path in paths:
        page.goto(path)
        assert page.locator("h1").count() == 1, path
        unlabelled = page.eval_on_selector_all(
            "input:not([type=hidden]), select, textarea:not([hidden])",
            "els => els.filter(el => el.labels.length === 0).map(el => el.id)",
        )
        assert unlabelled == [], path
        low = [pair for pair in page.evaluate(PAIRS_SCRIPT) if contrast(pair[1], pair[2]) < 4.5]
        assert low == [], path
    page.goto("/content/posts/new")
    assert page.get_by_role("textbox", name="Body").get_attribute("contenteditable") == "true"
    assert page.evaluate("[...document.scripts].some(s => s.src.includes('/static/editor.'))")
    page.goto("/content/posts")
    assert not page.evaluate("[...document.scripts].some(s => s.src.includes('/static/editor.'))")
