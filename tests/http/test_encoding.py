"""UTF-8 only, JSON or form bodies, percent-encoded parameters that round-trip (limits: test_bodies.py)."""

from __future__ import annotations

from tests.support.api import Api


def test_a_form_of_unicode_digit_names_is_a_400_not_a_500(api: Api) -> None:
    project = api.new_project()
    response = api.post(
        f"/v1/projects/{project['id']}/builds",
        content=b"%C2%B3=1&%C2%B3=2",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 400


def _project(api: Api) -> str:
    return str(api.new_project()["id"])


def test_json_body_with_invalid_utf8_is_400(api: Api) -> None:
    project = _project(api)
    response = api.post(
        f"/v1/projects/{project}/builds",
        content=b'{"platform": "win\xff", "configuration": "shipping"}',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json() == {"error": "bad_request", "message": "body: is not valid UTF-8"}


def test_form_body_with_invalid_utf8_is_400(api: Api) -> None:
    project = _project(api)
    response = api.post(
        f"/v1/projects/{project}/builds",
        content=b"platform=win%FF&configuration=shipping",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 400
    assert response.json()["error"] == "bad_request"


def test_other_charsets_are_refused(api: Api) -> None:
    project = _project(api)
    response = api.post(
        f"/v1/projects/{project}/builds",
        content=b'{"platform": "win64", "configuration": "shipping"}',
        headers={"Content-Type": "application/json; charset=latin-1"},
    )
    assert response.status_code == 400
    assert "UTF-8" in response.json()["message"]


def test_query_with_invalid_utf8_is_400(api: Api) -> None:
    project = _project(api)
    response = api.get(f"/v1/projects/{project}/builds?branch=%FF%FE")
    assert response.status_code == 400
    assert response.json()["message"] == "query: percent-encoded bytes must be UTF-8"


def test_a_nul_in_a_path_is_a_404_and_in_a_query_a_400_on_every_database(api: Api) -> None:
    """PostgreSQL cannot compare text holding a NUL: it answered 500 where SQLite answered 404."""
    for path in ("/v2/posts/a%00b/", "/v2/authors/a%00b/", "/v2/categories/a%00b/", "/v2/tags/a%00b/"):
        response = api.get(path)
        assert response.status_code == 404, (path, response.status_code, response.text)
    response = api.get("/v2/posts/", params={"category_slug": "a\x00b"})
    assert response.status_code == 400
    assert "NUL" in response.text


def test_unsupported_body_type_is_400(api: Api) -> None:
    project = _project(api)
    response = api.post(f"/v1/projects/{project}/builds", content=b"hi", headers={"Content-Type": "text/plain"})
    assert response.status_code == 400
    assert "unsupported content type" in response.json()["message"]


def test_malformed_json_is_400_in_the_dialect_envelope(api: Api) -> None:
    project = _project(api)
    response = api.post(
        f"/v1/projects/{project}/builds", content=b'{"platform":', headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert set(response.json()) == {"error", "message"}


def test_form_body_creates_the_same_build_as_json(api: Api) -> None:
    project = _project(api)
    response = api.post(
        f"/v1/projects/{project}/builds",
        content=b"platform=win64&configuration=shipping&branch=feature%2Ffind%26replace&changelist=",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 201, response.text
    build = response.json()
    assert (build["platform"], build["configuration"], build["branch"]) == ("win64", "shipping", "feature/find&replace")
    listed = api.ok("GET", f"/v1/projects/{project}/builds?branch=feature%2Ffind%26replace")
    assert [b["id"] for b in listed["builds"]] == [build["id"]]


def test_unknown_route_is_json_404(api: Api) -> None:
    response = api.get("/v1/nothing-here")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == {"error": "not_found", "message": "No such endpoint"}
