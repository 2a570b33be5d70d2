"""One poller per process wakes every ``/live`` stream and notices their sessions end: no queries per stream."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest

from ghee.core.projects import create_project
from ghee.core.sessions import close_session, open_session
from ghee.core.users import create_user
from ghee.dashboard.pages.live_signal import POLL_SECONDS, SESSION_CHECK_SECONDS, LiveSignal
from ghee.db.database import Database
from tests.support.counting_reads import CountingReads
from tests.support.databases import make_database
from tests.support.services import run_async

STREAMS = 50
PASSWORD = "a long password"  # noqa: S105 (a test user's)


@pytest.fixture(scope="module")
def database_url(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url, drop = make_database(backend, tmp_path_factory.mktemp("live-signal"))
    try:
        yield url
    finally:
        drop()


def _budget(elapsed: float) -> float:
    """The statements one poller may run in ``elapsed`` seconds: a log poll each interval, a session check each."""
    return elapsed / POLL_SECONDS + elapsed / SESSION_CHECK_SECONDS + 2


def test_many_streams_share_one_poller_that_wakes_them_all_on_a_new_event(database_url: str) -> None:
    async def run() -> tuple[int, float, list[bool], int]:
        db = await Database.open(database_url)
        reads = CountingReads(db.read())
        signal = LiveSignal(reads)
        opened = ("no-such-session", False)
        started = time.monotonic()
        try:
            for _ in range(STREAMS):
                signal.listen(opened)
            await asyncio.wait_for(signal.next_move().wait(), 10)  # the first poll wakes every stream once
            waits = [signal.next_move() for _ in range(STREAMS)]  # each stream, after reading its page
            async with db.write() as work:
                await create_project(work, "Live signal", "unreal")  # records project.created
            await asyncio.wait_for(asyncio.gather(*(w.wait() for w in waits)), 10)
            woken = [w.is_set() for w in waits]
            elapsed = time.monotonic() - started
            polled = reads.statements
            for _ in range(STREAMS):
                signal.leave(opened)
            await asyncio.sleep(POLL_SECONDS * 3)
            return polled, elapsed, woken, reads.statements - polled
        finally:
            await db.close()

    polled, elapsed, woken, after_last_left = run_async(run)
    assert all(woken)
    # One poll per interval, however many streams wait: not one each.
    assert polled <= _budget(elapsed)
    assert after_last_left == 0  # no stream open, no polling


def test_streams_learn_their_session_ended_from_one_check_for_all_of_them(database_url: str) -> None:
    """Sign-out ends the streams of that session only; the others, and the statement count, are untouched."""

    async def run() -> tuple[list[bool], list[bool], list[bool], int, float]:
        db = await Database.open(database_url)
        reads = CountingReads(db.read())
        signal = LiveSignal(reads)
        async with db.write() as work:
            reader = await create_user(work, email="reader@example.com", password=PASSWORD, is_admin=False)
            leaving, leaving_cookie = await open_session(work, reader)
            staying, _ = await open_session(work, reader)
        streams = [(leaving.id, False)] * (STREAMS // 2) + [(staying.id, False)] * (STREAMS // 2)
        started = time.monotonic()
        try:
            for opened in streams:
                signal.listen(opened)
            await asyncio.sleep(SESSION_CHECK_SECONDS + POLL_SECONDS * 2)  # one check at least, while all are live
            before = [signal.ended(opened) for opened in streams]
            async with db.write() as work:
                await close_session(work, leaving_cookie)
            while not signal.ended(streams[0]):  # the check that notices it wakes every stream
                await asyncio.wait_for(signal.next_move().wait(), SESSION_CHECK_SECONDS * 10)
            after = [signal.ended(opened) for opened in streams]
            elapsed = time.monotonic() - started
            statements = reads.statements
            for opened in streams:
                signal.leave(opened)
            return before, after[: STREAMS // 2], after[STREAMS // 2 :], statements, elapsed
        finally:
            await db.close()

    before, leaving, staying, statements, elapsed = run_async(run)
    assert not any(before)
    assert all(leaving)
    assert not any(staying)
    assert statements <= _budget(elapsed)  # a check for all fifty streams, not one each


def test_a_stream_of_a_user_who_is_no_longer_an_admin_is_ended(database_url: str) -> None:
    """What a stream may send was decided by the admin right it was opened with: a change ends it."""

    async def run() -> bool:
        db = await Database.open(database_url)
        signal = LiveSignal(db.read())
        async with db.write() as work:
            user = await create_user(work, email="demoted@example.com", password=PASSWORD, is_admin=False)
            session, _ = await open_session(work, user)
        opened = (session.id, True)  # opened while an admin, says the stream
        try:
            signal.listen(opened)
            while not signal.ended(opened):
                await asyncio.wait_for(signal.next_move().wait(), SESSION_CHECK_SECONDS * 10)
            return signal.ended(opened)
        finally:
            signal.leave(opened)
            await db.close()

    assert run_async(run)
