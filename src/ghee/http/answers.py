"""Repeated reads answered from memory for as long as the database has not changed.

A read route opts in with ``opt=kept()``. The ``authenticated`` hook reads
the token together with the database's commit marker
(``ghee.db.functions.commit_marker``), in one statement (``authenticate``:
knowing whether anything changed costs no statement of its own), and looks
the request up here: an
answer kept under the same marker is sent again as it was, without the
route's parameters parsed, its queries run or its JSON encoded. Otherwise the
route runs and ``keep_answers`` keeps its ``200`` answer under the marker read
*before* the route read anything. A commit landing in between makes the kept
answer newer than its marker, never older, and the next request reads
another marker, so a kept answer is never staler than a fresh one would be.

The key holds everything such an answer depends on besides the rows: the
path and query string, the caller's scope and project, and, for a route
whose answer moves with the clock, what of the time it depends on
(``Keep.clock``). The links answers hold come from settings
(``SiteSettings``), never from the request's ``Host``, so neither it nor the
scheme is part of the key: a caller varying ``Host`` gets the same answer
and cannot fill the store with copies of it. Each process keeps its own answers, the most recently
used up to ``GHEE_ANSWER_CACHE_MB`` of bodies.

Litestar's own response cache (``cache=True``) does not fit: it answers
before the route's ``before_request`` hook, so a cached answer would skip the
token check and the rate limit, and its entries expire after a time rather
than when the data changes.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from litestar import Litestar, Request, Response
from litestar.background_tasks import BackgroundTask, BackgroundTasks
from litestar.datastructures import Cookie
from litestar.enums import MediaType, ScopeType
from litestar.response.base import ASGIResponse
from litestar.types import ASGIApp, Message, Receive, Scope, Send, TypeEncodersMap

from ghee.clock import utcnow
from ghee.core.tokens import TOKEN_BY_HASH, Authenticated, Principal, authenticated_by, hash_secret
from ghee.db.functions import commit_marker
from ghee.db.reads import Reads
from ghee.http.metrics import AnswerMetrics

KEEP = "ghee.keep_answers"
"""The route ``opt`` naming a ``Keep``: the route's answers may be kept."""

_PENDING = "ghee.answer_pending"
_ENTRY_OVERHEAD = 512
"""Bytes an answer costs beyond its body: its key, headers and bookkeeping, roughly."""


@dataclass(frozen=True, slots=True)
class Keep:
    """How a route's answers are kept."""

    clock: Callable[[datetime], Hashable] | None = None
    """What of the current time (naive UTC) the answer depends on, if anything: part of the key."""


_TOKEN_AND_MARKER = TOKEN_BY_HASH.add_columns(commit_marker())


async def authenticate(reads: Reads, secret: str) -> tuple[Authenticated, str]:
    """The caller presenting ``secret`` (``ghee.core.tokens``) and the commit marker as its token was read.

    One statement reads both: the token's, with the marker as a last column.
    Raises ``TokenInvalid`` if the secret matches no live token.
    """
    token_hash = hash_secret(secret)
    row = await reads.first(_TOKEN_AND_MARKER, {"token_hash": token_hash})
    found = authenticated_by(token_hash, row)
    return found, row[-1] if row is not None else ""


def kept(clock: Callable[[datetime], Hashable] | None = None) -> dict[str, Any]:
    """The ``opt`` of a read route whose ``200`` answers may be kept (see the module's description)."""
    return {KEEP: Keep(clock)}


@dataclass(frozen=True, slots=True)
class _Answer:
    marker: str
    headers: list[tuple[bytes, bytes]]
    body: bytes

    @property
    def size(self) -> int:
        return len(self.body) + _ENTRY_OVERHEAD


class _Resend(ASGIResponse):
    """Sends a kept answer again: its status, headers and body are what the route sent the first time."""

    def __init__(self, answer: _Answer) -> None:  # no super().__init__: none of its encoding is needed
        self._answer = answer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:  # noqa: ARG002 (ASGI)
        """Send the answer; fresh header lists, as the layers outside add theirs (request id, rate limit, ETag)."""
        await send({"type": "http.response.start", "status": 200, "headers": list(self._answer.headers)})
        await send({"type": "http.response.body", "body": self._answer.body, "more_body": False})


class _Replay(Response[bytes]):
    """A kept answer as the ``authenticated`` hook returns it: Litestar then skips the route and sends this."""

    def __init__(self, answer: _Answer) -> None:  # no super().__init__: nothing of its state is used
        self._answer = answer

    def to_asgi_response(  # noqa: PLR0913 (Litestar's signature)
        self,
        app: Litestar | None,  # noqa: ARG002
        request: Request[Any, Any, Any],  # noqa: ARG002
        *,
        background: BackgroundTask | BackgroundTasks | None = None,  # noqa: ARG002
        cookies: Iterable[Cookie] | None = None,  # noqa: ARG002
        encoded_headers: Iterable[tuple[bytes, bytes]] | None = None,  # noqa: ARG002
        headers: dict[str, str] | None = None,  # noqa: ARG002
        is_head_response: bool = False,  # noqa: ARG002
        media_type: MediaType | str | None = None,  # noqa: ARG002
        status_code: int | None = None,  # noqa: ARG002
        type_encoders: TypeEncodersMap | None = None,  # noqa: ARG002
    ) -> ASGIResponse:
        """The kept answer, sent as it is."""
        return _Resend(self._answer)


class Answers:
    """One process's kept answers, the most recently used first to stay, up to ``max_bytes`` of them."""

    def __init__(self, max_bytes: int, metrics: AnswerMetrics | None = None) -> None:
        self.max_bytes = max_bytes
        self._metrics = metrics
        self._answers: OrderedDict[Hashable, _Answer] = OrderedDict()
        self._bytes = 0

    @property
    def size(self) -> int:
        """What the kept answers cost now, by the same measure as ``max_bytes``."""
        return self._bytes

    def __len__(self) -> int:
        return len(self._answers)

    def get(self, key: Hashable, marker: str) -> _Answer | None:
        """The answer kept under ``key`` if it was kept under ``marker``."""
        answer = self._answers.get(key)
        if answer is None or answer.marker != marker:
            return None
        self._answers.move_to_end(key)
        return answer

    def put(self, key: Hashable, answer: _Answer) -> None:
        """Keep ``answer`` under ``key`` (replacing any), then forget the least recently used over the budget."""
        if answer.size > self.max_bytes:
            return
        old = self._answers.pop(key, None)
        if old is not None:
            self._bytes -= old.size
        self._answers[key] = answer
        self._bytes += answer.size
        while self._bytes > self.max_bytes:
            _, dropped = self._answers.popitem(last=False)
            self._bytes -= dropped.size

    def answer(self, scope: Scope, principal: Principal, marker: str) -> Response[bytes] | None:
        """For the ``authenticated`` hook: the kept answer to this request, or ``None`` (then it is kept once sent).

        Only ``GET`` requests to routes that opted in, and only while the
        budget is above zero, are looked up and kept.
        """
        keep = scope["route_handler"].opt.get(KEEP)
        if keep is None or scope.get("method") != "GET" or self.max_bytes <= 0:
            return None
        key = _key(scope, principal, keep)
        answer = self.get(key, marker)
        if answer is not None:
            if self._metrics is not None:
                self._metrics.hit.inc()
            return _Replay(answer)
        if self._metrics is not None:
            self._metrics.miss.inc()
        scope.setdefault("state", {})[_PENDING] = (self, key, marker)
        return None


def _key(scope: Scope, principal: Principal, keep: Keep) -> Hashable:
    return (
        scope["path"],
        scope["query_string"],
        principal.scope,
        principal.project_id,
        keep.clock(utcnow()) if keep.clock is not None else None,
    )


def keep_answers(app: ASGIApp) -> ASGIApp:
    """Middleware, innermost on a router: keep the ``200`` answer of a request ``Answers.answer`` found none for."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP or scope["method"] != "GET":
            await app(scope, receive, send)
            return
        headers: list[tuple[bytes, bytes]] | None = None
        chunks: list[bytes] = []

        async def keeping_send(message: Message) -> None:
            nonlocal headers
            pending = scope.get("state", {}).get(_PENDING)
            if pending is not None:
                if message["type"] == "http.response.start":
                    headers = list(message.get("headers", ())) if message["status"] == 200 else None  # noqa: PLR2004
                elif headers is not None and message["type"] == "http.response.body":
                    chunks.append(message.get("body", b""))
                    if not message.get("more_body", False):
                        answers, key, marker = pending
                        answers.put(key, _Answer(marker, headers, b"".join(chunks)))
            await send(message)

        await app(scope, receive, keeping_send)

    return middleware
