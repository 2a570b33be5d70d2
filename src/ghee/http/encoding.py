"""Request encoding: UTF-8 only, in the path and query as in bodies (JSON or ``application/x-www-form-urlencoded``).

Percent-encoded bytes in the path and query must decode as UTF-8, without a
NUL. Bodies are checked, and forms turned into JSON, by ``ghee.http.bodies``,
only when the route reads them: after the caller is let in.
"""

from __future__ import annotations

from typing import Final
from urllib.parse import unquote_to_bytes

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Receive, Scope, Send

from ghee.errors import Invalid, NotFound
from ghee.http.bodies import deferred_body

_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
_HTTP: Final = ScopeType.HTTP
"""A module global: cheaper than the enum class's member lookup, every request (bench/README.md, "micro.py")."""


def check_url_encoding(raw_path: bytes, query_string: bytes) -> None:
    """Raise ``Invalid`` unless the percent-decoded path and query are UTF-8 without NUL characters.

    PostgreSQL cannot hold or compare a NUL in text, so a slug or name with
    one is refused here for every route alike, on both databases: a path
    holding one is a 404 (``NotFound``), a query a 400.
    """
    if raw_path.isascii() and query_string.isascii() and b"%" not in raw_path and b"%" not in query_string:
        if b"\x00" in raw_path or b"\x00" in query_string:
            _refuse_nul("path" if b"\x00" in raw_path else "query")
        return  # plain ASCII, the usual case: nothing to decode
    for field, raw in (("path", raw_path), ("query", query_string.replace(b"+", b" "))):
        try:
            decoded = unquote_to_bytes(raw).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise Invalid(field, "percent-encoded bytes must be UTF-8") from exc
        if "\x00" in decoded:
            _refuse_nul(field)


def _refuse_nul(field: str) -> None:
    """No id, slug or name holds a NUL: a path with one names nothing (404), a query with one is malformed (400)."""
    if field == "path":
        raise NotFound("resource", "at a path holding a NUL character")
    raise Invalid(field, "must not contain NUL characters")


def utf8_requests(app: ASGIApp) -> ASGIApp:
    """Middleware: refuse a path or query that is not UTF-8; leave bodies to ``ghee.http.bodies``.

    It sees every request, and most are a GET of a plain ASCII URL: those
    are checked inline and passed on.
    """

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != _HTTP:
            await app(scope, receive, send)
            return
        raw_path = scope.get("raw_path") or scope["path"].encode()
        query_string = scope["query_string"]
        if not (raw_path.isascii() and query_string.isascii() and b"%" not in raw_path and b"%" not in query_string):
            check_url_encoding(raw_path, query_string)
        if scope["method"] not in _BODY_METHODS:
            await app(scope, receive, send)  # no body to check or convert
            return
        await deferred_body(app, scope, receive, send)

    return middleware
