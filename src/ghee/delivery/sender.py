"""One attempt at one delivery: a signed POST with a deadline, its response read up to a size cap."""

from __future__ import annotations

import asyncio
import secrets
import time
from typing import TYPE_CHECKING

import msgspec

from ghee import __version__
from ghee.delivery.chat import TEST_NEWS, render
from ghee.delivery.connections import Answer, Connections, ProtocolError, connections
from ghee.delivery.payloads import TEST_EVENT, message_body
from ghee.delivery.signing import signed_headers
from ghee.delivery.ssrf import TargetRefused, pinned, resolve_target
from ghee.delivery.subscriptions import Subscription, opened

if TYPE_CHECKING:
    from ghee.config import DeliverySettings
    from ghee.db.sealing import Sealer

RESPONSE_CAP = 64 * 1024
"""Bytes of a response body read at most; the rest is never downloaded."""
EXCERPT_CHARS = 1000
"""Characters of the response kept in the attempt log."""
MAX_RETRY_AFTER = 86400.0
USER_AGENT = f"ghee-webhooks/{__version__}"


class AttemptResult(msgspec.Struct, frozen=True):
    """What one attempt got: a status (``None`` if no response came), how long it took, why it failed."""

    status_code: int | None
    latency_ms: int
    error: str | None
    excerpt: str
    retry_after: float | None = None
    """Seconds a 429 or 503 response asked to wait (``Retry-After``), if it said."""

    @property
    def ok(self) -> bool:
        """Only a 2xx response is a success."""
        return self.status_code is not None and 200 <= self.status_code < 300  # noqa: PLR2004 (the 2xx range)


def _retry_after(answer: Answer) -> float | None:
    value = (answer.header(b"retry-after") or b"").strip()
    if value.isdigit():
        return min(float(value), MAX_RETRY_AFTER)
    return None


async def post_message(  # noqa: PLR0913 (each part of the request is named at the call)
    pool: Connections,
    url: str,
    body: bytes,
    headers: dict[str, str],
    *,
    timeout: float,  # noqa: ASYNC109 (one deadline covers resolving, sending and reading)
    allow_private: bool,
) -> AttemptResult:
    """POST ``body`` to ``url`` once, on a connection of ``pool``; never raises for what the network or target does."""
    started = time.perf_counter()

    def elapsed() -> int:
        return int((time.perf_counter() - started) * 1000)

    try:
        async with asyncio.timeout(timeout):
            addresses = await resolve_target(url, allow_private=allow_private)
            origin, target = pinned(url, addresses[0])
            sent = [("user-agent", USER_AGENT), *headers.items()]
            answer = await pool.post(origin, target, sent, body, RESPONSE_CAP)
            excerpt = answer.body.decode("utf-8", "replace")[:EXCERPT_CHARS]
            return AttemptResult(answer.status, elapsed(), None, excerpt, _retry_after(answer))
    except TargetRefused as exc:
        return AttemptResult(None, elapsed(), f"refused: {exc.reason}", "")
    except TimeoutError:
        return AttemptResult(None, elapsed(), f"timed out after {timeout:g} s", "")
    except (OSError, ProtocolError) as exc:
        return AttemptResult(None, elapsed(), f"{type(exc).__name__}: {exc}"[:500], "")


async def send_test(
    url: str,
    headers: dict[str, str],
    secret: str,
    *,
    timeout: float,  # noqa: ASYNC109 (one deadline, as for every attempt)
    allow_private: bool,
) -> AttemptResult:
    """Send a signed ``webhook.test`` message to a subscription's ``url`` now (nothing is queued or logged)."""
    body = message_body(TEST_EVENT, {"id": "test"}, url)
    sent = {**headers, "content-type": "application/json"}
    sent |= signed_headers(secret, f"msg_test_{secrets.token_hex(8)}", body)
    async with connections() as pool:
        return await post_message(pool, url, body, sent, timeout=timeout, allow_private=allow_private)


async def send_chat_test(
    fmt: str,
    url: str,
    *,
    timeout: float,  # noqa: ASYNC109 (one deadline, as for every attempt)
    allow_private: bool,
) -> AttemptResult:
    """Send a sample chat message in ``fmt`` to the chat ``url`` now (nothing is queued or logged, nothing signed)."""
    body = render(fmt, TEST_NEWS)
    async with connections() as pool:
        return await post_message(
            pool, url, body, {"content-type": "application/json"}, timeout=timeout, allow_private=allow_private
        )


async def send_test_message(sealer: Sealer, subscription: Subscription, settings: DeliverySettings) -> AttemptResult:
    """Send ``subscription`` its test message now: a signed ``webhook.test``, or a sample in its chat format.

    Raises ``Conflict`` when its secret (a chat subscription's URL) cannot be opened with ``sealer``.
    """
    opened_now = opened(sealer, subscription)
    deadline, private = settings.timeout_seconds, settings.allow_private
    if subscription.chat:
        return await send_chat_test(subscription.format, opened_now.secret, timeout=deadline, allow_private=private)
    return await send_test(
        subscription.url, opened_now.headers, opened_now.secret, timeout=deadline, allow_private=private
    )
