"""Per-token rate limits, counted in process or in Redis (shared by every process)."""

from __future__ import annotations

import math
import time
from functools import lru_cache

import msgspec
from limits import RateLimitItem, parse_many
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from limits.errors import StorageError

from ghee.core.errors import RateLimited, Unavailable


class RateState(msgspec.Struct, frozen=True):
    """What the ``X-RateLimit-*`` headers report: the primary (first listed) limit."""

    limit: int
    remaining: int
    reset: int

    def headers(self) -> dict[str, str]:
        """The three ``X-RateLimit-*`` headers."""
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset),
        }


class RateLimitExceeded(RateLimited):
    """``RateLimited`` with the state of the window that refused the request."""

    def __init__(self, retry_after: int, state: RateState) -> None:
        super().__init__(retry_after)
        self.state = state


@lru_cache(maxsize=256)
def parse_limits(spec: str) -> tuple[RateLimitItem, ...]:
    """``"60/minute;10/second"`` as limit items, in the order written."""
    return tuple(parse_many(spec))


class RateLimiter:
    """Counts each token's requests against its limits (the default or its own)."""

    def __init__(self, default: str, redis_url: str | None = None) -> None:
        parse_limits(default)  # fail at start-up, not on the first request
        self.default = default
        self.storage: Storage
        if redis_url:
            uri = "async+" + redis_url if not redis_url.startswith("async+") else redis_url
            self.storage = RedisStorage(uri, wrap_exceptions=True)
        else:
            self.storage = MemoryStorage()
        self._strategy = SlidingWindowCounterRateLimiter(self.storage)

    async def hit(self, key: str, spec: str | None) -> RateState:
        """Count one request for ``key``; raises ``RateLimitExceeded`` or ``Unavailable`` (Redis down)."""
        items = parse_limits(spec or self.default)
        try:
            # Shortest window first: a burst refusal then costs nothing from the longer budget.
            for item in sorted(items, key=lambda i: i.get_expiry()):
                if not await self._strategy.hit(item, key):
                    stats = await self._strategy.get_window_stats(item, key)
                    retry = max(1, math.ceil(stats.reset_time - time.time()))
                    state = RateState(limit=item.amount, remaining=0, reset=math.ceil(stats.reset_time))
                    raise RateLimitExceeded(retry, state)
            primary = items[0]
            stats = await self._strategy.get_window_stats(primary, key)
        except StorageError as exc:
            raise Unavailable("redis") from exc
        return RateState(limit=primary.amount, remaining=stats.remaining, reset=math.ceil(stats.reset_time))
