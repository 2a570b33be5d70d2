"""One place where exceptions become HTTP problems; each dialect renders them in its own envelope."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.status_codes import HTTP_404_NOT_FOUND
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from ghee.errors import (
    Conflict,
    Forbidden,
    Invalid,
    NotFound,
    NotMigrated,
    RateLimited,
    SignatureInvalid,
    TimedOut,
    TokenInvalid,
    TokenMissing,
    Unavailable,
)
from ghee.http.methods import allowed_methods

log = logging.getLogger("ghee.http")

MISSING_TOKEN = "No authorization token was found"  # noqa: S105 (messages, not secrets)
INVALID_TOKEN = "Invalid authorization token"  # noqa: S105

_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
    500: "server_error",
    503: "unavailable",
}


class Problem(msgspec.Struct, frozen=True):
    """A failure, independent of any dialect's wire shape."""

    status: int
    code: str
    message: str
    field: str | None = None
    retry_after: int | None = None
    allow: str | None = None
    """The methods the path answers, for a 405's ``Allow`` header."""


Renderer = Callable[[Problem], Any]
"""Turns a problem into the JSON body of one dialect."""


def _problem(
    status: int, message: str, *, field: str | None = None, retry_after: int | None = None, allow: str | None = None
) -> Problem:
    return Problem(status, _CODES.get(status, "error"), message, field, retry_after, allow)


_MISSING_FIELD = re.compile(r"Object missing required field `([^`]+)`")


def validation_message(exc: ValidationException) -> tuple[str, str | None]:
    """What Litestar's validation error says, in ghee's words (``field: problem``), and the field it names."""
    extra = exc.extra
    if isinstance(extra, list) and extra and isinstance(extra[0], dict):
        first = extra[0]
        key = first.get("key")
        message = str(first.get("message", exc.detail))
        if key == "data":  # the body as a whole, in Litestar's words
            if message == "'data'":
                return "body: is required", "body"
            if missing := _MISSING_FIELD.fullmatch(message):
                return f"{missing.group(1)}: is required", missing.group(1)
            key = "body"
        return (f"{key}: {message}" if key else message), (str(key) if key else None)
    return str(exc.detail), None


_DOMAIN: dict[type[Exception], Callable[[Any], Problem]] = {
    Invalid: lambda e: _problem(400, f"{e.field}: {e.problem}", field=e.field),
    TokenMissing: lambda _: _problem(401, MISSING_TOKEN),
    TokenInvalid: lambda _: _problem(401, INVALID_TOKEN),
    SignatureInvalid: lambda e: _problem(401, f"The push's {e.scheme} does not match this project's git push secret"),
    Forbidden: lambda e: _problem(403, f"This token lacks the {e.needed!r} scope needed here"),
    NotFound: lambda e: _problem(404, f"No {e.kind} with id {e.ident!r}"),
    Conflict: lambda e: _problem(409, e.reason),
    RateLimited: lambda e: _problem(429, f"Rate limit exceeded; retry in {e.retry_after} s", retry_after=e.retry_after),
    Unavailable: lambda e: _problem(503, f"The {e.service} is unavailable; try again shortly", retry_after=5),
    NotMigrated: lambda _: _problem(503, "The database schema is not this ghee's; an operator must run `ghee migrate`"),
    TimedOut: lambda e: _problem(
        503, f"The {e.work} took longer than its {e.seconds:g} s budget; try again later", retry_after=5
    ),
}


def _is_database_down(exc: Exception) -> bool:
    return isinstance(exc, (OperationalError, InterfaceError)) or (
        isinstance(exc, DBAPIError) and exc.connection_invalidated
    )


def classify(exc: Exception) -> Problem:  # noqa: PLR0911 (one return per kind of failure)
    """The problem an exception stands for; unknown exceptions are logged and become a 500."""
    for kind in type(exc).__mro__:
        if kind in _DOMAIN:
            return _DOMAIN[kind](exc)
    if _is_database_down(exc):
        log.warning("database unavailable: %s", exc)
        return _problem(503, "The database is unavailable; try again shortly", retry_after=5)
    if isinstance(exc, (OSError, TimeoutError)):
        log.warning("backing service unreachable: %s", exc)
        return _problem(503, "A backing service is unreachable; try again shortly", retry_after=5)
    if isinstance(exc, UnicodeDecodeError):
        # Also what a multipart part without a filename holding binary data ends in: it is read as text.
        return _problem(400, "body: is not valid UTF-8 (text must be; a file part needs a filename)", field="body")
    if isinstance(exc, ValidationException):
        message, field = validation_message(exc)
        return _problem(400, message, field=field)
    if isinstance(exc, HTTPException):
        if exc.status_code == HTTP_404_NOT_FOUND:
            return _problem(404, "No such endpoint")
        return _problem(exc.status_code, str(exc.detail), allow=allowed_methods(exc))
    log.error("unhandled error", exc_info=exc)
    return _problem(500, "Internal server error")


def _under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix + "/")


class ErrorStyles:
    """Which dialect renders errors for which path prefix (the longest prefix wins)."""

    def __init__(self, default: Renderer) -> None:
        self._default = default
        self._by_prefix: list[tuple[str, Renderer]] = []

    def add(self, prefix: str, renderer: Renderer) -> None:
        """Render errors under ``prefix`` with ``renderer``."""
        self._by_prefix.append((prefix, renderer))
        self._by_prefix.sort(key=lambda pair: len(pair[0]), reverse=True)

    def for_path(self, path: str) -> Renderer:
        """The renderer for a request path."""
        return next((renderer for prefix, renderer in self._by_prefix if _under(path, prefix)), self._default)

    def has_style(self, path: str) -> bool:
        """Whether ``path`` is under a prefix given its own renderer (an API's), not left to the default."""
        return any(_under(path, prefix) for prefix, _ in self._by_prefix)

    def handler(self, request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
        """Litestar exception handler: classify, render in the path's dialect, add the rate-limit headers."""
        problem = classify(exc)
        headers: dict[str, str] = {}
        if problem.retry_after is not None:
            headers["Retry-After"] = str(problem.retry_after)
        if problem.allow is not None:
            headers["Allow"] = problem.allow
        return Response(
            content=self.for_path(request.url.path)(problem),
            status_code=problem.status,
            headers=headers,
            media_type="application/json",
        )
