"""Per-token rate limits, counted in process or in Redis (shared by every process)."""

from __future__ import annotations

import math
import time
from functools import lru_cache

import msgspec
from limits import RateLimitItem, parse_many
from limits.aio.storage import RedisStorage
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from limits.errors import StorageError

from ghee.errors import RateLimited, Unavailable


class RateState(msgspec.Struct, frozen=True):
    """What the ``X-RateLimit-*`` headers report: the primary (first listed) limit."""

    limit: int
    remaining: int
    reset: int

    def raw_headers(self) -> list[tuple[bytes, bytes]]:
        """The three ``X-RateLimit-*`` headers, as ASGI sends them."""
        return [
            (b"x-ratelimit-limit", b"%d" % self.limit),
            (b"x-ratelimit-remaining", b"%d" % self.remaining),
            (b"x-ratelimit-reset", b"%d" % self.reset),
        ]


class RateLimitExceeded(RateLimited):
    """``RateLimited`` with the state of the window that refused the request."""

    def __init__(self, retry_after: int, state: RateState) -> None:
        super().__init__(retry_after)
        self.state = state


@lru_cache(maxsize=256)
def parse_limits(spec: str) -> tuple[RateLimitItem, ...]:
    """``"60/minute;10/second"`` as limit items, in the order written."""
    return tuple(parse_many(spec))


@lru_cache(maxsize=256)
def _by_window(spec: str) -> tuple[RateLimitItem, ...]:
    # Shortest window first: a burst refusal then costs nothing from the longer budget.
    return tuple(sorted(parse_limits(spec), key=lambda item: item.get_expiry()))


@lru_cache(maxsize=256)
def _local_plan(spec: str) -> tuple[tuple[tuple[str, int, int], ...], tuple[str, int, int]]:
    # (counter, window length, amount) of each limit in ``_by_window`` order, and of the primary limit.
    # Each limit has its counter, named as ``limits`` names it (amount, multiples, granularity):
    # two limits of one window length count apart, a limit written twice shares one.
    def plan(item: RateLimitItem) -> tuple[str, int, int]:
        return item.key_for(), item.get_expiry(), item.amount

    return tuple(plan(item) for item in _by_window(spec)), plan(parse_limits(spec)[0])


def _weighted(previous: int, current: int, previous_ttl: float, expiry: int) -> int:
    """The requests a window counts now: the previous window's, weighted by how much of it still overlaps."""
    return math.floor(previous * previous_ttl / expiry + current)


def _reset_in(previous: int, current: int, previous_ttl: float, expiry: int) -> float:
    """Seconds until the window next frees a request (0 when it counts none), as ``limits`` reckons them."""
    if not (previous or current):
        return 0.0
    previous_reset = previous_ttl % (expiry / previous) if previous else math.inf
    current_reset = (previous_ttl + expiry) % expiry if current else math.inf
    return min(previous_reset, current_reset)


class LocalSlidingWindows:
    """``limits``' sliding-window counter algorithm, counted in this process's memory.

    Answers like ``SlidingWindowCounterRateLimiter`` over ``MemoryStorage``
    (same weighting of the previous window, same reset times), at a fraction
    of the cost (measured: see bench/README.md, section "micro.py"): limits'
    in-memory storage stacks several
    coroutines per counter and starts an asyncio task per increment to sweep
    expired keys. A token keeps one entry per limit (its current window), so
    memory grows with the number of tokens, not with time.
    """

    def __init__(self) -> None:
        # (key, counter) -> (index of the current window, previous window's count, current count)
        self._windows: dict[tuple[str, str], tuple[int, int, int]] = {}

    def _counts(self, key: str, counter: str, index: int) -> tuple[int, int]:
        """The previous and current windows' counts when ``index`` is the current window."""
        entry = self._windows.get((key, counter))
        if entry is None:
            return 0, 0
        stored_index, previous, current = entry
        if stored_index == index:
            return previous, current
        return (current if stored_index == index - 1 else 0), 0

    def hit_all(self, spec: str, key: str) -> RateState:
        """What ``RateLimiter.hit`` answers over ``limits``' strategy, in one pass at one moment.

        Each limit, shortest window first, counts the request if it allows it
        (limits' ``hit``) or refuses it, reporting when it next frees one;
        otherwise the primary limit reports (limits' ``get_window_stats``),
        without a coroutine, a ``time.time()`` and a parse-cache lookup for
        each: the primary's counts are the ones its counter was just given.
        """
        now = time.time()
        windows, (primary, primary_expiry, primary_amount) = _local_plan(spec)
        counted = (0, 0, 0.0)  # the primary counter's counts and previous-window time left, once hit
        for counter, expiry, amount in windows:
            index = int(now // expiry)
            previous, current = self._counts(key, counter, index)
            previous_ttl = expiry - now % expiry
            if _weighted(previous, current, previous_ttl, expiry) + 1 > amount:
                reset_time = now + _reset_in(previous, current, previous_ttl, expiry)
                state = RateState(limit=amount, remaining=0, reset=math.ceil(reset_time))
                raise RateLimitExceeded(max(1, math.ceil(reset_time - now)), state)
            self._windows[key, counter] = (index, previous, current + 1)
            if counter == primary:  # the last such write is the counter's count (a limit written twice)
                counted = (previous, current + 1, previous_ttl)
        previous, current, previous_ttl = counted
        remaining = max(0, primary_amount - _weighted(previous, current, previous_ttl, primary_expiry))
        reset_time = now + _reset_in(previous, current, previous_ttl, primary_expiry)
        return RateState(limit=primary_amount, remaining=remaining, reset=math.ceil(reset_time))


class RateLimiter:
    """Counts each token's requests against its limits (the default or its own)."""

    def __init__(self, default: str, redis_url: str | None = None) -> None:
        parse_limits(default)  # fail at start-up, not on the first request
        self.default = default
        self._strategy: SlidingWindowCounterRateLimiter | LocalSlidingWindows
        if redis_url:
            uri = "async+" + redis_url if not redis_url.startswith("async+") else redis_url
            self._strategy = SlidingWindowCounterRateLimiter(RedisStorage(uri, wrap_exceptions=True))
        else:
            self._strategy = LocalSlidingWindows()

    async def storage_reachable(self) -> bool:
        """Whether the counters' storage answers (Redis's PING; in-process counters always do)."""
        if isinstance(self._strategy, LocalSlidingWindows):
            return True
        try:
            return await self._strategy.storage.check()
        except StorageError:
            return False

    async def hit(self, key: str, spec: str | None) -> RateState:
        """Count one request for ``key``; raises ``RateLimitExceeded`` or ``Unavailable`` (Redis down)."""
        spec = spec or self.default
        if isinstance(self._strategy, LocalSlidingWindows):
            return self._strategy.hit_all(spec, key)
        try:
            for item in _by_window(spec):
                if not await self._strategy.hit(item, key):
                    stats = await self._strategy.get_window_stats(item, key)
                    retry = max(1, math.ceil(stats.reset_time - time.time()))
                    state = RateState(limit=item.amount, remaining=0, reset=math.ceil(stats.reset_time))
                    raise RateLimitExceeded(retry, state)
            primary = parse_limits(spec)[0]
            stats = await self._strategy.get_window_stats(primary, key)
        except StorageError as exc:
            raise Unavailable("redis") from exc
        return RateState(limit=primary.amount, remaining=stats.remaining, reset=math.ceil(stats.reset_time))
