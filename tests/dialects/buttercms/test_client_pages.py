"""The official ``buttercms-python`` client's page and content calls, against a real server."""

from __future__ import annotations

import pytest
from butter_cms import ButterCMS
from requests.exceptions import HTTPError

from tests.support.api import Api
from tests.support.content import (
    NEWS_FIELDS,
    SEED_NEWS_PAGE,
    new_collection,
    new_items,
    new_page,
    new_page_type,
    unique,
    write,
)
from tests.support.servers import Server


def butter(server: Server, scope: str = "read") -> ButterCMS:
    """The official client, pointed at ``server`` with a fresh token."""
    client = ButterCMS(server.token(scope))
    for part in (client.pages, client.content_fields):
        part.url = f"{server.base_url}/v2/"
    return client


def test_client_lists_gets_and_searches_pages(api: Api, server: Server) -> None:
    news = new_page_type(api, NEWS_FIELDS)
    new_page(api, news, "example-news-page", SEED_NEWS_PAGE)
    client = butter(server)
    listed = client.pages.all(news, {"page_size": 10})
    assert listed["meta"] == {"count": 1, "next_page": None, "previous_page": None}
    assert listed["data"][0]["fields"] == SEED_NEWS_PAGE
    one = client.pages.get(news, "example-news-page", {"preview": 1})
    assert one["data"]["slug"] == "example-news-page"
    found = client.pages.search("breaking NEWS", {"page_type": news})
    assert [page["slug"] for page in found["data"]] == ["example-news-page"]


def test_client_retrieves_content_fields_and_collections(api: Api, server: Server) -> None:
    title = unique("homepage_title")
    write(api, "PUT", f"/v2/content/{title}/", {"value": "ButterCMS"})
    team = new_collection(api, [{"key": "name", "type": "text"}])
    new_items(api, team, [{"name": "Elon Musk"}, {"name": "Steve Jobs"}])
    client = butter(server)
    data = client.content_fields.get([title, f"{team}[name=Steve Jobs]"], {"test": 1})["data"]
    assert data[title] == "ButterCMS"
    assert [item["name"] for item in data[team]] == ["Steve Jobs"]


def test_client_sees_404_as_an_error(server: Server) -> None:
    client = butter(server)
    with pytest.raises(HTTPError, match="404"):
        client.pages.get("no_such_type", "nothing")
