"""The in-process counters decide and report exactly as ``limits``' own sliding-window counter does."""

from __future__ import annotations

import asyncio
import random
import time

import pytest
from limits import RateLimitItem, parse_many
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from limits.util import WindowStats

from ghee.http.ratelimit import LocalSlidingWindows, RateLimiter, RateLimitExceeded, RateState


class Clock:
    def __init__(self, start: float) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_same_answers_as_limits_over_many_windows(monkeypatch: pytest.MonkeyPatch, seed: int) -> None:
    clock = Clock(1_800_000_000.0)
    monkeypatch.setattr(time, "time", clock)
    items = parse_many("7/second;40/minute")
    rng = random.Random(seed)  # noqa: S311 (a reproducible schedule, not a secret)

    async def run() -> None:
        ours = LocalSlidingWindows()
        reference = SlidingWindowCounterRateLimiter(MemoryStorage())
        for _ in range(600):
            # Bursts, pauses within a window, and gaps longer than a whole window.
            clock.now += rng.choice([0.0, 0.01, 0.05, 0.2, 0.7, 1.5, 30.0, 75.0])
            for item in items:
                key = rng.choice(["token:a", "token:b"])
                decided = await ours.hit(item, key)
                assert decided == await reference.hit(item, key)
                mine, theirs = await ours.get_window_stats(item, key), await reference.get_window_stats(item, key)
                assert mine.remaining == theirs.remaining
                assert mine.reset_time == pytest.approx(theirs.reset_time, abs=1e-6)

    asyncio.run(run())


def test_a_refused_request_is_not_counted(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock(1_800_000_000.5)
    monkeypatch.setattr(time, "time", clock)
    (item,) = parse_many("2/minute")

    async def run() -> list[bool]:
        windows = LocalSlidingWindows()
        answers = [await windows.hit(item, "token:a") for _ in range(4)]
        clock.now += 120  # two windows later both counts have aged out
        return [*answers, await windows.hit(item, "token:a")]

    assert asyncio.run(run()) == [True, True, False, False, True]


async def _answer(limiter: RateLimiter, key: str, spec: str | None) -> tuple[int, RateState]:
    """``limiter.hit``'s answer: (0, state) when let in, (Retry-After, state) when refused."""
    try:
        return 0, await limiter.hit(key, spec)
    except RateLimitExceeded as exc:
        return exc.retry_after, exc.state


@pytest.mark.parametrize("spec", ["40/minute;7/second", "7/second;40/minute", "3/second"])
@pytest.mark.parametrize("seed", [1, 2])
def test_the_limiter_answers_as_over_limits_memory_storage(
    monkeypatch: pytest.MonkeyPatch, spec: str, seed: int
) -> None:
    """``RateLimiter.hit`` counts all limits in one pass in process; the headers and refusals stay limits' own."""
    clock = Clock(1_800_000_000.0)
    monkeypatch.setattr(time, "time", clock)
    rng = random.Random(seed)  # noqa: S311 (a reproducible schedule, not a secret)
    # Mostly fast enough to reach the per-minute limit too, now and then a gap longer than a window.
    steps = [0.0, 0.0, 0.0, 0.01, 0.05, 0.2, 0.7, 1.5]

    async def run() -> set[int]:
        ours = RateLimiter("100/minute")
        reference = RateLimiter("100/minute")
        reference._strategy = SlidingWindowCounterRateLimiter(MemoryStorage())
        refused_by = set()
        for _ in range(600):
            clock.now += 75.0 if rng.random() < 0.02 else rng.choice(steps)
            key = rng.choice(["token:a", "token:b"])
            retry_after, state = await _answer(ours, key, spec)
            assert (retry_after, state) == await _answer(reference, key, spec)
            if retry_after:
                refused_by.add(state.limit)
        return refused_by

    # The schedule reaches every limit: the burst one and the longer one.
    assert asyncio.run(run()) == {item.amount for item in parse_many(spec)}


class StepByStep:
    """The in-process counters asked one limit at a time, as ``RateLimiter`` asks ``limits``' strategies."""

    def __init__(self) -> None:
        self.windows = LocalSlidingWindows()

    async def hit(self, item: RateLimitItem, key: str) -> bool:
        return await self.windows.hit(item, key)

    async def get_window_stats(self, item: RateLimitItem, key: str) -> WindowStats:
        return await self.windows.get_window_stats(item, key)


@pytest.mark.parametrize("spec", ["20/minute;10/minute", "5/second;30/minute;3/second", "4/second"])
def test_one_pass_answers_as_one_limit_at_a_time(monkeypatch: pytest.MonkeyPatch, spec: str) -> None:
    """Limits sharing a window length share its count, in one pass as step by step."""
    clock = Clock(1_800_000_000.0)
    monkeypatch.setattr(time, "time", clock)
    rng = random.Random(spec)  # noqa: S311 (a reproducible schedule, not a secret)
    steps = [0.0, 0.0, 0.0, 0.01, 0.05, 0.2, 0.7, 1.5]

    async def run() -> None:
        ours = RateLimiter("100/minute")
        reference = RateLimiter("100/minute")
        reference._strategy = StepByStep()  # type: ignore[assignment]
        for _ in range(400):
            clock.now += 75.0 if rng.random() < 0.02 else rng.choice(steps)
            assert await _answer(ours, "token:a", spec) == await _answer(reference, "token:a", spec)

    asyncio.run(run())
