"""Every request has an id (``X-Request-ID``) and, by default, one JSON line in the server's log."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.servers import Server, serve_fresh

GENERATED = re.compile(r"[0-9a-f]{16}")


@pytest.fixture(scope="module")
def logged(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from serve_fresh(backend, tmp_path_factory, "logged")


def log_line(server: Server, request_id: str) -> dict[str, Any]:
    """The access line of the request with this id, waiting for the server to write it."""
    log = Path(server.env["GHEE_MEDIA_DIR"]).with_name("serve.log")
    deadline = time.monotonic() + 10
    while True:
        for line in log.read_text(encoding="utf-8").splitlines():
            if line.startswith("{") and request_id in line:
                entry: dict[str, Any] = json.loads(line)
                if entry.get("request_id") == request_id and entry.get("logger") == "ghee.access":
                    return entry
        if time.monotonic() > deadline:
            pytest.fail(f"no access line for {request_id} in {log}")
        time.sleep(0.05)


def test_a_given_request_id_is_echoed(logged: Server) -> None:
    response = httpx.get(logged.base_url + "/healthz", headers={"X-Request-ID": "lb-7f3a.2:x_y"})
    assert response.headers["x-request-id"] == "lb-7f3a.2:x_y"


def test_a_request_without_an_id_gets_one(logged: Server) -> None:
    first = httpx.get(logged.base_url + "/healthz").headers["x-request-id"]
    second = httpx.get(logged.base_url + "/healthz").headers["x-request-id"]
    assert GENERATED.fullmatch(first)
    assert GENERATED.fullmatch(second)
    assert first != second


@pytest.mark.parametrize("bad", ["has spaces", "x" * 65, "<script>", "ünïcode", ""])
def test_an_invalid_request_id_is_replaced(logged: Server, bad: str) -> None:
    response = httpx.get(logged.base_url + "/healthz", headers={"X-Request-ID": bad.encode()})
    assert response.status_code == 200
    assert GENERATED.fullmatch(response.headers["x-request-id"])


def test_errors_carry_the_request_id_too(logged: Server) -> None:
    response = httpx.get(logged.base_url + "/v1/projects", headers={"X-Request-ID": "no-token-1"})
    assert response.status_code == 401
    assert response.headers["x-request-id"] == "no-token-1"


def test_each_request_writes_one_json_access_line(logged: Server) -> None:
    token = logged.token("read")
    response = httpx.get(
        logged.base_url + "/v1/projects?limit=5",
        headers={"Authorization": f"Bearer {token}", "X-Request-ID": "access-line-1"},
    )
    assert response.status_code == 200
    entry = log_line(logged, "access-line-1")
    assert entry["method"] == "GET"
    assert entry["route"] == "/v1/projects"
    assert entry["path"] == "/v1/projects"  # never the query: it may hold ?auth_token=
    assert entry["status"] == 200
    assert entry["duration_ms"] > 0
    assert entry["token_id"].startswith("tok_")
    assert entry["level"] == "info"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", entry["time"])


def test_an_anonymous_failure_is_logged_without_a_token(logged: Server) -> None:
    httpx.get(logged.base_url + "/v2/nothing/here", headers={"X-Request-ID": "anon-404"})
    entry = log_line(logged, "anon-404")
    assert entry["route"] == "unmatched"
    assert entry["path"] == "/v2/nothing/here"
    assert entry["status"] == 404
    assert entry["token_id"] is None
