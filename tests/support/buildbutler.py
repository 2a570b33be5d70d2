"""Helpers of the BuildButler tests: clients of each scope and the error shape."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from tests.support.api import Api

MakeClient = Callable[..., Api]


def assert_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """Assert a BuildButler error: the status and exactly ``{"error": {"code", "message", "details"}}``."""
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code
    assert "Traceback" not in body["error"]["message"]
    return body
