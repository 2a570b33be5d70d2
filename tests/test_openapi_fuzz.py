"""schemathesis, bounded, against /openapi.json: no 5xx and no response that breaks the documented schema.

Every operation is fuzzed on both backends, in both modes, with
``GHEE_FUZZ_EXAMPLES`` examples each: 4 by default (about a minute in all),
40 for a nightly-size run (``GHEE_FUZZ_EXAMPLES=40 make test``).
"""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.support.databases import make_database
from tests.support.servers import start_server

EXAMPLES_PER_OPERATION = int(os.environ.get("GHEE_FUZZ_EXAMPLES") or 4)


def test_openapi_document_describes_every_dialect_route(tmp_path: Path) -> None:
    url, drop = make_database("sqlite", tmp_path)
    server = start_server(url, tmp_path / "serve.log")
    try:
        document = httpx.get(f"{server.base_url}/openapi.json").json()
    finally:
        server.stop()
        drop()
    paths = set(document["paths"])
    assert {"/v1/projects", "/v1/projects/{project_id}/builds", "/v1/builds/{build_id}"} <= paths
    assert {"/v1/apps", "/v1/apps/{app_id}/builds", "/v1/apps/{app_id}/build"} <= paths
    body = document["paths"]["/v1/projects/{project_id}/builds"]["post"]["requestBody"]["content"]
    assert set(body) == {"application/json", "application/x-www-form-urlencoded"}


FRAMING_HEADERS = {"transfer-encoding", "content-length", "connection", "host", "upgrade", "te", "trailer"}


@pytest.mark.slow
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_fuzzed_requests_get_no_server_error_and_match_the_schema(
    backend: str, mode: GenerationMode, tmp_path: Path
) -> None:
    url, drop = make_database(backend, tmp_path)
    server = start_server(url, tmp_path / "serve.log")
    try:
        token = server.token("admin")
        headers = {"Authorization": f"Bearer {token}"}
        # Seed one project so the id-taking routes have something real to find.
        project = httpx.post(
            f"{server.base_url}/v1/projects", json={"name": "Fuzz", "engine": "unreal"}, headers=headers
        ).json()["id"]
        schema = schemathesis.openapi.from_dict(httpx.get(f"{server.base_url}/openapi.json").json())
        failures: list[str] = []
        checks = [not_a_server_error, content_type_conformance, response_schema_conformance]
        if mode is GenerationMode.POSITIVE:
            checks.append(status_code_conformance)
        for result in schema.get_all_operations():
            operation = result.ok()
            strategy = operation.as_strategy(generation_mode=mode)
            project_ids = st.sampled_from([project, "proj_nope", "x"])

            @settings(
                max_examples=EXAMPLES_PER_OPERATION,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            @given(case=strategy, project_id=project_ids)
            def check(case: schemathesis.Case, project_id: str) -> None:
                # Framing headers made up by the fuzzer (an empty Transfer-Encoding, say) are
                # refused by the HTTP server before ghee sees the request: not ghee's to answer.
                for framing in FRAMING_HEADERS.intersection(name.lower() for name in case.headers or {}):
                    del case.headers[next(name for name in case.headers if name.lower() == framing)]  # type: ignore[index]
                if case.path_parameters and "project_id" in case.path_parameters:
                    case.path_parameters["project_id"] = project_id
                case.call_and_validate(
                    base_url=server.base_url,
                    headers=headers,
                    checks=checks,
                )

            try:
                check()
            except Unsatisfiable:
                # Negative mode needs something that can be wrong: a public route whose only parameters
                # take any string (a media path, a git push's project) has none. Positive mode runs it.
                if mode is not GenerationMode.NEGATIVE:
                    raise
            except Exception as exc:  # noqa: BLE001 (collect every operation's failures, then fail once)
                failures.append(f"{operation.method.upper()} {operation.path}: {exc}")
        assert not failures, "\n\n".join(failures)
    finally:
        server.stop()
        drop()
