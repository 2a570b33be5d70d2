"""Conditional reads on /v2: an ETag on every successful GET, 304 while it still matches."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest

from tests.support.servers import Server


@pytest.fixture
def client(server: Server) -> Iterator[httpx.Client]:
    token = server.token("write")
    with httpx.Client(base_url=server.base_url, headers={"Authorization": f"Token {token}"}) as http:
        yield http


def test_a_read_carries_an_etag_cache_control_and_vary(client: httpx.Client) -> None:
    response = client.get("/v2/tags/")
    assert response.status_code == 200
    assert response.headers["etag"].startswith('"')
    assert response.headers["cache-control"] == "private, no-cache"
    assert response.headers["vary"] == "Authorization"


@pytest.mark.parametrize("form", ["{}", "W/{}", "*", '"other", {}'])
def test_a_matching_if_none_match_is_answered_304_without_a_body(client: httpx.Client, form: str) -> None:
    etag = client.get("/v2/tags/").headers["etag"]
    response = client.get("/v2/tags/", headers={"If-None-Match": form.format(etag)})
    assert response.status_code == 304
    assert response.content == b""
    assert response.headers["etag"] == etag
    assert "x-ratelimit-remaining" in response.headers


def test_a_stale_etag_gets_the_new_content(client: httpx.Client) -> None:
    etag = client.get("/v2/tags/").headers["etag"]
    name = f"Patch {uuid.uuid4().hex[:8]}"
    assert client.post("/v2/tags/", json={"name": name}).status_code == 202
    response = client.get("/v2/tags/", headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert response.headers["etag"] != etag
    assert name in response.text


def test_different_content_has_different_etags(client: httpx.Client) -> None:
    assert client.get("/v2/tags/").headers["etag"] != client.get("/v2/authors/").headers["etag"]


def test_errors_and_writes_carry_no_etag(client: httpx.Client) -> None:
    missing = client.get("/v2/tags/no-such-tag-anywhere/")
    assert missing.status_code == 404
    assert "etag" not in missing.headers
    written = client.post("/v2/tags/", json={"name": f"Hotfix {uuid.uuid4().hex[:8]}"})
    assert written.status_code == 202
    assert "etag" not in written.headers


def test_a_rejected_token_is_401_even_with_a_matching_etag(client: httpx.Client, server: Server) -> None:
    etag = client.get("/v2/tags/").headers["etag"]
    response = httpx.get(f"{server.base_url}/v2/tags/", headers={"If-None-Match": etag})
    assert response.status_code == 401
