"""Kept answers: a repeated read is answered from memory until anything commits, and only to its own kind of caller."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from types import SimpleNamespace
from typing import Any

import pytest

from ghee import ids
from ghee.config import Settings
from ghee.core.tokens import Principal
from ghee.db.engine import create_engine
from ghee.db.tables import blog_posts
from ghee.http import answers as answers_module
from ghee.http.answers import Answers, kept
from tests.support.api import Api
from tests.support.blog import new_post
from tests.support.metrics import scrape
from tests.support.servers import Server, serve_fresh
from tests.support.services import run_async

METRICS_TOKEN = "scrape-me-please"  # noqa: S105 (a test value)
REPEATS = 5


@pytest.fixture(scope="module")
def keeping(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    # No in-process worker: its writes would change the database under the reads compared here.
    yield from serve_fresh(
        backend, tmp_path_factory, "answers", GHEE_METRICS_TOKEN=METRICS_TOKEN, GHEE_WORKER_IN_PROCESS="0"
    )


@pytest.fixture
def writer(keeping: Server) -> Iterator[Api]:
    client = Api(keeping, keeping.token("write"))
    client.get("/v2/tags/")  # the token's first use stamps it (a commit): done before anything is compared
    yield client
    client.http.close()


def outcomes(server: Server) -> tuple[float, float]:
    """``(hits, misses)`` of the kept answers so far."""
    samples = scrape(server, METRICS_TOKEN)
    counted = {
        dict(labels)["outcome"]: value for (name, labels), value in samples.items() if name == "ghee_kept_answers_total"
    }
    return counted.get("hit", 0.0), counted.get("miss", 0.0)


def test_a_repeated_read_is_answered_from_memory_with_the_same_bytes(keeping: Server, writer: Api) -> None:
    new_post(writer)
    first = writer.get("/v2/posts/?page_size=3")
    hits_before, _ = outcomes(keeping)
    again = [writer.get("/v2/posts/?page_size=3") for _ in range(REPEATS)]
    hits_after, _ = outcomes(keeping)

    # On PostgreSQL a commit to any database of the server starts over; nothing else writes here.
    assert hits_after - hits_before >= 1
    for response in again:
        assert response.status_code == 200
        assert response.content == first.content
        assert response.headers["etag"] == first.headers["etag"]
        assert response.headers["content-type"] == first.headers["content-type"]
        assert "x-ratelimit-remaining" in response.headers
    assert len({r.headers["x-request-id"] for r in [first, *again]}) == REPEATS + 1
    conditional = writer.get("/v2/posts/?page_size=3", headers={"If-None-Match": first.headers["etag"]})
    assert conditional.status_code == 304
    assert conditional.content == b""


def test_a_write_through_the_api_is_seen_by_the_next_read(writer: Api) -> None:
    writer.get("/v2/posts/?page_size=50")
    writer.get("/v2/posts/?page_size=50")
    slug = new_post(writer)
    assert slug in [post["slug"] for post in writer.ok("GET", "/v2/posts/?page_size=50")["data"]]
    assert writer.ok("GET", f"/v2/posts/{slug}/")["data"]["slug"] == slug


def test_a_write_from_another_process_is_seen_by_the_next_read(keeping: Server, writer: Api) -> None:
    slug = new_post(writer)
    for _ in range(2):
        assert writer.ok("GET", f"/v2/posts/{slug}/")["data"]["title"] == f"Patch notes {slug}"

    async def retitle() -> None:
        engine = create_engine(keeping.database_url)
        try:
            async with engine.begin() as conn:
                await conn.execute(blog_posts.update().where(blog_posts.c.slug == slug).values(title="Retitled"))
        finally:
            await engine.dispose()

    run_async(retitle)
    assert writer.ok("GET", f"/v2/posts/{slug}/")["data"]["title"] == "Retitled"


def test_errors_are_not_kept(writer: Api) -> None:
    slug = f"later-{datetime.now().timestamp():.0f}"  # noqa: DTZ005 (a unique name, not a time)
    for _ in range(2):
        assert writer.get(f"/v2/posts/{slug}/").status_code == 404
    new_post(writer, slug=slug)
    assert writer.ok("GET", f"/v2/posts/{slug}/")["data"]["slug"] == slug


def test_a_caller_bound_to_another_project_never_gets_an_answer_kept_for_others(keeping: Server) -> None:
    admin = Api(keeping, keeping.token("admin"))
    project = admin.new_project()
    other = admin.new_project()
    admin.new_build(project["id"])
    bound_elsewhere = Api(keeping, keeping.token("read", project_id=ids.decode("proj", other["id"], "project")))
    bound_here = Api(keeping, keeping.token("read", project_id=ids.decode("proj", project["id"], "project")))
    path = f"/v1/projects/{project['id']}/builds"
    try:
        for client in (admin, bound_elsewhere, bound_here):
            client.get("/v2/tags/")  # each token's first use stamps it (a commit): done before the reads compared
        for _ in range(2):
            assert len(admin.ok("GET", path)["builds"]) == 1
        for _ in range(2):
            assert len(bound_here.ok("GET", path)["builds"]) == 1
        for _ in range(2):
            assert bound_elsewhere.get(path).status_code == 404
    finally:
        for client in (admin, bound_elsewhere, bound_here):
            client.http.close()


def test_the_host_a_request_came_through_changes_no_answer(writer: Api) -> None:
    """Links come from settings, so every ``Host`` gets the one answer (and cannot bust the store)."""
    slug = new_post(writer)
    urls = {writer.ok("GET", f"/v2/posts/{slug}/", headers={"Host": host})["data"]["url"] for host in ("a", "b", "a")}
    assert urls == {f"{writer.server.base_url}/blog/{slug}"}


# The store itself, in process


def _answer(marker: str, size: int) -> Any:
    return answers_module._Answer(marker, [(b"content-type", b"application/json")], b"x" * size)


def test_the_least_recently_used_answers_go_first_when_over_the_budget() -> None:
    overhead = answers_module._ENTRY_OVERHEAD
    store = Answers(max_bytes=3 * (1000 + overhead))
    for key in "abc":
        store.put(key, _answer("m1", 1000))
    assert store.get("a", "m1") is not None  # "a" is now the most recently used
    store.put("d", _answer("m1", 1000))
    assert store.get("b", "m1") is None
    assert [key for key in "acd" if store.get(key, "m1") is not None] == ["a", "c", "d"]
    assert store.size <= store.max_bytes
    store.put("huge", _answer("m1", 5000))  # over the whole budget: not kept, nothing dropped for it
    assert store.get("huge", "m1") is None
    assert len(store) == 3


def test_an_answer_kept_under_another_marker_is_not_given() -> None:
    store = Answers(max_bytes=1 << 20)
    store.put("a", _answer("m1", 10))
    assert store.get("a", "m2") is None
    store.put("a", _answer("m2", 20))
    assert store.get("a", "m2") is not None
    assert store.size == 20 + answers_module._ENTRY_OVERHEAD


def _scope(opt: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "http",
        "method": "GET",
        "path": "/api/v1/analytics/metrics",
        "query_string": b"range=7d",
        "scheme": "http",
        "server": ("127.0.0.1", 8080),
        "root_path": "",
        "headers": [(b"host", b"ci.example")],
        "route_handler": SimpleNamespace(opt=opt),
        "state": {},
    }


def _principal(scope: str = "read", project_id: int | None = None) -> Principal:
    return Principal(token_id=1, scope=scope, project_id=project_id, rate_limit=None, rate_key="token:x")


def _keep(store: Answers, scope: dict[str, Any], marker: str) -> None:
    assert store.answer(scope, _principal(), marker) is None  # type: ignore[arg-type]
    pending = scope["state"]["ghee.answer_pending"]
    store.put(pending[1], _answer(marker, 10))


def test_an_answer_that_moves_with_the_clock_is_kept_per_clock_key(monkeypatch: pytest.MonkeyPatch) -> None:
    store = Answers(max_bytes=1 << 20)
    hour = datetime(2026, 11, 29, 10, 30)  # noqa: DTZ001 (naive UTC, as stored)
    monkeypatch.setattr(answers_module, "utcnow", lambda: hour)
    opt = kept(clock=lambda now: now.hour)
    _keep(store, _scope(opt), "m1")
    assert store.answer(_scope(opt), _principal(), "m1") is not None  # type: ignore[arg-type]
    hour = datetime(2026, 11, 29, 11, 0, 1)  # noqa: DTZ001
    assert store.answer(_scope(opt), _principal(), "m1") is None  # type: ignore[arg-type]


def test_routes_that_did_not_opt_in_other_methods_and_a_zero_budget_are_never_kept() -> None:
    store = Answers(max_bytes=1 << 20)
    plain = _scope({})
    assert store.answer(plain, _principal(), "m1") is None  # type: ignore[arg-type]
    assert "ghee.answer_pending" not in plain["state"]
    head = {**_scope(kept()), "method": "HEAD"}
    assert store.answer(head, _principal(), "m1") is None  # type: ignore[arg-type]
    assert "ghee.answer_pending" not in head["state"]
    nothing = Answers(max_bytes=0)
    zero = _scope(kept())
    assert nothing.answer(zero, _principal(), "m1") is None  # type: ignore[arg-type]
    assert "ghee.answer_pending" not in zero["state"]


def test_scope_and_project_are_part_of_the_key() -> None:
    store = Answers(max_bytes=1 << 20)
    _keep(store, _scope(kept()), "m1")
    for principal in [_principal("write"), _principal("read", project_id=7)]:
        assert store.answer(_scope(kept()), principal, "m1") is None  # type: ignore[arg-type]
    assert store.answer(_scope(kept()), _principal(), "m1") is not None  # type: ignore[arg-type]


@pytest.mark.parametrize(("value", "expected"), [("", 16), ("0", 0), ("64", 64)])
def test_the_budget_is_read_from_the_environment(value: str, expected: int) -> None:
    assert Settings.from_env({"GHEE_ANSWER_CACHE_MB": value}).answer_cache_mb == expected


@pytest.mark.parametrize("value", ["-1", "lots", "1.5"])
def test_a_bad_budget_is_refused_by_name(value: str) -> None:
    with pytest.raises(ValueError, match="GHEE_ANSWER_CACHE_MB"):
        Settings.from_env({"GHEE_ANSWER_CACHE_MB": value})
