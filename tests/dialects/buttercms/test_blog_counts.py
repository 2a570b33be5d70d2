"""meta.count of the post list follows every write: kept by triggers, not counted per request."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.api import Api
from tests.support.blog import new_post, write
from tests.support.databases import make_database
from tests.support.servers import Server, start_server


@pytest.fixture(scope="module")
def blog(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """A server of its own, so the counts are this test's alone."""
    tmp = tmp_path_factory.mktemp(f"counts-{backend}")
    url, drop = make_database(backend, tmp)
    server: Server = start_server(url, tmp / "serve.log")
    api = Api(server, server.token("write"))
    yield api
    api.http.close()
    server.stop()
    drop()


def counts(api: Api) -> tuple[int, int]:
    """meta.count of the published list and of the list with drafts.

    A page past the end has no rows to carry the count, so it runs the counting
    query; the first page carries it: both must agree.
    """
    published = api.ok("GET", "/v2/posts/?page_size=1&page=1000")["meta"]["count"]
    everything = api.ok("GET", "/v2/posts/?page_size=1&page=1000&preview=1")["meta"]["count"]
    assert api.ok("GET", "/v2/posts/?page_size=1")["meta"]["count"] == published
    assert api.ok("GET", "/v2/posts/?page_size=1&preview=1")["meta"]["count"] == everything
    return published, everything


def test_counts_follow_creates_status_changes_and_deletes(blog: Api) -> None:
    assert counts(blog) == (0, 0)
    slugs = [new_post(blog) for _ in range(3)]
    draft = new_post(blog, status="draft")
    assert counts(blog) == (3, 4)
    write(blog, "PATCH", f"/v2/posts/{draft}/", {"status": "published"})
    assert counts(blog) == (4, 4)
    write(blog, "PATCH", f"/v2/posts/{slugs[0]}/", {"status": "draft", "title": "A draft keeps the post live"})
    assert counts(blog) == (4, 4)
    write(blog, "PATCH", f"/v2/posts/{slugs[1]}/", {"title": "Retitled, same status"})
    assert counts(blog) == (4, 4)
    write(blog, "DELETE", f"/v2/posts/{slugs[2]}/")
    write(blog, "DELETE", f"/v2/posts/{slugs[0]}/")
    assert counts(blog) == (2, 2)
