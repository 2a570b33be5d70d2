"""HEAD answers every GET route as GET would, without a body; every 405 says what is allowed; page sizes over the
maximum are taken as it. Walked over every operation the OpenAPI document lists, on both backends.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from ghee.core.builds.model import build_public_id
from ghee.core.jobs.model import job_public_id
from ghee.db.database import Write
from tests.support.api import Api
from tests.support.buildbutler_factory import in_db, new_build, new_connection, new_job
from tests.support.media import image_bytes, upload
from tests.support.servers import Server

_VOLATILE = {"date", "x-request-id", "x-ratelimit-remaining", "x-ratelimit-reset", "set-cookie"}
_PAGE_SIZES = ("limit", "per_page", "page_size")
_OTHER_METHODS = ("DELETE", "PATCH", "PUT", "POST")


@pytest.fixture(scope="module")
def document(server: Server) -> dict[str, Any]:
    found: dict[str, Any] = httpx.get(f"{server.base_url}/openapi.json").json()
    return found


@pytest.fixture(scope="module")
def ids(server: Server) -> dict[str, str]:
    """A real row for each kind of path parameter, so that most routes answer 200, not 404."""
    admin = Api(server, server.token("admin"))
    project = admin.new_project(name="HEAD and 405")
    build = admin.new_build(project["id"])

    async def seed(work: Write) -> tuple[int, int]:
        connection_id, _ = await new_connection(work)
        job = await new_job(work, connection_id)
        return job, await new_build(work, job, number=1, result="SUCCESS", log="line one\nline two\n")

    job, job_build = in_db(server, seed)
    media = upload(admin.http, image_bytes((40, 30)), "head.png").json()["data"]
    admin.http.close()
    return {
        "project_id": project["id"],
        "app_id": project["id"],
        "build_id": build["id"],
        "job_id": job_public_id(job),
        "log_build": build_public_id(job_build),
        "media_path": media["url"].split("/media/", 1)[1],
    }


def _filled(path: str, ids: dict[str, str]) -> str:
    if path.endswith("/builds/{build_id}/log"):
        return path.replace("{build_id}", ids["log_build"])
    if path == "/media/{path}":
        return "/media/" + ids["media_path"]
    return re.sub(r"\{(\w+)\}", lambda name: ids.get(name.group(1), "x"), path)


def _gets(document: dict[str, Any]) -> list[str]:
    return sorted(path for path, operations in document["paths"].items() if "get" in operations)


def _same_answer_without_body(get: httpx.Response, head: httpx.Response, where: str) -> None:
    assert head.status_code == get.status_code, where
    assert head.content == b"", where
    assert {k for k in head.headers if k not in _VOLATILE} == {k for k in get.headers if k not in _VOLATILE}, where
    for name in ("content-type", "content-length", "allow"):  # an ETag may move with the clock (feeds)
        assert head.headers.get(name) == get.headers.get(name), (where, name)


def test_head_answers_every_get_route_like_get_without_the_body(
    server: Server, document: dict[str, Any], ids: dict[str, str]
) -> None:
    headers = {"Authorization": f"Bearer {server.token('admin')}"}
    paths = [_filled(path, ids) for path in _gets(document)]
    assert len(paths) > 40
    assert any(path.endswith("/log") for path in paths)
    with httpx.Client(base_url=server.base_url, headers=headers, timeout=30) as client:
        for path in [*paths, "/healthz", "/openapi.json", "/login"]:
            get = client.get(path)
            _same_answer_without_body(get, client.head(path), path)
        statuses = {path: client.head(path).status_code for path in paths}
    assert sum(status == 200 for status in statuses.values()) > len(paths) // 2, statuses


def test_head_of_a_log_and_a_media_file_gives_their_length(server: Server, ids: dict[str, str]) -> None:
    headers = {"Authorization": f"Bearer {server.token('read')}"}
    for path in (f"/api/v1/builds/{ids['log_build']}/log", "/media/" + ids["media_path"]):
        get, head = (
            httpx.get(server.base_url + path, headers=headers),
            httpx.head(server.base_url + path, headers=headers),
        )
        assert get.status_code == head.status_code == 200
        assert int(head.headers["content-length"]) == len(get.content) > 0
        assert head.content == b""


def test_the_log_names_its_charset_once(server: Server, ids: dict[str, str]) -> None:
    headers = {"Authorization": f"Bearer {server.token('read')}"}
    answer = httpx.get(f"{server.base_url}/api/v1/builds/{ids['log_build']}/log", headers=headers)
    assert answer.headers["content-type"] == "text/plain; charset=utf-8"


def test_every_405_carries_allow_naming_the_paths_methods(
    server: Server, document: dict[str, Any], ids: dict[str, str]
) -> None:
    checked = 0
    for path, operations in document["paths"].items():
        documented = {method.upper() for method in operations if method.upper() in {"GET", "POST", *_OTHER_METHODS}}
        other = next(method for method in _OTHER_METHODS if method not in documented)
        answer = httpx.request(other, server.base_url + _filled(path, ids))
        if answer.status_code != 405:  # a handler the document leaves out serves that method
            continue
        checked += 1
        allowed = {method.strip() for method in answer.headers["allow"].split(",")}
        assert documented <= allowed, path
        assert ("HEAD" in allowed) == ("GET" in allowed), path
        assert other not in allowed, path
    assert checked > 40
    refused = httpx.delete(f"{server.base_url}/login")
    assert refused.status_code == 405
    assert {"GET", "HEAD", "POST"} <= {m.strip() for m in refused.headers["allow"].split(",")}


def test_a_page_size_over_the_maximum_is_taken_as_the_maximum_everywhere(
    server: Server, api: Api, document: dict[str, Any], ids: dict[str, str]
) -> None:
    headers = {"Authorization": f"Bearer {server.token('admin')}"}
    checked = []
    with httpx.Client(base_url=server.base_url, headers=headers, timeout=30) as client:
        for path in _gets(document):
            parameters = document["paths"][path]["get"].get("parameters", [])
            for parameter in parameters:
                name = parameter["name"]
                if parameter["in"] != "query" or name not in _PAGE_SIZES:
                    continue
                assert parameter["schema"].get("maximum") == 100, (path, name)
                assert "more is taken as 100" in parameter["description"], (path, name)
                url = _filled(path, ids)
                given = {p["name"]: "a" for p in parameters if p["in"] == "query" and p["name"] == "query"}  # search
                over, at = client.get(url, params={**given, name: 1000}), client.get(url, params={**given, name: 100})
                assert over.status_code == at.status_code != 400, (path, name, over.text)
                assert over.content == at.content, (path, name)
                checked.append(path)
    assert len(checked) >= 15
    projects = api.ok("GET", "/v1/projects", params={"limit": "00000000000000000000099999"})
    assert projects["limit"] == 100


@pytest.mark.parametrize(
    ("path", "name", "echo"),
    [
        ("/v1/projects", "limit", lambda body: body["limit"]),
        ("/api/v1/jobs", "per_page", lambda body: body["meta"]["per_page"]),
        ("/api/v1/connections", "per_page", lambda body: body["meta"]["per_page"]),
    ],
)
def test_the_answer_says_the_page_size_it_used(api: Api, path: str, name: str, echo: Any) -> None:
    assert echo(api.ok("GET", path, params={name: 5000})) == 100
