"""The in-process counters decide and report as ``limits``' own sliding-window counter over its ``MemoryStorage``."""

from __future__ import annotations

import asyncio
import random
import time

import pytest
from limits import parse_many
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import SlidingWindowCounterRateLimiter

from ghee.http.ratelimit import RateLimiter, RateLimitExceeded, RateState


class Clock:
    def __init__(self, start: float) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


def over_limits_memory_storage() -> RateLimiter:
    """A ``RateLimiter`` counting with ``limits``' own strategy and in-memory storage, the reference."""
    limiter = RateLimiter("100/minute")
    limiter._strategy = SlidingWindowCounterRateLimiter(MemoryStorage())
    return limiter


async def _answer(limiter: RateLimiter, key: str, spec: str | None) -> tuple[int, RateState]:
    """``limiter.hit``'s answer: (0, state) when let in, (Retry-After, state) when refused."""
    try:
        return 0, await limiter.hit(key, spec)
    except RateLimitExceeded as exc:
        return exc.retry_after, exc.state


# Mostly fast enough to reach the longer limits too, now and then a gap longer than a window.
_STEPS = [0.0, 0.0, 0.0, 0.01, 0.05, 0.2, 0.7, 1.5]


def _compare(monkeypatch: pytest.MonkeyPatch, spec: str, seed: int, requests: int) -> set[int]:
    """Ask both limiters the same requests at the same moments; returns the limits that refused some."""
    clock = Clock(1_800_000_000.0)
    monkeypatch.setattr(time, "time", clock)
    rng = random.Random(seed)  # noqa: S311 (a reproducible schedule, not a secret)

    async def run() -> set[int]:
        ours, reference = RateLimiter("100/minute"), over_limits_memory_storage()
        refused_by = set()
        for _ in range(requests):
            clock.now += 75.0 if rng.random() < 0.02 else rng.choice(_STEPS)
            key = rng.choice(["token:a", "token:b"])
            retry_after, state = await _answer(ours, key, spec)
            assert (retry_after, state) == await _answer(reference, key, spec)
            if retry_after:
                refused_by.add(state.limit)
        return refused_by

    return asyncio.run(run())


@pytest.mark.parametrize("spec", ["40/minute;7/second", "7/second;40/minute", "3/second"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_limiter_answers_as_over_limits_memory_storage(
    monkeypatch: pytest.MonkeyPatch, spec: str, seed: int
) -> None:
    """Decisions, ``X-RateLimit-*`` and ``Retry-After`` as limits' own, counted in one pass in process."""
    # The schedule reaches every limit: the burst one and the longer one.
    assert _compare(monkeypatch, spec, seed, 600) == {item.amount for item in parse_many(spec)}


@pytest.mark.parametrize("spec", ["20/minute;10/minute", "5/second;30/minute;3/second", "4/second;4/second"])
@pytest.mark.parametrize("seed", [1, 2])
def test_limits_of_one_window_length_count_as_in_limits(monkeypatch: pytest.MonkeyPatch, spec: str, seed: int) -> None:
    """Each limit has its own counter, as in limits: two of one length do not count a request twice."""
    assert _compare(monkeypatch, spec, seed, 400)


def test_a_refused_request_is_not_counted(monkeypatch: pytest.MonkeyPatch) -> None:
    """A window later only the two requests let in weigh on the next (at 59.5/60: 1), so one more is let in."""
    clock = Clock(1_800_000_000.5)
    monkeypatch.setattr(time, "time", clock)

    async def run() -> list[int]:
        limiter = RateLimiter("2/minute")
        retry_afters = [(await _answer(limiter, "token:a", None))[0] for _ in range(4)]
        clock.now += 60
        return [*retry_afters, (await _answer(limiter, "token:a", None))[0]]

    assert asyncio.run(run()) == [0, 0, 60, 60, 0]
