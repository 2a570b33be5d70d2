"""CPU per request of the observer around every request (``ghee.http.observe``), without a server.

Calls a do-nothing ASGI app 50,000 times bare, then wrapped in
``RequestObserver`` with each ``GHEE_ACCESS_LOG`` mode, and prints the best of
three runs in µs of process CPU per call. Access lines go to /dev/null (a
file write and flush per line, as on a server). Run it once more with
``PROMETHEUS_MULTIPROC_DIR`` set to an empty folder for the multi-worker mode.
See bench/README.md.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from pathlib import Path
from typing import Any

from ghee.http.logs import configure_logging
from ghee.http.observe import RequestObserver
from ghee.ops.metrics import create_metrics

CALLS = 50_000
HEADERS = [(b"host", b"ghee"), (b"authorization", b"Bearer x"), (b"user-agent", b"wrk"), (b"accept", b"*/*")]


async def bare(scope: Any, _receive: Any, send: Any) -> None:
    scope["path_template"] = "/v1/projects/{project_id}/builds"
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": b"{}"})


async def ignore(_message: Any) -> None:
    return None


async def receive() -> Any:
    return {"type": "http.request", "body": b""}


async def per_call(app: Any) -> float:
    best = float("inf")
    for _ in range(3):
        started = time.process_time()
        for _ in range(CALLS):
            scope = {
                "type": "http",
                "method": "GET",
                "path": "/v1/projects/proj_1/builds",
                "raw_path": b"/v1/projects/proj_1/builds",
                "headers": HEADERS,
                "state": {},
            }
            await app(scope, receive, ignore)
        best = min(best, (time.process_time() - started) / CALLS * 1e6)
    return best


async def measure() -> None:
    metrics = create_metrics(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
    base = await per_call(bare)
    print(f"{'bare app':<22} {base:6.2f} µs per call")
    for mode in ("off", "errors", "on"):
        observed = await per_call(RequestObserver(bare, metrics.http, mode))
        print(f"{'GHEE_ACCESS_LOG=' + mode:<22} {observed:6.2f} µs  (+{observed - base:.2f})")


def main() -> None:
    configure_logging()
    with Path(os.devnull).open("w", encoding="utf-8") as sink:
        for handler in logging.getLogger("ghee").handlers:
            if isinstance(handler, logging.StreamHandler):
                handler.setStream(sink)
        asyncio.run(measure())
    print(f"load average: {' '.join(Path('/proc/loadavg').read_text().split()[:3])}")


if __name__ == "__main__":
    main()
