"""Rich text written through /v2 is stored cleaned (core's ``clean_html``); plain text is stored as sent.

Issue 15: a ``write`` token stored ``<img src=x onerror=...>`` in a post body,
and the dashboard's editor ran it in a signed-in admin's session.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.support.api import Api
from tests.support.blog import new_post
from tests.support.blog import unique as unique_slug
from tests.support.content import new_collection, new_items, new_page, new_page_type, unique, write

# What an attacker sends, and what a reader gets back.
PAYLOADS = [
    ("<p>Hi<img src=x onerror=alert(1)></p>", '<p>Hi<img src="x"></p>'),
    ("<p>Hi<script>alert(1)</script></p>", "<p>Hi</p>"),
    ('<a href="javascript:alert(1)">go</a>', '<a rel="noopener noreferrer">go</a>'),
    ("<svg onload=alert(1)><p>x</p></svg>", "<p>x</p>"),
    ('<a href="  JaVaScRiPt:alert(1)">go</a>', '<a rel="noopener noreferrer">go</a>'),
]
DANGEROUS = re.compile(r"<script|<svg|\son\w+\s*=|javascript:", re.IGNORECASE)
# Plain text that merely looks like HTML: stored and answered byte for byte.
PLAIN = "  <b>5 < 6</b> & <img src=x onerror=alert(1)> 'q' \"q\" \n"


def _post(api: Api, slug: str) -> dict[str, Any]:
    data: dict[str, Any] = api.ok("GET", f"/v2/posts/{slug}/", params={"preview": 1})["data"]
    return data


@pytest.mark.parametrize(("sent", "cleaned"), PAYLOADS)
def test_a_post_body_is_stored_cleaned(api: Api, sent: str, cleaned: str) -> None:
    slug = new_post(api, body=sent, status="draft")
    body = _post(api, slug)["body"]
    assert body == cleaned
    assert not DANGEROUS.search(body)


def test_a_post_body_changed_later_is_cleaned_too(api: Api) -> None:
    slug = new_post(api)
    write(api, "PATCH", f"/v2/posts/{slug}/", {"body": '<p>Patch <img src=x onerror="window.__xss=1"></p>'})
    assert _post(api, slug)["body"] == '<p>Patch <img src="x"></p>'
    put = {"title": "Replaced", "slug": slug, "body": "<script>alert(1)</script><p>Whole</p>", "status": "draft"}
    write(api, "PUT", f"/v2/posts/{slug}/", put)
    assert _post(api, slug)["body"] == "<p>Whole</p>"


def test_the_plain_text_fields_of_a_post_are_stored_as_sent(api: Api) -> None:
    title = "Fish & chips <b>tonight</b>"
    slug = new_post(api, title=title, summary=PLAIN, seo_title=PLAIN.strip(), meta_description=PLAIN)
    post = _post(api, slug)
    assert (post["title"], post["summary"], post["seo_title"], post["meta_description"]) == (
        title,
        PLAIN,
        PLAIN.strip(),
        PLAIN,
    )


def test_a_clean_body_is_kept_as_written(api: Api) -> None:
    body = '<h2>Fixes</h2><ul><li><a href="https://example.com/a" title="A">a</a></li></ul><p><strong>b</strong></p>'
    slug = new_post(api, body=body, slug=unique_slug("clean"))
    assert _post(api, slug)["body"] == body.replace('title="A"', 'title="A" rel="noopener noreferrer"')


_SCHEMA = [
    {"key": "title", "type": "text"},
    {"key": "body", "type": "rich_text"},
    {"key": "faq", "type": "repeater", "fields": [{"key": "q", "type": "text"}, {"key": "a", "type": "rich_text"}]},
]


def _page_fields(api: Api, page_type: str, slug: str, locale: str | None = None) -> dict[str, Any]:
    params: dict[str, Any] = {"preview": 1, **({"locale": locale} if locale else {})}
    fields: dict[str, Any] = api.ok("GET", f"/v2/pages/{page_type}/{slug}/", params=params)["data"]["fields"]
    return fields


@pytest.mark.parametrize(("sent", "cleaned"), PAYLOADS)
def test_a_page_rich_text_field_is_stored_cleaned_and_its_text_fields_as_sent(
    api: Api, sent: str, cleaned: str
) -> None:
    page_type = new_page_type(api, _SCHEMA)
    slug = unique("page")
    new_page(api, page_type, slug, {"title": PLAIN, "body": sent, "faq": [{"q": PLAIN, "a": sent}]})
    fields = _page_fields(api, page_type, slug)
    assert fields["body"] == cleaned
    assert fields["faq"] == [{"q": PLAIN, "a": cleaned}]
    assert fields["title"] == PLAIN


def test_a_page_updated_in_another_locale_is_cleaned(api: Api) -> None:
    page_type = new_page_type(api, _SCHEMA)
    slug = unique("page")
    new_page(api, page_type, slug, {"title": "Hello", "body": "<p>Hello</p>"})
    change = {"fields": {"body": "<p>Salut<img src=x onerror=alert(1)></p>"}}
    write(api, "PATCH", f"/v2/pages/{page_type}/{slug}/", {**change, "locale": "fr"})
    assert _page_fields(api, page_type, slug, "fr")["body"] == '<p>Salut<img src="x"></p>'
    assert _page_fields(api, page_type, slug)["title"] == "Hello"


@pytest.mark.parametrize(("sent", "cleaned"), PAYLOADS)
def test_a_collection_item_rich_text_field_is_stored_cleaned(api: Api, sent: str, cleaned: str) -> None:
    key = new_collection(api, _SCHEMA)
    [item_id] = new_items(api, key, [{"title": PLAIN, "body": sent}])
    write(api, "PATCH", f"/v2/content/{key}/{item_id}/", {"fields": {"faq": [{"q": PLAIN, "a": sent}]}})
    [item] = api.ok("GET", f"/v2/content/{key}/", params={"preview": 1})["data"][key]
    assert (item["title"], item["body"], item["faq"]) == (PLAIN, cleaned, [{"q": PLAIN, "a": cleaned}])
