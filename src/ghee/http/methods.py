"""HTTP methods every route answers alike: ``HEAD`` wherever ``GET`` is served, and ``Allow`` on every 405.

Litestar routes ``HEAD`` only to handlers declaring it, so a ``HEAD`` of a
``GET`` route would be a 405. ``serve_head`` runs such a request as the
``GET`` it stands for (token, rate limit, kept answers and all) and sends
its status and headers, ``Content-Length`` included, without the body
(RFC 9110, 9.3.2). The access log and metrics still see ``HEAD``.
"""

from __future__ import annotations

from typing import Final

from litestar.enums import ScopeType
from litestar.exceptions import HTTPException
from litestar.status_codes import HTTP_405_METHOD_NOT_ALLOWED
from litestar.types import ASGIApp, Message, Receive, Scope, Send

_HTTP: Final = ScopeType.HTTP
_LAST_BODY: Final[Message] = {"type": "http.response.body", "body": b"", "more_body": False}
_BODIES = frozenset({"http.response.body", "http.response.pathsend", "http.response.zerocopysend"})


def serve_head(app: ASGIApp) -> ASGIApp:
    """Middleware, outside routing: answer ``HEAD`` as ``GET`` would, without the body."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != _HTTP or scope["method"] != "HEAD":
            await app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] in _BODIES:
                if message.get("more_body", False):
                    return
                message = _LAST_BODY
            await send(message)

        scope["method"] = "GET"
        try:
            await app(scope, receive, headers_only)
        finally:
            scope["method"] = "HEAD"  # what the access log and the metrics outside record

    return middleware


def allowed_methods(exc: Exception) -> str | None:
    """The ``Allow`` header a 405 answer carries: the path's methods, ``HEAD`` beside ``GET``; else ``None``."""
    if not isinstance(exc, HTTPException) or exc.status_code != HTTP_405_METHOD_NOT_ALLOWED:
        return None
    listed = (exc.headers or {}).get("allow") or (exc.headers or {}).get("Allow") or ""
    methods = [method.strip().upper() for method in listed.split(",") if method.strip()]
    if "GET" in methods and "HEAD" not in methods:
        methods.insert(methods.index("GET") + 1, "HEAD")
    return ", ".join(methods)
