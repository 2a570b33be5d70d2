"""One attempt at one delivery: a signed POST with a deadline, its response read up to a size cap."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time

import httpx
import msgspec

from ghee.delivery.payloads import TEST_EVENT, message_body
from ghee.delivery.signing import signed_headers
from ghee.delivery.ssrf import TargetRefused, pinned, resolve_target

RESPONSE_CAP = 64 * 1024
"""Bytes of a response body read at most; the rest is never downloaded."""
EXCERPT_CHARS = 1000
"""Characters of the response kept in the attempt log."""
MAX_RETRY_AFTER = 86400.0


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


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after", "").strip()
    if value.isdigit():
        return min(float(value), MAX_RETRY_AFTER)
    return None


async def post_message(  # noqa: PLR0913 (each part of the request is named at the call)
    client: httpx.AsyncClient,
    url: str,
    body: bytes,
    headers: dict[str, str],
    *,
    timeout: float,  # noqa: ASYNC109 (one deadline covers resolving, sending and reading)
    allow_private: bool,
) -> AttemptResult:
    """POST ``body`` to ``url`` once; never raises for what the network or the receiver does."""
    started = time.perf_counter()

    def elapsed() -> int:
        return int((time.perf_counter() - started) * 1000)

    try:
        async with asyncio.timeout(timeout):
            addresses = await resolve_target(url, allow_private=allow_private)
            target, host, extensions = pinned(url, addresses[0])
            request = client.build_request(
                "POST", target, content=body, headers={**headers, **host}, timeout=timeout, extensions=extensions
            )
            async with contextlib.aclosing(await client.send(request, stream=True)) as response:
                received = bytearray()
                async for chunk in response.aiter_bytes():
                    received += chunk
                    if len(received) >= RESPONSE_CAP:
                        break
                excerpt = bytes(received[:RESPONSE_CAP]).decode("utf-8", "replace")[:EXCERPT_CHARS]
                return AttemptResult(response.status_code, elapsed(), None, excerpt, _retry_after(response))
    except TargetRefused as exc:
        return AttemptResult(None, elapsed(), f"refused: {exc.reason}", "")
    except TimeoutError:
        return AttemptResult(None, elapsed(), f"timed out after {timeout:g} s", "")
    except httpx.HTTPError as exc:
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
    async with httpx.AsyncClient(follow_redirects=False) as client:
        return await post_message(client, url, body, sent, timeout=timeout, allow_private=allow_private)
