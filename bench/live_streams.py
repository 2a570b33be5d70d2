"""What ``/live`` streams cost the database, and what checking their sessions adds: statements by kind.

For each backend: a scratch database, ``--streams`` streams (``follow``, the
generator behind ``GET /live``, half of them for users who are not admins)
spread over ``--sessions`` sessions, all in this process and sharing one
``LiveSignal``, as in one ``ghee serve``. Events are written in transactions
of ``--batch`` every ``--pause`` seconds; each stream consumes what it is sent.
Then one session is signed out and the time until its streams end is taken.

Prints the statements run by kind: the poller's log polls, its session checks
(one statement for every stream), the streams' own page reads; and the session
checks per stream per event, which is the figure issue 15 asked to keep far
below one. See bench/README.md, section "live_streams.py".

    .venv/bin/python bench/live_streams.py [--backends sqlite,postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from collections import Counter
from collections.abc import Mapping

from sqlalchemy.engine import Dialect
from sqlalchemy.sql import Executable

from ghee.core import sessions
from ghee.core.events import NewEvent, record_events
from ghee.core.sessions import close_session, open_session
from ghee.core.users import create_user
from ghee.dashboard.pages.live import follow
from ghee.dashboard.pages.live_signal import LiveSignal
from ghee.db.database import Database, opened
from ghee.db.migrate import upgrade
from ghee.db.reads import Reads, Row
from loadtest import scratch_database

PASSWORD = "bench password"  # noqa: S105 (a scratch database's users)
_SESSION_CHECK = sessions._LIVE  # the one statement to tell apart


class Counted(Reads):
    """Runs reads on ``inner`` and counts them by the table they read first."""

    def __init__(self, inner: Reads, counts: Counter[str], kind: str) -> None:
        self._inner = inner
        self._counts = counts
        self._kind = kind

    @property
    def dialect(self) -> Dialect:
        return self._inner.dialect

    async def all(self, statement: Executable, params: Mapping[str, object]) -> list[Row]:
        self._counts["session checks" if statement is _SESSION_CHECK else self._kind] += 1
        return await self._inner.all(statement, params)


async def _consume(stream: object, received: Counter[str], key: str) -> None:
    async for _ in stream:  # type: ignore[attr-defined]
        received[key] += 1


async def run(url: str, args: argparse.Namespace) -> None:
    async with opened(url) as db:
        await upgrade(db.engine)
        await measure(db, args)


async def measure(db: Database, args: argparse.Namespace) -> None:
    cookies: list[str] = []
    opened_with: list[tuple[str, bool]] = []
    async with db.write() as work:
        for n in range(args.sessions):
            user = await create_user(work, email=f"u{n}@example.com", password=PASSWORD, is_admin=n % 2 == 0)
            session, cookie = await open_session(work, user)
            cookies.append(cookie)
            opened_with.append((session.id, user.is_admin))
    counts: Counter[str] = Counter()
    signal = LiveSignal(Counted(db.read(), counts, "log polls"))
    streams_reads = Counted(db.read(), counts, "stream pages")
    received: Counter[str] = Counter()
    tasks = [
        asyncio.create_task(
            _consume(follow(streams_reads, signal, opened_with[i % args.sessions], ["*"], None), received, str(i))
        )
        for i in range(args.streams)
    ]
    started = time.monotonic()
    for start in range(0, args.events, args.batch):
        async with db.write() as work:
            await record_events(
                work,
                [
                    NewEvent("build.updated", "build", f"build_{n}", None, {"id": f"build_{n}", "url": "https://ci/x"})
                    for n in range(start, min(start + args.batch, args.events))
                ],
            )
        await asyncio.sleep(args.pause)
    await asyncio.sleep(1.0)  # the last events reach every stream
    seconds = time.monotonic() - started
    snapshot = Counter(counts)
    signed_out = time.monotonic()
    async with db.write() as work:
        await close_session(work, cookies[0])
    ending = [task for i, task in enumerate(tasks) if i % args.sessions == 0]
    await asyncio.wait(ending, timeout=30)
    ended_after = time.monotonic() - signed_out
    failed = [task.exception() for task in ending if task.done() and not task.cancelled() and task.exception()]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    if failed:
        raise failed[0]
    delivered = sum(received.values())
    per_stream_event = snapshot["session checks"] / (args.streams * args.events)
    print(
        f"{db.engine.dialect.name:<10} {args.streams} streams, {args.events} events in {seconds:.1f} s, "
        f"{delivered} messages sent",
        flush=True,
    )
    print(
        f"{'':<10} log polls {snapshot['log polls']}, session checks {snapshot['session checks']}, "
        f"stream pages {snapshot['stream pages']} "
        f"({snapshot['stream pages'] / args.streams:.1f} a stream, for {args.events} events)",
        flush=True,
    )
    print(
        f"{'':<10} session checks per stream per event: {per_stream_event:.6f}; "
        f"a signed-out session's {len(ending)} streams ended {ended_after:.2f} s after the sign-out "
        f"(all ended: {all(task.done() for task in ending)})",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--streams", type=int, default=200)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=20, help="events per write transaction")
    parser.add_argument("--pause", type=float, default=0.05, help="seconds between write transactions")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("GHEE_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"),
    )
    args = parser.parse_args()
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    for backend in args.backends.split(","):
        with scratch_database(backend, args.postgres_url) as url:
            asyncio.run(run(url, args))
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)


if __name__ == "__main__":
    main()
