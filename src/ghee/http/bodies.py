"""Request bodies: read only once the caller is let in, and parsed within limits.

``ghee.http.encoding`` hands every request that may carry a body on with
``deferred_body``: nothing is read there. The body is read the first time the
route asks for it, which is after ``ghee.http.auth.authenticated`` (the APIs)
or the session guard (the dashboard) has let the caller in, so a request
without credentials is refused whatever its body holds, before it is sent.

Then it is read whole and checked, and a form is turned into the equivalent
JSON, so every endpoint accepts both without knowing (``artifacts[0][name]=x``
bracket notation builds nested lists and objects). Each limit broken is an ``Invalid("body", ...)``, which every
dialect answers with a 400 in its own envelope and the dashboard with its
error page:

- at most ``MAX_BODY`` bytes (a form: ``MAX_FORM_BODY``), UTF-8, no NUL
  character (PostgreSQL cannot store one in text);
- JSON nested at most ``MAX_DEPTH`` levels (deeper, decoding it would
  exhaust the interpreter's stack), holding at most ``MAX_VALUES`` values
  (Litestar decodes it on the event loop);
- a form of at most ``MAX_FIELDS`` fields, names nested at most
  ``MAX_DEPTH`` levels, list positions (``x[12]``) below ``MAX_POSITION``.

Checking a body costs up to a few tenths of a second at the largest size
(bench/hostile_bodies.py), so bodies past ``OFF_LOOP_BYTES`` are checked on a
worker thread, not on the event loop every other request shares.
"""

from __future__ import annotations

import array
import itertools
import re
from typing import Any, cast
from urllib.parse import parse_qsl

import anyio.to_thread
import msgspec
from litestar.types import ASGIApp, Receive, ReceiveMessage, Scope, Send

from ghee.errors import Invalid

MAX_BODY = 8 * 1024 * 1024
MAX_FORM_BODY = 2 * 1024 * 1024
"""Percent-decoding runs in Python: 7 MB of ``%41`` took 0.8 s, and kept ``/healthz`` waiting up to 1.2 s
on the loaded bench machine although it runs on a worker thread (bench/README.md, "hostile_bodies.py")."""
MAX_DEPTH = 64
"""Nesting of JSON arrays and objects, and of form names (``a[b][c]`` is 3); content values nest at most 32."""
MAX_FIELDS = 1000
MAX_VALUES = 100_000
"""Items and members of a JSON body's arrays and objects, all together (decoding 700,000 takes ~0.3 s)."""
MAX_POSITION = 1_000_000
OFF_LOOP_BYTES = 256 * 1024
SCAN_CHUNK = 64 * 1024
FORM = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"

_KEY = re.compile(r"([^\[\]]+)|\[([^\[\]]*)\]")
_ESCAPE = re.compile(rb"\\.", re.DOTALL)
_STRING = re.compile(rb'"[^"]*"')  # once escapes are gone, a string holds no quote
_NUL_ESCAPE = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")  # \u0000, not a literal backslash before "u0000"
_NOT_BRACKETS = bytes(c for c in range(256) if c not in b"[]{}")
_STEPS = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")  # +1 and -1 as signed bytes


def form_to_object(text: str) -> dict[str, Any]:
    """Parse a form body into nested dicts and lists (``a[0][b]=1`` → ``{"a": [{"b": "1"}]}``).

    Raises ``Invalid("body")`` past the limits, for a NUL, or for a name that
    is both a value and an object (``a=1&a[b]=2``).
    """
    if "\x00" in text or "%00" in text:
        raise Invalid("body", "must not contain NUL characters")
    try:
        pairs = parse_qsl(text, keep_blank_values=True, errors="strict", max_num_fields=MAX_FIELDS)
    except UnicodeDecodeError as exc:
        raise Invalid("body", "is not valid UTF-8") from exc
    except ValueError as exc:  # parse_qsl counts the fields before it parses any
        raise Invalid("body", f"a form must have at most {MAX_FIELDS} fields") from exc
    root: dict[str, Any] = {}
    for key, value in pairs:
        parts = [m.group(1) or m.group(2) for m in _KEY.finditer(key)]
        if not parts:
            continue
        if len(parts) > MAX_DEPTH:
            raise Invalid("body", f"form field names must not nest deeper than {MAX_DEPTH} levels")
        node = root
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise Invalid(key[:100], "conflicts with another form field")
            node = child
        node[parts[-1]] = value
    listified = _listify(root)  # recursion as deep as the names nest: at most MAX_DEPTH
    if not isinstance(listified, dict):
        raise Invalid("body", "form fields must have names")
    return listified


def _listify(value: object) -> object:
    if not isinstance(value, dict):
        return value
    if value and all(key.isascii() and key.isdigit() for key in value):  # "³".isdigit() holds too
        if any(len(key.lstrip("0")) > len(str(MAX_POSITION - 1)) for key in value):
            raise Invalid("body", f"a list position in a form field name must be below {MAX_POSITION}")
        return [_listify(value[key]) for key in sorted(value, key=int)]
    return {key: _listify(item) for key, item in value.items()}


class JsonShape(msgspec.Struct, frozen=True):
    """How deep a JSON document's arrays and objects nest, and about how many values they hold in all."""

    depth: int
    values: int
    """The commas between items and members, plus one: exact for one flat array or object, low for nested ones."""


def json_shape(raw: bytes) -> JsonShape:
    """The shape of a JSON document; brackets and commas inside strings do not count.

    It reads ``SCAN_CHUNK`` bytes at a time, so that on a worker thread it
    hands the interpreter back to the event loop between chunks (a regular
    expression holds it until done), carrying across chunks whether it is
    inside a string and whether a backslash escapes the chunk's first byte.
    """
    depth = deepest = commas = 0
    in_string = escaping = False
    for start in range(0, len(raw), SCAN_CHUNK):
        chunk = raw[start : start + SCAN_CHUNK]
        if escaping:
            chunk, escaping = chunk[1:], False
        chunk = _ESCAPE.sub(b"", chunk)
        if chunk.endswith(b"\\"):  # a backslash escaping the next chunk's first byte
            chunk, escaping = chunk[:-1], True
        if in_string:
            end = chunk.find(b'"')
            if end < 0:
                continue
            chunk, in_string = chunk[end + 1 :], False
        chunk = _STRING.sub(b"", chunk)
        if (opened := chunk.find(b'"')) >= 0:  # a string the next chunk ends
            chunk, in_string = chunk[:opened], True
        commas += chunk.count(b",")
        steps = array.array("b", chunk.translate(None, _NOT_BRACKETS).translate(_STEPS))
        peak = max(itertools.accumulate(steps, initial=depth))
        deepest, depth = max(deepest, peak), depth + sum(steps)
    return JsonShape(deepest, commas + 1 if deepest else 0)


def check_json(raw: bytes) -> None:
    """Raise ``Invalid("body")`` unless a JSON body is UTF-8 without NUL, within ``MAX_DEPTH`` and ``MAX_VALUES``."""
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Invalid("body", "is not valid UTF-8") from exc
    if b"\x00" in raw or (b"\\u0000" in raw and _NUL_ESCAPE.search(raw)):
        raise Invalid("body", "must not contain NUL characters")
    # Fewer brackets and commas than the limits cannot break them: most bodies stop here.
    if raw.count(b"[") + raw.count(b"{") <= MAX_DEPTH and raw.count(b",") < MAX_VALUES:
        return
    shape = json_shape(raw)
    if shape.depth > MAX_DEPTH:
        raise Invalid("body", f"must not nest deeper than {MAX_DEPTH} levels")
    if shape.values > MAX_VALUES:
        raise Invalid("body", f"must hold at most {MAX_VALUES} values in its arrays and objects")


def is_json(media: str) -> bool:
    """Whether a body of this media type (lower case, no parameters) is read as JSON; none given means JSON."""
    return media in ("", "application/json") or media.endswith("+json")


def check_charset(content_type: str) -> None:
    """Raise ``Invalid`` unless the content type's charset (if any) is UTF-8."""
    for param in content_type.split(";")[1:]:
        name, _, value = param.strip().partition("=")
        if name.lower() == "charset" and value.strip().strip('"').lower() not in ("utf-8", "utf8"):
            raise Invalid("body", "only the UTF-8 character encoding is supported")


def media_type(content_type: str) -> str:
    """The media type of a ``Content-Type`` header, lower case, without its parameters."""
    return content_type.split(";", maxsplit=1)[0].strip().lower()


def checked_body(content_type: str, raw: bytes) -> bytes:
    """The body as JSON the route can decode (a form converted); raises ``Invalid("body")`` past the limits."""
    check_charset(content_type)
    media = media_type(content_type)
    if media == FORM:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise Invalid("body", "is not valid UTF-8") from exc
        return msgspec.json.encode(form_to_object(text))
    if not is_json(media):
        raise Invalid("body", f"unsupported content type {media!r}; send JSON or form-encoded data")
    check_json(raw)
    return raw


async def read_body(receive: Receive, limit: int) -> bytes:
    """The whole body; raises ``Invalid("body")`` as soon as it passes ``limit`` bytes."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise Invalid("body", f"must be at most {limit} bytes")
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def deferred_body(app: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
    """Pass on a request that may carry a body, to be read and checked when the route first asks for it.

    A multipart body (file uploads) goes to Litestar's own parser, which
    reads it when the route asks for it too (within its own limits: 1000
    parts, the route's size); the dashboard checks its text parts. A form is announced to the route
    as JSON, which is what it will be once read.
    """
    headers = scope["headers"]
    content_type = next((v for k, v in headers if k == b"content-type"), b"").decode("latin-1")
    media = media_type(content_type)
    if media == MULTIPART:
        await _multipart(app, scope, receive, send)
        return
    if media == FORM:
        headers = [(k, v) for k, v in headers if k not in (b"content-type", b"content-length")]
        headers.append((b"content-type", b"application/json"))
    read = False

    async def receive_checked() -> ReceiveMessage:
        nonlocal read
        if read:
            return await receive()
        read = True
        raw = await read_body(receive, MAX_FORM_BODY if media == FORM else MAX_BODY)
        if len(raw) > OFF_LOOP_BYTES:
            body = await anyio.to_thread.run_sync(checked_body, content_type, raw)
        else:
            body = checked_body(content_type, raw)
        return {"type": "http.request", "body": body, "more_body": False}

    await app(cast("Scope", {**scope, "headers": headers}), receive_checked, send)
    if not read:
        await discard_body(receive)


async def _multipart(app: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
    """Pass a multipart body on to Litestar's parser; drop what it left unread (it stops at its limits too)."""
    ended = False

    async def receive_noted() -> ReceiveMessage:
        nonlocal ended
        message = await receive()
        ended = message["type"] != "http.request" or not message.get("more_body", False)
        return message

    await app(scope, receive_noted, send)
    if not ended:
        await discard_body(receive)


async def discard_body(receive: Receive) -> None:
    """Read and drop a body the route answered without reading (a 401, a redirect), up to ``MAX_BODY`` bytes.

    The answer has gone out by then; without this the server would close a
    keep-alive connection with the body unread, sometimes after telling the
    client it could send its next request on it.
    """
    size = 0
    while size <= MAX_BODY:
        message = await receive()
        if message["type"] != "http.request" or not message.get("more_body", False):
            return
        size += len(message.get("body", b""))
