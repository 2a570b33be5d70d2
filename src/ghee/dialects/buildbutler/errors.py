"""BuildButler's error envelope: ``{"error": {"code", "message", "details"}}`` (seed 001)."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar.openapi.datastructures import ResponseSpec

from ghee.http.errors import Problem

# The seed's codes where ghee's shared ones differ.
_CODES = {500: "internal_error", 503: "unavailable"}


class ErrorBody(msgspec.Struct):
    code: str
    message: str
    details: dict[str, Any]


class BuildButlerError(msgspec.Struct):
    """``{"error": {"code": "not_found", "message": "...", "details": {}}}``."""

    error: ErrorBody


def render_problem(problem: Problem) -> BuildButlerError:
    """A problem in BuildButler's envelope; ``details`` names the offending parameter, if any."""
    details: dict[str, Any] = {}
    if problem.field is not None:
        details["field"] = problem.field
    if problem.retry_after is not None:
        details["retryAfter"] = problem.retry_after
    return BuildButlerError(ErrorBody(_CODES.get(problem.status, problem.code), problem.message, details))


ERRORS = {
    status: ResponseSpec(BuildButlerError, description=description)
    for status, description in (
        (400, "bad_request: invalid request parameters"),
        (401, "unauthorized: missing or invalid authentication"),
        (403, "forbidden: insufficient permissions"),
        (404, "not_found: resource not found"),
        (429, "rate_limited: too many requests"),
    )
}
"""The documented error responses, for every route's OpenAPI entry."""
