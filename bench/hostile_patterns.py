"""Hostile requests an admin or a writer may send, and whether ``/healthz`` waits for them (issue 15, items 4 and 5).

1. Saving the failure cause ``^(a+){1,12}$`` (``POST /api/v1/failure-causes``),
   which classifies the newest failed builds again: one of them has a log of
   ``--lines`` lines of ``--length`` a's and a ``!`` (Python's ``re`` tries
   every way to split each line's a's before giving up).
2. ``GET /v2/pages/<type>/loop/?levels=5`` on a page referencing itself
   ``--references`` times.

Each request is timed while another thread asks ``/healthz`` every 20 ms;
the script prints the request's time, status and size, the slowest and the
median ``/healthz`` answer meanwhile, and the load average. One ``ghee serve``
worker on a scratch SQLite database, pinned to CPU 0 (see ``loadtest.py``).

    .venv/bin/python bench/hostile_patterns.py
    .venv/bin/python bench/hostile_patterns.py --lines 40 --references 10
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from ghee.core.tokens import create_token
from ghee.db.database import Write, opened
from ghee.db.migrate import upgrade
from loadtest import scratch_database, serve

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.support.buildbutler_factory import new_build, new_connection, new_job

HEALTH_EVERY = 0.02


async def fill(database_url: str, lines: int, length: int) -> str:
    """Migrate, store a failed build with the hostile log and an ordinary one; returns an admin token."""
    async with opened(database_url) as db:
        await upgrade(db.engine)
    async with opened(database_url) as db, db.write() as work:
        await _builds(work, lines, length)
        _, secret = await create_token(work, name="bench", scope="admin", project_id=None, rate_limit=None)
    return secret


async def _builds(work: Write, lines: int, length: int) -> None:
    connection_id, _ = await new_connection(work, "Hostile")
    job = await new_job(work, connection_id)
    await new_build(work, job, 1, "FAILURE", log=("a" * length + "!\n") * lines + "Finished: FAILURE\n")
    await new_build(work, job, 2, "FAILURE", log="aaaa\nFinished: FAILURE\n")


def while_polling_health(base_url: str, request: Callable[[], httpx.Response]) -> None:
    """Send ``request`` while another thread times ``/healthz``; print both."""
    latencies: list[float] = []
    done = threading.Event()

    def poll() -> None:
        with httpx.Client(base_url=base_url, timeout=120) as client:
            while not done.is_set():
                started = time.perf_counter()
                client.get("/healthz")
                latencies.append(time.perf_counter() - started)
                time.sleep(HEALTH_EVERY)

    poller = threading.Thread(target=poll)
    poller.start()
    time.sleep(0.2)  # a few answers before, for the median
    started = time.perf_counter()
    response = request()
    took = time.perf_counter() - started
    done.set()
    poller.join()
    load = os.getloadavg()
    print(f"  answer {response.status_code}, {len(response.content):,} bytes in {took * 1000:,.0f} ms")
    print(
        f"  /healthz meanwhile: {len(latencies)} answers, slowest {max(latencies) * 1000:,.0f} ms,"
        f" median {statistics.median(latencies) * 1000:,.1f} ms"
    )
    print(f"  load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    if response.status_code >= 400:
        print(f"  {response.text[:300]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=20, help="hostile lines in the failed build's log")
    parser.add_argument("--length", type=int, default=24, help="a's on each hostile line")
    parser.add_argument("--references", type=int, default=20, help="references of the page to itself")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ghee-hostile-") as folder, scratch_database("sqlite", "") as url:
        token = asyncio.run(fill(url, args.lines, args.length))
        log = Path(folder) / "server.log"
        print(f"server log: {log}")
        with serve(url, log) as (_, base_url), httpx.Client(base_url=base_url, timeout=600) as client:
            client.headers["Authorization"] = f"Bearer {token}"
            cause = {"name": "all_a", "category": "all_a", "indications": ["^(a+){1,12}$"]}
            print(f"POST /api/v1/failure-causes {cause['indications']} ({args.lines} lines of {args.length} a's):")
            while_polling_health(base_url, lambda: client.post("/api/v1/failure-causes", json=cause))
            fields = [{"key": "again", "type": "reference", "to": "page_type:loops", "many": True}]
            client.post("/v2/page_types/", json={"key": "loops", "name": "Loops", "fields": fields})
            page = {"again": ["loop"] * args.references}
            body = {"title": "Loop", "slug": "loop", "page_type": "loops", "status": "published", "fields": page}
            client.post("/v2/pages/", json=body)
            print(f"GET /v2/pages/loops/loop/?levels=5 ({args.references} references to itself):")
            while_polling_health(base_url, lambda: client.get("/v2/pages/loops/loop/?levels=5"))


if __name__ == "__main__":
    main()
