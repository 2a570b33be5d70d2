"""ButterCMS post search (seed 004): relevance ranking, stemming, phrases, paging, empty results."""

from __future__ import annotations

from tests.support.api import Api
from tests.support.blog import POST_FIELDS, new_post, unique


def _word() -> str:
    """A made-up word no other post of the run contains."""
    return "zq" + unique("w").replace("-", "")


def _search(api: Api, query: str, path: str = "/v2/search/", **params: object) -> dict[str, object]:
    result: dict[str, object] = api.ok("GET", path, params={"query": query, **params})
    return result


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


def test_drafts_are_never_found(api: Api) -> None:
    word = _word()
    new_post(api, title=word, status="draft")
    assert _search(api, word)["data"] == []


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
