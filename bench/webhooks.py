"""Webhook fan-out: events/s delivered to 10 subscriptions on a local receiver, and write→delivery delay.

For each backend and worker count: a scratch database, 10 subscriptions to
``*`` on a local receiver (a threaded ``http.server`` in this process), N
``ghee worker`` processes (the same loop ``ghee serve`` runs in process on
SQLite), then events written straight through ``record_event`` in batches at a
steady pace. Prints deliveries/s (first write to last arrival) and the delay
from each event's commit to its arrival, p50 and p99. See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import subprocess
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import msgspec
from cryptography.fernet import Fernet

from ghee.core.events import record_event
from ghee.db.database import opened
from ghee.db.migrate import upgrade
from ghee.db.sealing import Sealer
from ghee.delivery.subscriptions import SubscriptionChanges, create_subscription
from loadtest import GHEE, ROOT, scratch_database

SUBSCRIPTIONS = 10


class Arrivals:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.first: dict[tuple[str, str], float] = {}
        self.total = 0


def receiver(arrivals: Arrivals) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            now = time.monotonic()
            key = (self.path, msgspec.json.decode(body)["data"]["id"])
            with arrivals.lock:
                arrivals.total += 1
                arrivals.first.setdefault(key, now)
            self.send_response(204)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *_: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


async def prepare(url: str, target: str, key: str) -> None:
    sealer = Sealer(key.encode())  # the key the workers are given: they open the secrets it seals
    async with opened(url) as db:
        await upgrade(db.engine)
        async with db.write() as work:
            for i in range(SUBSCRIPTIONS):
                changes = SubscriptionChanges(url=f"{target}/s{i}", events=["*"])
                await create_subscription(work, sealer, changes, allow_private=True)


async def write_events(url: str, total: int, batch: int, pause: float) -> dict[str, float]:
    """Write ``total`` events in transactions of ``batch``; returns each event's commit time by id."""
    written: dict[str, float] = {}
    async with opened(url) as db:
        for start in range(0, total, batch):
            names = [f"e{n}" for n in range(start, min(start + batch, total))]
            async with db.write() as work:
                for name in names:
                    payload = {"id": name}
                    await record_event(
                        work, "build.updated", resource_type="build", resource_id=name, project_id=None, payload=payload
                    )
            now = time.monotonic()
            written.update(dict.fromkeys(names, now))
            await asyncio.sleep(pause)
    return written


def run(backend: str, workers: int, args: argparse.Namespace, logs: Path) -> None:
    arrivals = Arrivals()
    server = receiver(arrivals)
    target = f"http://127.0.0.1:{server.server_address[1]}"
    with scratch_database(backend, args.postgres_url) as url:
        key = Fernet.generate_key().decode()
        asyncio.run(prepare(url, target, key))
        env = {
            **os.environ,
            "GHEE_DATABASE_URL": url,
            "GHEE_SECRET_KEY": key,
            "GHEE_WEBHOOK_ALLOW_PRIVATE": "1",
            "GHEE_WORKER_POLL_SECONDS": str(args.poll),
        }
        processes = []
        for i in range(workers):
            with (logs / f"{backend}-{workers}-{i}.log").open("ab") as out:
                processes.append(subprocess.Popen([GHEE, "worker"], env=env, stdout=out, stderr=out, cwd=ROOT))
        time.sleep(1.5)
        started = time.monotonic()
        written = asyncio.run(write_events(url, args.events, args.batch, args.pause))
        expected = args.events * SUBSCRIPTIONS
        deadline = time.monotonic() + 300
        while len(arrivals.first) < expected and time.monotonic() < deadline:
            time.sleep(0.02)
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            process.wait(timeout=60)
    server.shutdown()
    delays = sorted((at - written[key[1]]) * 1000 for key, at in arrivals.first.items())
    last = max(arrivals.first.values())
    rate = len(arrivals.first) / (last - started)
    p50 = statistics.median(delays)
    p99 = delays[int(len(delays) * 0.99) - 1]
    print(
        f"{backend:<8} workers={workers}  delivered {len(arrivals.first)}/{expected} "
        f"(requests {arrivals.total})  {rate:7.0f} deliveries/s  delay p50 {p50:6.0f} ms  p99 {p99:6.0f} ms",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--workers", default="1,3", help="comma-separated worker counts")
    parser.add_argument("--events", type=int, default=1000, help="events written (each goes to 10 subscriptions)")
    parser.add_argument("--batch", type=int, default=20, help="events per write transaction")
    parser.add_argument("--pause", type=float, default=0.05, help="seconds between write transactions")
    parser.add_argument("--poll", type=float, default=0.2, help="GHEE_WORKER_POLL_SECONDS")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("GHEE_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"),
    )
    args = parser.parse_args()
    logs = Path(tempfile.mkdtemp(prefix="ghee-bench-webhooks-"))
    print(f"worker logs: {logs}", flush=True)
    for backend in args.backends.split(","):
        for workers in (int(n) for n in args.workers.split(",")):
            run(backend, workers, args, logs)


if __name__ == "__main__":
    main()
