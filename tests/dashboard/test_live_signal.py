"""One poller per process wakes every ``/live`` stream: open streams cost no queries of their own when idle."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest

from ghee.core.projects import create_project
from ghee.dashboard.pages.live_signal import POLL_SECONDS, LogMoved
from ghee.db.database import Database
from tests.support.counting_reads import CountingReads
from tests.support.databases import make_database
from tests.support.services import run_async

STREAMS = 50


@pytest.fixture(scope="module")
def database_url(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url, drop = make_database(backend, tmp_path_factory.mktemp("live-signal"))
    try:
        yield url
    finally:
        drop()


def test_many_streams_share_one_poller_that_wakes_them_all_on_a_new_event(database_url: str) -> None:
    async def run() -> tuple[int, float, list[bool], int]:
        db = await Database.open(database_url)
        reads = CountingReads(db.read())
        moved = LogMoved(reads)
        started = time.monotonic()
        try:
            for _ in range(STREAMS):
                moved.listen()
            await asyncio.wait_for(moved.next_move().wait(), 10)  # the first poll wakes every stream once
            waits = [moved.next_move() for _ in range(STREAMS)]  # each stream, after reading its page
            async with db.write() as work:
                await create_project(work, "Live signal", "unreal")  # records project.created
            await asyncio.wait_for(asyncio.gather(*(w.wait() for w in waits)), 10)
            woken = [w.is_set() for w in waits]
            elapsed = time.monotonic() - started
            polled = reads.statements
            for _ in range(STREAMS):
                moved.leave()
            await asyncio.sleep(POLL_SECONDS * 3)
            return polled, elapsed, woken, reads.statements - polled
        finally:
            await db.close()

    polled, elapsed, woken, after_last_left = run_async(run)
    assert all(woken)
    # One poll per interval, however many streams wait: not one each.
    assert polled <= elapsed / POLL_SECONDS + 2
    assert after_last_left == 0  # no stream open, no polling
