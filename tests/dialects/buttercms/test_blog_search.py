"""ButterCMS post search (seed 004): relevance ranking, ties newest first, stemming, phrases, paging, empty results.

Only live posts are found, by their live words (never a working draft's).
"""

from __future__ import annotations

from ghee.core.blog.posts import get_post
from ghee.core.blog.writing import unpublish_post
from ghee.db.database import opened
from tests.support.api import Api
from tests.support.blog import POST_FIELDS, new_post, unique, write
from tests.support.services import run_async


def _word() -> str:
    """A made-up word no other post of the run contains."""
    return "zq" + unique("w").replace("-", "")


def _search(api: Api, query: str, path: str = "/v2/search/", **params: object) -> dict[str, object]:
    result: dict[str, object] = api.ok("GET", path, params={"query": query, **params})
    return result


def _found(api: Api, query: str) -> list[str]:
    """The slugs a search finds, in order."""
    data = _search(api, query)["data"]
    assert isinstance(data, list)
    return [post["slug"] for post in data]


def _unpublish(api: Api, slug: str) -> None:
    """Take a live post offline (a draft again), as the dashboard's core call does, on the server's database."""

    async def run() -> None:
        async with opened(api.server.database_url) as db, db.write() as work:
            await unpublish_post(work, await get_post(work, slug, preview=True))

    run_async(run)


def test_title_matches_rank_above_body_matches(api: Api) -> None:
    word = _word()
    in_body = new_post(api, title="Weekly update", body=f"<p>We looked at {word} this week.</p>")
    in_title = new_post(api, title=f"All about {word}", body="<p>Details inside.</p>")
    body = _search(api, word)
    data = body["data"]
    assert isinstance(data, list)
    assert [p["slug"] for p in data] == [in_title, in_body]
    assert body["meta"] == {"count": 2, "next_page": None, "previous_page": None}
    assert set(data[0]) == POST_FIELDS | {"rank"}
    assert data[0]["rank"] > data[1]["rank"] > 0


def test_stemming_finds_other_forms_of_a_word(api: Api) -> None:
    word = _word()
    slug = new_post(api, title=f"{word} speedrun", body="<p>Players keep running the new map.</p>")
    assert [p["slug"] for p in _search(api, f"{word} run")["data"]] == [slug]  # type: ignore[index]
    assert [p["slug"] for p in _search(api, f"{word} runs")["data"]] == [slug]  # type: ignore[index]


def test_quoted_phrases_match_only_in_order(api: Api) -> None:
    word = _word()
    ordered = new_post(api, title=word, body="<p>An open world adventure.</p>")
    new_post(api, title=word, body="<p>The world is open to all.</p>")
    assert [p["slug"] for p in _search(api, f'{word} "open world"')["data"]] == [ordered]  # type: ignore[index]
    assert len(_search(api, f"{word} open world")["data"]) == 2  # type: ignore[arg-type]


def test_every_word_must_match(api: Api) -> None:
    word = _word()
    new_post(api, title=word, body="<p>Shaders.</p>")
    assert _search(api, f"{word} {_word()}")["data"] == []


def test_no_match_is_an_empty_list(api: Api) -> None:
    assert _search(api, _word()) == {"meta": {"count": 0, "next_page": None, "previous_page": None}, "data": []}
    assert _search(api, "")["data"] == []
    assert _search(api, '"" ** --')["data"] == []
    assert api.ok("GET", "/v2/search/")["data"] == []


def test_fts_syntax_in_a_query_is_just_text(api: Api) -> None:
    for query in ['"unbalanced', "NEAR(a b)", "title:x", "a AND OR NOT", "c++ (", "^*"]:
        response = api.get("/v2/search/", params={"query": query})
        assert response.status_code == 200, (query, response.text)


def test_terms_with_punctuation_and_numbers_find_what_they_name(api: Api) -> None:
    """A build number, a version or a hash is searched as written, whatever the database's parser makes of it."""
    word = _word()
    terms = ["build-57728564", "hotfix-6e6d14eb", "v1.2.3", "CL-0042", "3.14", "Fix-12e45"]
    slug = new_post(api, title=f"{word} release", body=f"<p>{' '.join(terms)} shipped.</p>")
    for term in terms:
        assert [p["slug"] for p in _search(api, f"{word} {term}")["data"]] == [slug], term  # type: ignore[index]
        assert [p["slug"] for p in _search(api, f'{word} "{term} "')["data"]] == [slug], term  # type: ignore[index]


def test_equal_ranks_put_the_newest_first(api: Api) -> None:
    """Two posts with the same words tie; the one published later comes first, though it was written first."""
    word = _word()
    text = {"title": f"{word} roadmap", "body": "<p>What the next season brings.</p>"}
    newer = new_post(api, **text, published="2026-11-20T10:00:00Z")
    older = new_post(api, **text, published="2026-10-01T10:00:00Z")
    data = _search(api, word)["data"]
    assert isinstance(data, list)
    assert [post["slug"] for post in data] == [newer, older]
    assert data[0]["rank"] == data[1]["rank"]
    assert [post["slug"] for post in _search(api, word, page_size=1, page=2)["data"]] == [older]  # type: ignore[index]


def test_drafts_are_never_found(api: Api) -> None:
    word = _word()
    new_post(api, title=word, status="draft")
    assert _search(api, word)["data"] == []


def test_a_post_is_found_while_it_is_live(api: Api) -> None:
    word = _word()
    slug = new_post(api, title=f"{word} hotfix", status="draft")
    assert _found(api, word) == []
    write(api, "PATCH", f"/v2/posts/{slug}/", {"status": "published"})
    assert _found(api, word) == [slug]
    _unpublish(api, slug)
    assert _found(api, word) == []
    write(api, "PATCH", f"/v2/posts/{slug}/", {"status": "published"})
    assert _found(api, word) == [slug]


def test_a_deleted_post_is_not_found(api: Api) -> None:
    word = _word()
    slug = new_post(api, title=f"{word} recap")
    assert _found(api, word) == [slug]
    write(api, "DELETE", f"/v2/posts/{slug}/")
    assert _found(api, word) == []


def test_a_live_post_is_found_by_its_live_words_not_its_working_drafts(api: Api) -> None:
    live, drafted = _word(), _word()
    slug = new_post(api, title=f"{live} balance pass", body=f"<p>Numbers for {live}.</p>")
    draft = {"status": "draft", "title": f"{drafted} balance pass", "body": f"<p>Numbers for {drafted}.</p>"}
    write(api, "PATCH", f"/v2/posts/{slug}/", draft)
    assert _found(api, live) == [slug]
    assert _found(api, drafted) == []
    write(api, "PATCH", f"/v2/posts/{slug}/", {"status": "published"})  # the draft goes live
    assert _found(api, drafted) == [slug]
    assert _found(api, live) == []


def test_a_live_post_changed_in_place_is_found_by_its_new_words(api: Api) -> None:
    old, new = _word(), _word()
    slug = new_post(api, title="Server maintenance", body=f"<p>Downtime for {old}.</p>")
    write(api, "PATCH", f"/v2/posts/{slug}/", {"body": f"<p>Downtime for {new}.</p>"})
    assert _found(api, new) == [slug]
    assert _found(api, old) == []


def test_search_pages(api: Api) -> None:
    word = _word()
    slugs = {new_post(api, title=f"{word} {n}") for n in range(3)}
    first = _search(api, word, page_size=2)
    second = _search(api, word, page_size=2, page=2)
    assert first["meta"] == {"count": 3, "next_page": 2, "previous_page": None}
    assert second["meta"] == {"count": 3, "next_page": None, "previous_page": 1}
    found = [p["slug"] for p in first["data"] + second["data"]]  # type: ignore[operator]
    assert set(found) == slugs
    assert len(found) == 3
    beyond = _search(api, word, page_size=2, page=5)
    assert beyond == {"meta": {"count": 3, "next_page": None, "previous_page": 4}, "data": []}


def test_posts_search_path_is_the_same_search(api: Api) -> None:
    word = _word()
    slug = new_post(api, title=word)
    assert [p["slug"] for p in _search(api, word, "/v2/posts/search/")["data"]] == [slug]  # type: ignore[index]


def test_bad_search_input_is_a_field_keyed_400(api: Api) -> None:
    assert api.get("/v2/search/", params={"query": "x" * 501}).json() == {"query": ["must be at most 500 characters"]}
    assert api.get("/v2/search/", params={"query": "a\x00b"}).status_code == 400
    assert "page_size" in api.get("/v2/search/", params={"query": "a", "page_size": 0}).json()
