"""The OpenAPI document a client generates from: valid OpenAPI 3.1, every operation described, examples true.

One document for every server (it is built from the routes, not the data), so one server serves these tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import validate
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from ghee.openapi import EXAMPLES
from tests.support.databases import make_database
from tests.support.servers import Server, start_server

SCOPES = {"read", "write", "admin", "none"}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("openapi")
    url, drop = make_database("sqlite", tmp)
    server = start_server(url, tmp / "serve.log")
    yield server
    server.stop()
    drop()


@pytest.fixture(scope="module")
def document(served: Server) -> dict[str, Any]:
    answer: dict[str, Any] = httpx.get(f"{served.base_url}/openapi.json").json()
    return answer


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, listed in document["paths"].items():
        for method, operation in listed.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                yield path, method, operation


def test_the_document_is_valid_openapi_3_1(document: dict[str, Any]) -> None:
    assert document["openapi"].startswith("3.1")
    validate(document)


def test_every_operation_is_summed_up_described_and_says_who_may_call_it(document: dict[str, Any]) -> None:
    unclear = []
    for path, method, operation in operations(document):
        summary, description = operation.get("summary", ""), operation.get("description", "")
        if " " not in summary or "**Who may call it**" not in description or len(description) < len(summary) + 30:
            unclear.append(f"{method.upper()} {path}: {summary!r}")
        if operation.get("x-ghee-scope") not in SCOPES:
            unclear.append(f"{method.upper()} {path}: scope {operation.get('x-ghee-scope')!r}")
        if (operation.get("x-ghee-scope") == "none") != (operation.get("security") == []):
            unclear.append(f"{method.upper()} {path}: security does not match its scope")
        unclear += [
            f"{method.upper()} {path}: parameter {parameter['name']}"
            for parameter in operation.get("parameters", [])
            if not parameter.get("description")
        ]
    assert unclear == []


def test_the_scopes_shown_are_the_scopes_asked(document: dict[str, Any], served: Server) -> None:
    """A read token is refused (403) where a write scope is shown, and let past where read is."""
    scope = {(path, method): op["x-ghee-scope"] for path, method, op in operations(document)}
    assert scope["/v1/projects", "get"] == "read"
    assert scope["/v1/projects", "post"] == "admin"
    assert scope["/v2/posts", "post"] == "write"
    assert scope["/feeds/rss.xml", "get"] == "none"
    assert scope["/media/{path}", "get"] == "none"
    read = {"Authorization": f"Bearer {served.token('read')}"}
    assert httpx.get(f"{served.base_url}/v1/projects", headers=read).status_code == 200
    assert httpx.post(f"{served.base_url}/v1/projects", headers=read, json={"name": "x"}).status_code == 403
    assert httpx.get(f"{served.base_url}/feeds/rss.xml").status_code == 200


def test_the_log_documents_its_range_header(document: dict[str, Any]) -> None:
    parameters = document["paths"]["/api/v1/builds/{build_id}/log"]["get"]["parameters"]
    assert [p["in"] for p in parameters if p["name"] == "Range"] == ["header"]


def _validator(document: dict[str, Any], *pointer: str) -> OAS31Validator:
    """A validator of the schema at ``pointer`` (its parts) in the document, references read from the document."""
    registry: Registry[Any] = Registry().with_resource("urn:ghee", DRAFT202012.create_resource(document))
    escaped = "/".join(part.replace("~", "~0").replace("/", "~1") for part in pointer)
    return OAS31Validator({"$ref": f"urn:ghee#/{escaped}"}, registry=registry)


@pytest.mark.parametrize(("path", "method"), list(EXAMPLES))
def test_each_example_fits_its_schema(document: dict[str, Any], path: str, method: str) -> None:
    """One read and one write of each dialect carry examples, and each example is what the schema allows."""
    operation = document["paths"][path][method]
    json = "application/json"
    request = operation.get("requestBody", {}).get("content", {}).get(json, {})
    if "example" in request:
        _validator(document, "paths", path, method, "requestBody", "content", json, "schema").validate(
            request["example"]
        )
    for status, answer in operation["responses"].items():
        example = answer.get("content", {}).get(json, {}).get("example")
        if example is not None:
            where = ("paths", path, method, "responses", status, "content", json, "schema")
            _validator(document, *where).validate(example)


def test_every_dialect_has_an_example_answer_and_request() -> None:
    answers = {path.split("/")[1] + ("/apps" if path.startswith("/v1/apps") else "") for path, _ in EXAMPLES}
    assert answers >= {"v1", "v1/apps", "api", "v2"}
    assert {path.split("/")[1] for (path, _), (request, _) in EXAMPLES.items() if request is not None} >= {"v1", "v2"}


def test_the_example_requests_are_taken_as_they_stand(served: Server, tmp_path: Path) -> None:
    admin = {"Authorization": f"Bearer {served.token('admin')}"}
    for (path, method), (request, answers) in EXAMPLES.items():
        if request is None:
            continue
        answer = httpx.request(method.upper(), f"{served.base_url}{path}", headers=admin, json=request)
        assert answer.status_code < 300, (path, answer.text)
        for status, example in answers.items():
            assert str(answer.status_code) == status
            assert set(answer.json()) == set(example)
