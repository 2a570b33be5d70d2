"""The in-process figures the code's comments cite, each timed against what it replaced.

No server and no database: each line is a ``timeit`` of one call, best of
five repeats, in microseconds per call. See bench/README.md, section
"micro.py", for what each figure explains and where the code relies on it.

    .venv/bin/python bench/micro.py
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import logging
import time
import timeit
from collections.abc import Callable
from datetime import UTC, datetime

import xxhash
from limits import parse_many
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from litestar.enums import ScopeType

from ghee import clock, ids
from ghee.http import logs
from ghee.http.ratelimit import LocalSlidingWindows

_HTTP = ScopeType.HTTP


def per_call(work: Callable[[], object], number: int = 20_000) -> float:
    """Microseconds per call of ``work``: the best of five repeats."""
    return min(timeit.repeat(work, number=number, repeat=5)) / number * 1e6


def show(name: str, micros: float) -> None:
    print(f"{name:<62} {micros:8.2f} µs")


def clock_figures() -> None:
    show("clock.utcnow()", per_call(clock.utcnow))
    show("datetime.now(UTC).replace(tzinfo=None)", per_call(lambda: datetime.now(UTC).replace(tzinfo=None)))
    moment = datetime(2026, 12, 3, 9, 30, 15)  # noqa: DTZ001 (storage is naive UTC)
    clock.iso(moment)
    show("clock.iso(moment), cached", per_call(lambda: clock.iso(moment)))
    show('moment.isoformat(timespec="seconds") + "Z"', per_call(lambda: moment.isoformat(timespec="seconds") + "Z"))
    show('moment.strftime("%Y-%m-%dT%H:%M:%SZ")', per_call(lambda: moment.strftime("%Y-%m-%dT%H:%M:%SZ")))


def id_figures() -> None:
    ids.encode("build", 123_456)
    show('ids.encode("build", n), cached', per_call(lambda: ids.encode("build", 123_456)))
    show('ids.encode("build", n), computed', per_call(lambda: ids.encode.__wrapped__("build", 123_456)))


def enum_figures() -> None:
    show("ScopeType.HTTP (the enum class's member)", per_call(lambda: ScopeType.HTTP, 200_000))
    show("_HTTP (a module global)", per_call(lambda: _HTTP, 200_000))


def etag_figures() -> None:
    body = b'{"data":[' + b",".join(b'{"slug":"post-%d","title":"A post"}' % n for n in range(600)) + b"]}"
    body = body[: 20 * 1024]
    show("xxhash.xxh3_128_hexdigest(20 KB)", per_call(lambda: xxhash.xxh3_128_hexdigest(body)))
    show(
        "hashlib.blake2b(20 KB, digest_size=16).hexdigest()",
        per_call(lambda: hashlib.blake2b(body, digest_size=16).hexdigest()),
    )


def rate_limit_figures() -> None:
    spec = "100000000/minute;10000000/second"
    windows = LocalSlidingWindows()
    show("LocalSlidingWindows.hit_all (both limits)", per_call(lambda: windows.hit_all(spec, "token:a")))
    strategy = SlidingWindowCounterRateLimiter(MemoryStorage())
    items = parse_many(spec)
    count = 5_000

    async def limits_requests() -> float:
        start = time.perf_counter()
        for _ in range(count):
            for item in items:
                await strategy.hit(item, "token:a")
            await strategy.get_window_stats(items[0], "token:a")
        return (time.perf_counter() - start) / count * 1e6

    show(
        "limits' strategy over MemoryStorage (hit both, window stats)",
        min(asyncio.run(limits_requests()) for _ in range(3)),
    )


def access_line_figures() -> None:
    fields: dict[str, object] = {"message": "request", "method": "GET", "path": "/v2/posts/", "status": 200}
    ghee = logging.getLogger("ghee")
    saved = ghee.handlers[:], ghee.level, ghee.propagate
    logs.configure_logging()
    (handler,) = [h for h in ghee.handlers if isinstance(h, logs._JsonHandler)]
    handler.setStream(io.StringIO())
    try:
        show("log_access, straight to the stream", per_call(lambda: logs.log_access(fields)))
        show("_direct_handler() (the check per line)", per_call(logs._direct_handler))
        logs.access_log.addFilter(lambda _: True)
        show("log_access, through logging (a filter present)", per_call(lambda: logs.log_access(fields)))
        logs.access_log.filters.clear()
        logging.logThreads = logging.logProcesses = logging.logMultiprocessing = True
        show(
            "a LogRecord, naming thread and process",
            per_call(lambda: logs.access_log.makeRecord("x", 20, "", 0, fields, (), None)),
        )
        logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
        show(
            "a LogRecord, naming neither (as configure_logging)",
            per_call(lambda: logs.access_log.makeRecord("x", 20, "", 0, fields, (), None)),
        )
    finally:
        ghee.handlers[:], ghee.level, ghee.propagate = saved
    formatter = logs.JsonFormatter()
    now = time.time()
    show("JsonFormatter._time, second cached", per_call(lambda: formatter._time(now)))
    show(
        "the same by strftime",
        per_call(lambda: datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"),
    )
    show('milliseconds by "%03d"', per_call(lambda: "%03dZ" % int((now - int(now)) * 1000)))  # noqa: UP031


def main() -> None:
    for figures in (clock_figures, id_figures, enum_figures, etag_figures, rate_limit_figures, access_line_figures):
        figures()
        print()


if __name__ == "__main__":
    main()
