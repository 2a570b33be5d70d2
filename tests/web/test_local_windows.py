"""The in-process counters decide and report exactly as ``limits``' own sliding-window counter does."""

from __future__ import annotations

import asyncio
import random
import time

import pytest
from limits import parse_many
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import SlidingWindowCounterRateLimiter

from ghee.http.ratelimit import LocalSlidingWindows


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
