"""Around every request: its id (``X-Request-ID``), its metrics and its access log line.

A raw ASGI middleware wrapping the whole app, so 404s and errors are seen
too, doing as little as it can per request: the route template is the one
Litestar's router already put in the scope, the metric children are looked
up once per label set, and the access line is only built when it is written.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable
from time import perf_counter
from typing import Final

from litestar.enums import ScopeType
from litestar.types import ASGIApp, HTTPScope, Message, Receive, Scope, Send

from ghee.http.auth import caller_of
from ghee.http.logs import log_access, request_id
from ghee.http.metrics import UNMATCHED, HttpMetrics
from ghee.ids import encode

REQUEST_ID_HEADER = b"x-request-id"
_HTTP: Final = ScopeType.HTTP
"""A module global: cheaper than the enum class's member lookup, every request (bench/README.md, "micro.py")."""
_VALID_ID = re.compile(rb"[A-Za-z0-9._:-]{1,64}")
"""A request id taken from the client: short, and safe to log and echo."""

_QUIET_ROUTES = frozenset({"/healthz", "/readyz", "/metrics"})
"""Probes and scrapes come every few seconds: counted in the metrics, kept out of the access log."""


def incoming_request_id(headers: Iterable[tuple[bytes, bytes]]) -> bytes:
    """The client's ``X-Request-ID`` when it is valid, else a new random one."""
    for name, value in headers:
        if name == REQUEST_ID_HEADER:
            if _VALID_ID.fullmatch(value):
                return bytes(value)
            break
    # Unique enough to find a request's lines; not a secret, so no system call for randomness.
    return b"%016x" % random.getrandbits(64)


class RequestObserver:
    """Gives each HTTP request an id, counts it in ``metrics`` and writes its access line per ``access``."""

    def __init__(self, app: ASGIApp, metrics: HttpMetrics, access: str) -> None:
        self.app = app
        self.metrics = metrics
        self.log_all = access == "on"
        self.log_errors = access in {"on", "errors"}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != _HTTP:
            await self.app(scope, receive, send)
            return
        started = perf_counter()
        rid = incoming_request_id(scope["headers"])
        id_header = (REQUEST_ID_HEADER, rid)
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), id_header]
            await send(message)

        reset = request_id.set(rid.decode())
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            seconds = perf_counter() - started
            route: str = scope.get("path_template", UNMATCHED)
            self.metrics.observe(scope["method"], route, status, seconds)
            if (self.log_all or (self.log_errors and status >= 400)) and route not in _QUIET_ROUTES:  # noqa: PLR2004
                self._log(scope, route, status, seconds)
            request_id.reset(reset)

    @staticmethod
    def _log(scope: HTTPScope, route: str, status: int, seconds: float) -> None:
        principal = caller_of(scope)
        log_access(
            {
                "message": "request",
                "method": scope["method"],
                "route": route,
                "path": scope["raw_path"].decode("latin-1") if scope.get("raw_path") else scope["path"],
                "status": status,
                "duration_ms": round(seconds * 1000, 3),
                "token_id": encode("tok", principal.token_id) if principal is not None else None,
            }
        )
