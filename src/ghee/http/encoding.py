"""Request encoding: UTF-8 only; bodies as JSON or ``application/x-www-form-urlencoded``.

Handlers declare a ``data: SomeStruct`` parameter and Litestar decodes JSON
into it. Form bodies are turned into the equivalent JSON before that, here,
so every endpoint accepts both without knowing (``artifacts[0][name]=x``
bracket notation builds nested lists and objects). Percent-encoded bytes in
the path and query must decode as UTF-8 too.
"""

from __future__ import annotations

import re
from typing import Any, Final, cast
from urllib.parse import parse_qsl, unquote_to_bytes

import msgspec
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Receive, ReceiveMessage, Scope, Send

from ghee.errors import Invalid, NotFound

MAX_BODY = 8 * 1024 * 1024
FORM = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
_HTTP: Final = ScopeType.HTTP
"""A module global: cheaper than the enum class's member lookup, every request (bench/README.md, "micro.py")."""
_KEY = re.compile(r"([^\[\]]+)|\[([^\[\]]*)\]")


def form_to_object(text: str) -> dict[str, Any]:
    """Parse a form body into nested dicts and lists (``a[0][b]=1`` → ``{"a": [{"b": "1"}]}``)."""
    root: dict[str, Any] = {}
    for key, value in parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict"):
        parts = [m.group(1) or m.group(2) for m in _KEY.finditer(key)]
        if not parts:
            continue
        node = root
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise Invalid(key, "conflicts with another form field")
            node = child
        node[parts[-1]] = value
    listified = _listify(root)
    if not isinstance(listified, dict):  # pragma: no cover - the root is always a dict of names
        raise Invalid("body", "form fields must have names")
    return listified


def _listify(value: object) -> object:
    if not isinstance(value, dict):
        return value
    if value and all(key.isascii() and key.isdigit() for key in value):  # "³".isdigit() holds too
        return [_listify(value[key]) for key in sorted(value, key=int)]
    return {key: _listify(item) for key, item in value.items()}


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


def _is_json(media: str) -> bool:
    return media in ("", "application/json") or media.endswith("+json")


def check_charset(content_type: str) -> None:
    """Raise ``Invalid`` unless the content type's charset (if any) is UTF-8."""
    for param in content_type.split(";")[1:]:
        name, _, value = param.strip().partition("=")
        if name.lower() == "charset" and value.strip().strip('"').lower() not in ("utf-8", "utf8"):
            raise Invalid("body", "only the UTF-8 character encoding is supported")


async def _read_all(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            raise Invalid("body", f"must be at most {MAX_BODY} bytes")
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def utf8_requests(app: ASGIApp) -> ASGIApp:
    """Middleware: refuse non-UTF-8 input, and hand form bodies on as JSON.

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
        await _body_request(app, scope, receive, send)

    return middleware


async def _body_request(app: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
    """Pass on a request that may carry a body: check its charset, and turn a form body into JSON."""
    headers = scope["headers"]
    content_type = next((v for k, v in headers if k == b"content-type"), b"").decode("latin-1")
    check_charset(content_type)
    media = content_type.split(";")[0].strip().lower()
    if media == MULTIPART:
        await app(scope, receive, send)  # file uploads: Litestar parses the parts
        return
    if media != FORM:
        if not _is_json(media):
            raise Invalid("body", f"unsupported content type {media!r}; send JSON or form-encoded data")
        await app(scope, receive, send)
        return
    raw = await _read_all(receive)
    try:
        body = msgspec.json.encode(form_to_object(raw.decode("utf-8")))
    except UnicodeDecodeError as exc:
        raise Invalid("body", "is not valid UTF-8") from exc
    new_headers = [(k, v) for k, v in headers if k not in (b"content-type", b"content-length")]
    new_headers += [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    sent = False

    async def replay() -> ReceiveMessage:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    await app(cast("Scope", {**scope, "headers": new_headers}), replay, send)
