"""The blog's whole editor in the browser: authors, categories and tags, the media library, inline images,
scheduling, revisions, and an editor whose HTML is byte for byte what the API returns."""

from __future__ import annotations

import io
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from tests.support.api import Api
from tests.support.blog import new_post, unique, write
from tests.support.browser import PHONE, shoot, width_on_a_phone
from tests.support.servers import Server
from tests.support.webhooks import start_worker, stop


@pytest.fixture
def api(dash_server: Server) -> Iterator[Api]:
    client = Api(dash_server, dash_server.token("admin"))
    yield client
    client.http.close()


def _image(tmp_path: Path, name: str, color: tuple[int, int, int]) -> Path:
    path = tmp_path / name
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), color).save(buffer, "PNG")
    path.write_bytes(buffer.getvalue())
    return path


def _fits_the_phone(page: Page) -> None:
    assert width_on_a_phone(page) <= PHONE["width"]
    page.set_viewport_size({"width": 1280, "height": 800})


def _upload_to_the_library(page: Page, image: Path) -> str:
    """Upload ``image`` on the media page; returns its handle."""
    page.goto("/content/media")
    page.get_by_label("Upload an image").set_input_files(image)
    page.get_by_role("button", name="Upload", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Image uploaded")
    return page.url.rsplit("saved=", 1)[1]


def test_create_an_author_with_an_avatar_a_category_and_a_tag(signed_in_page: Page, api: Api, tmp_path: Path) -> None:
    page = signed_in_page
    slug = unique("writer")
    page.get_by_role("link", name="Content", exact=True).click()
    page.get_by_role("link", name="Authors", exact=True).click()
    page.get_by_role("link", name="New author").click()
    page.get_by_label("First name").fill("Ada")
    page.get_by_label("Last name").fill("Lovelace")
    page.get_by_label("Slug").fill(slug)
    page.get_by_label("Title (role)").fill("Lead writer")
    page.get_by_label("Upload an image").set_input_files(_image(tmp_path, "ada.png", (30, 90, 160)))
    page.get_by_role("button", name="Create author").click()
    expect(page.get_by_role("status")).to_contain_text("Saved")
    author = api.ok("GET", f"/v2/authors/{slug}/")["data"]
    assert (author["first_name"], author["last_name"], author["title"]) == ("Ada", "Lovelace", "Lead writer")
    assert "/media/" in author["profile_image"]
    page.get_by_role("navigation", name="Content").get_by_role("link", name="Authors").click()
    expect(page.locator(f'[data-author="{slug}"] img.avatar')).to_have_attribute("src", author["profile_image"])
    shoot(page, "content-authors")
    _fits_the_phone(page)

    category = unique("Roadmap")
    page.get_by_role("link", name="Categories", exact=True).click()
    page.get_by_label("New category").fill(category)
    page.get_by_role("button", name="Add category").click()
    expect(page.get_by_role("status")).to_contain_text(category.lower())
    assert category in [c["name"] for c in api.ok("GET", "/v2/categories/")["data"]]
    page.get_by_label("New category").fill(category)  # the same slug again: refused, inline
    page.get_by_role("button", name="Add category").click()
    expect(page.get_by_role("alert")).to_contain_text("already exists")

    tag = unique("season")
    page.get_by_role("link", name="Tags", exact=True).click()
    page.get_by_label("New tag").fill(tag)
    page.get_by_role("button", name="Add tag").click()
    page.get_by_label(f"Name of {tag}").fill(f"{tag} renamed")
    page.get_by_role("button", name=f"Rename {tag}").click()
    expect(page.get_by_role("status")).to_contain_text(tag)
    assert api.ok("GET", f"/v2/tags/{tag}/")["data"]["name"] == f"{tag} renamed"
    _fits_the_phone(page)


@pytest.fixture
def publisher(backend: str, dash_server: Server, tmp_path: Path) -> Iterator[None]:
    """What publishes scheduled posts: ``ghee serve`` itself on SQLite, a ``ghee worker`` for the test on PostgreSQL."""
    if backend == "sqlite":
        yield
        return
    worker = start_worker(dash_server, tmp_path / "worker.log", GHEE_WORKER_POLL_SECONDS="0.2")
    yield
    stop(worker)


@pytest.mark.usefixtures("publisher")
def test_write_a_post_with_an_inline_image_from_the_library_schedule_it_and_see_it_go_live(
    signed_in_page: Page, api: Api, tmp_path: Path
) -> None:
    page = signed_in_page
    name = f"{unique('map')}.png"
    handle = _upload_to_the_library(page, _image(tmp_path, name, (20, 140, 60)))
    slug = unique("scheduled")

    page.goto("/content/posts/new")
    page.get_by_label("Title", exact=True).fill("Map reveal")
    page.get_by_label("Slug").fill(slug)
    body = page.get_by_role("textbox", name="Body")
    body.click()
    body.press_sequentially("The new map: ")
    page.get_by_role("button", name="Bold").click()
    body.press_sequentially("big")
    page.get_by_role("button", name="Bold").click()
    page.get_by_role("button", name="Image", exact=True).click()
    page.get_by_role("button", name=f"Insert {name}").click()
    expect(body.locator("img")).to_have_count(1)
    page.get_by_role("button", name="Undo").click()
    expect(body.locator("img")).to_have_count(0)  # an inserted image is undone like any edit
    page.get_by_role("button", name="Redo").click()
    expect(body.locator("img")).to_have_count(1)
    page.get_by_role("button", name="Choose from the library").click()  # the same image, reused as the cover
    page.get_by_role("button", name=f"Insert {name}").click()
    expect(page.locator("#featured-preview")).to_be_visible()
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("status")).to_contain_text("Draft saved")

    # What the editor holds after the save is, byte for byte, the body the API returns.
    drafted = api.ok("GET", f"/v2/posts/{slug}/", params={"preview": 1})["data"]
    stored = drafted["body"]
    assert drafted["featured_image"].endswith(f"/media/{handle}")
    assert f"/media/{handle}" in stored
    assert "<b>big</b>" in stored
    assert page.get_by_role("textbox", name="Body").evaluate("box => box.innerHTML") == stored

    moment = datetime.now(UTC) + timedelta(seconds=3)
    page.get_by_label("Publish at").fill(moment.strftime("%Y-%m-%dT%H:%M:%S"))
    page.get_by_role("button", name="Schedule", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Scheduled")
    expect(page.locator("#post-state")).to_contain_text("scheduled")
    assert api.get(f"/v2/posts/{slug}/").status_code == 404
    deadline = time.monotonic() + 30
    while api.get(f"/v2/posts/{slug}/").status_code != 200:
        assert time.monotonic() < deadline, "the scheduled post did not go live"
        time.sleep(0.3)
    assert api.ok("GET", f"/v2/posts/{slug}/")["data"]["body"] == stored
    page.reload()
    expect(page.locator("#post-state")).to_contain_text("published")
    expect(page.get_by_role("button", name="Update")).to_be_visible()
    happened = api.ok("GET", "/v1/events", params={"resource": slug, "type": "post.*"})["events"]
    assert [event["type"] for event in happened] == ["post.create"]
    shoot(page, "content-post-scheduled")


def test_restore_an_old_revision_as_a_draft_and_publish_it(signed_in_page: Page, api: Api) -> None:
    page = signed_in_page
    slug = new_post(api, title="Version one", body="<p>First words</p>")
    write(api, "PATCH", f"/v2/posts/{slug}/", {"status": "published", "title": "Version two", "body": "<p>Second</p>"})
    page.goto(f"/content/posts/{slug}/edit")
    expect(page.locator("[data-revision]")).to_have_count(2)
    expect(page.locator('[data-revision="2"]')).to_contain_text("body, title")
    page.get_by_role("button", name="Restore revision 1 as the draft").click()
    expect(page.get_by_role("status")).to_contain_text("now the draft")
    expect(page.locator("#post-state")).to_contain_text("unpublished changes")
    expect(page.get_by_label("Title", exact=True)).to_have_value("Version one")
    assert api.ok("GET", f"/v2/posts/{slug}/")["data"]["title"] == "Version two"  # live until published
    assert api.ok("GET", f"/v2/posts/{slug}/", params={"preview": 1})["data"]["title"] == "Version one"
    page.get_by_role("button", name="Update").click()
    expect(page.get_by_role("status")).to_contain_text("Published")
    live = api.ok("GET", f"/v2/posts/{slug}/")["data"]
    assert (live["title"], live["body"]) == ("Version one", "<p>First words</p>")
    expect(page.locator("[data-revision]")).to_have_count(3)
    _fits_the_phone(page)


def test_the_library_refuses_to_delete_an_image_in_use(
    signed_in_page: Page, api: Api, dash_server: Server, tmp_path: Path
) -> None:
    page = signed_in_page
    used = _upload_to_the_library(page, _image(tmp_path, f"{unique('used')}.png", (200, 10, 10)))
    spare = _upload_to_the_library(page, _image(tmp_path, f"{unique('spare')}.png", (10, 10, 200)))
    slug = new_post(api, featured_image=f"{dash_server.base_url}/media/{used}")
    page.goto("/content/media")
    page.locator(f'[data-media="{used}"]').get_by_role("link", name="Delete").click()
    page.get_by_role("button", name="Delete image").click()
    expect(page.get_by_role("alert")).to_contain_text("used by post")
    assert api.get(f"/media/{used}").status_code == 200
    page.goto(f"/content/media/{used}")
    expect(
        page.get_by_role("link", name=slug.replace("-", " "), exact=False).or_(
            page.locator(f'a[href="/content/posts/{slug}/edit"]')
        )
    ).to_be_visible()
    page.goto("/content/media")
    page.locator(f'[data-media="{spare}"]').get_by_role("link", name="Delete").click()
    expect(page.locator("h1")).to_have_text(re.compile(r"^Delete the image “spare-.*\.png”\?$"))
    page.get_by_role("link", name="Cancel").click()
    assert api.get(f"/media/{spare}").status_code == 200  # asking deleted nothing
    page.locator(f'[data-media="{spare}"]').get_by_role("link", name="Delete").click()
    page.get_by_role("button", name="Delete image").click()
    expect(page.get_by_role("status")).to_have_text(re.compile(r"^Deleted the image “spare-.*\.png”\.$"))
    assert api.get(f"/media/{spare}").status_code == 404
    expect(page.locator(f'[data-media="{spare}"]')).to_have_count(0)
    _fits_the_phone(page)
