"""ButterCMS's error bodies, in Django REST framework's style."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar.openapi.datastructures import ResponseSpec

from ghee.http.errors import MISSING_TOKEN, Problem

_DETAIL = {
    401: "Invalid token.",
    403: "You do not have permission to perform this action.",
    404: "Not found.",
}


def render_problem(problem: Problem) -> dict[str, Any]:
    """``{"detail": "Not found."}``, or ``{"title": ["..."]}`` for a bad field."""
    if problem.status == 400 and problem.field:  # noqa: PLR2004 (an HTTP status)
        field, _, message = problem.message.partition(": ")
        return {problem.field: [message if field == problem.field else problem.message]}
    if problem.status == 401 and problem.message == MISSING_TOKEN:  # noqa: PLR2004
        return {"detail": "Authentication credentials were not provided."}
    if problem.status == 429:  # noqa: PLR2004
        return {"detail": f"Request was throttled. Expected available in {problem.retry_after} seconds."}
    return {"detail": _DETAIL.get(problem.status, problem.message)}


class ButterError(msgspec.Struct):
    """``{"detail": "Not found."}``; a bad field instead answers ``{"<field>": ["<problem>"]}``."""

    detail: str


BadRequest = dict[str, list[str] | str]

ERRORS = {
    **{
        status: ResponseSpec(data_container=ButterError, description=text, generate_examples=False)
        for status, text in {
            401: "Missing or invalid token",
            403: "The token lacks the scope needed",
            404: "No such resource",
            429: "Rate limit exceeded",
            503: "Database or Redis unavailable",
        }.items()
    },
    400: ResponseSpec(
        data_container=BadRequest,
        description='A bad field, as {"<field>": ["<problem>"]}, or {"detail": "..."}',
        generate_examples=False,
    ),
}
"""Every error a ButterCMS route may answer, for the OpenAPI document."""
