"""Conditional reads: an ``ETag`` on every successful GET, ``304 Not Modified`` when it still matches.

The tag is a digest of the response body, so it changes exactly when the
content does, whatever changed it, and needs no bookkeeping in the domain.
The body is still built to be hashed: a 304 saves the client the transfer
and the parsing, not the server the query.
"""

from __future__ import annotations

from typing import Any

import xxhash
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from ghee.http.services import services_of

_VARY = b"Authorization"  # the token decides what a reader may see (drafts, scopes)


def etag_of(body: bytes) -> bytes:
    """A strong entity tag for ``body``: ``"<32 hex digits>"``, its 128-bit XXH3 digest.

    A tag needs no secrecy, only to change with the body: XXH3 hashes a page
    of posts many times faster than BLAKE2b (measured: see bench/README.md,
    section "micro.py").
    """
    return b'"' + xxhash.xxh3_128_hexdigest(body).encode() + b'"'


def matches(if_none_match: bytes, etag: bytes) -> bool:
    """Whether an ``If-None-Match`` header names ``etag`` (or is ``*``); weak tags compare by their value."""
    candidates = [tag.strip().removeprefix(b"W/") for tag in if_none_match.split(b",")]
    return b"*" in candidates or etag in candidates


def _header(scope: Scope, name: bytes) -> bytes | None:
    return next((value for key, value in scope["headers"] if key == name), None)


def conditional_gets(app: ASGIApp) -> ASGIApp:
    """Middleware: tag successful GET responses, answer 304 to a matching ``If-None-Match``."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP or scope["method"] not in ("GET", "HEAD"):
            await app(scope, receive, send)
            return
        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def tagging_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                if message["status"] != 200:  # noqa: PLR2004 (an HTTP status)
                    start["passthrough"] = True
                    await send(message)
                else:
                    start.update(message)
                return
            if start.get("passthrough") or message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            body = b"".join(chunks)
            etag = etag_of(body)
            cache_control = services_of(scope["litestar_app"].state).settings.cache_control.encode()
            headers = [(k, v) for k, v in start.get("headers", []) if k not in (b"etag", b"cache-control", b"vary")]
            headers += [(b"etag", etag), (b"cache-control", cache_control), (b"vary", _VARY)]
            if_none_match = _header(scope, b"if-none-match")
            if if_none_match is not None and matches(if_none_match, etag):
                headers = [(k, v) for k, v in headers if k not in (b"content-length", b"content-type")]
                await send({"type": "http.response.start", "status": 304, "headers": headers})
                await send({"type": "http.response.body", "body": b"", "more_body": False})
                return
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": body, "more_body": False})

        await app(scope, receive, tagging_send)

    return middleware
