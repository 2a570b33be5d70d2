"""Webhook delivery: how fast ``ghee worker`` drains a queue, and how soon a write's deliveries arrive.

For each backend and worker count: a scratch database, 10 subscriptions to
``*`` on a local receiver (``receiver.py``, a process of its own on CPU 1),
N ``ghee worker`` processes on CPU 0 (the loop ``ghee serve`` runs in process
on SQLite), and events written straight through ``record_event``:

- **drain**: ``--events`` events (each to 10 subscriptions) written before the
  workers start; deliveries/s from the first arrival to the last, and the
  workers' CPU per delivery (``/proc``).
- **paced**: ``--rate`` events a second, one per transaction, for
  ``--seconds``; the delay from each event's commit to its arrival, p50 and
  p99, with the poll interval at 10 s, so that only the wake-up on write
  (LISTEN/NOTIFY on PostgreSQL, in process on SQLite) can explain a short one.
  On SQLite the events are written by ``ghee serve``'s own process in real use;
  here, by this one: a separate SQLite writer cannot wake a worker, so SQLite's
  paced row runs the loop in this process (see bench/README.md).

See bench/README.md for the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import msgspec
from cryptography.fernet import Fernet

from ghee.config import DeliverySettings
from ghee.core.events import record_event
from ghee.db.database import Database, opened
from ghee.db.migrate import upgrade
from ghee.db.sealing import Sealer
from ghee.delivery.dispatcher import run_webhooks
from ghee.delivery.subscriptions import SubscriptionChanges, create_subscription
from loadtest import GHEE, ROOT, cpu_seconds, scratch_database

SUBSCRIPTIONS = 10
HERE = Path(__file__).parent
WORKER_CPU, RECEIVER_CPU = "0", "1"


@contextlib.contextmanager
def receiving(folder: Path) -> Iterator[tuple[str, Path]]:
    """``receiver.py`` on its CPU: yields its base URL and the file its arrivals are written to when it stops."""
    arrivals = folder / f"arrivals-{time.monotonic_ns()}.json"
    process = subprocess.Popen(
        ["taskset", "-c", RECEIVER_CPU, sys.executable, HERE / "receiver.py", arrivals], stdout=subprocess.PIPE
    )
    try:
        assert process.stdout is not None
        yield f"http://127.0.0.1:{int(process.stdout.readline())}", arrivals
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def arrived(arrivals: Path) -> dict[str, float]:
    """Each message's first arrival by ``data.id``, from the stopped receiver's file (one path per subscription)."""
    return msgspec.json.decode(arrivals.read_bytes())


def count(base_url: str) -> int:
    return int(httpx.get(f"{base_url}/count", timeout=5).json()["distinct"])


async def prepare(url: str, target: str, key: str) -> None:
    sealer = Sealer(key.encode())  # the key the workers are given: they open the secrets it seals
    async with opened(url) as db:
        await upgrade(db.engine)
        async with db.write() as work:
            for i in range(SUBSCRIPTIONS):
                changes = SubscriptionChanges(url=f"{target}/s{i}", events=["*"])
                await create_subscription(work, sealer, changes, allow_private=True)


async def _write(db: Database, names: list[str]) -> float:
    async with db.write() as work:
        for name in names:
            await record_event(
                work, "build.updated", resource_type="build", resource_id=name, project_id=None, payload={"id": name}
            )
    return time.monotonic()


async def write_all(url: str, total: int) -> None:
    async with opened(url) as db:
        for start in range(0, total, 500):
            await _write(db, [f"e{n}" for n in range(start, min(start + 500, total))])


def workers(url: str, key: str, count_: int, logs: Path, poll: float) -> list[subprocess.Popen[bytes]]:
    env = {
        **os.environ,
        "GHEE_DATABASE_URL": url,
        "GHEE_SECRET_KEY": key,
        "GHEE_WEBHOOK_ALLOW_PRIVATE": "1",
        "GHEE_WORKER_POLL_SECONDS": str(poll),
    }
    started = []
    for i in range(count_):
        with (logs / f"worker-{time.monotonic_ns()}-{i}.log").open("ab") as out:
            command = ["taskset", "-c", WORKER_CPU, GHEE, "worker", "--only", "webhooks"]
            started.append(subprocess.Popen(command, env=env, stdout=out, stderr=out, cwd=ROOT))
    return started


def stop(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        process.send_signal(signal.SIGTERM)
    for process in processes:
        process.wait(timeout=60)


def drain(backend: str, count_: int, args: argparse.Namespace, logs: Path) -> None:
    expected = args.events * SUBSCRIPTIONS
    with receiving(logs) as (target, arrivals_file), scratch_database(backend, args.postgres_url) as url:
        key = Fernet.generate_key().decode()
        asyncio.run(prepare(url, target, key))
        asyncio.run(write_all(url, args.events))
        running = workers(url, key, count_, logs, 0.2)
        try:
            deadline = time.monotonic() + 300
            while count(target) < expected and time.monotonic() < deadline:
                time.sleep(0.05)
            cpu = sum(sum(cpu_seconds(process.pid)) for process in running)
        finally:
            stop(running)
    times = sorted(arrived(arrivals_file).values())
    rate = (len(times) - 1) / (times[-1] - times[0])
    print(
        f"drain   {backend:<8} workers={count_}  delivered {len(times)}/{expected}  {rate:7.0f} deliveries/s  "
        f"worker CPU {cpu / len(times) * 1e6:5.0f} µs a delivery (start-up included)",
        flush=True,
    )


async def _paced_writes(url: str, args: argparse.Namespace) -> dict[str, float]:
    async with opened(url) as db:
        return await _paced_writes_on(db, args)


async def _in_process(url: str, key: str, args: argparse.Namespace) -> dict[str, float]:
    """SQLite: the webhooks loop in this process, woken by this process's commits, as in ``ghee serve``."""
    async with opened(url) as db:
        stopping = asyncio.Event()
        settings = DeliverySettings(allow_private=True, poll_seconds=10.0)
        loop = asyncio.create_task(run_webhooks(settings, db, Sealer(key.encode()), stopping))
        await asyncio.sleep(0.5)
        written = await _paced_writes_on(db, args)
        await asyncio.sleep(1.0)
        stopping.set()
        await loop
    return written


async def _paced_writes_on(db: Database, args: argparse.Namespace) -> dict[str, float]:
    written: dict[str, float] = {}
    total = int(args.rate * args.seconds)
    start = time.monotonic()
    for n in range(total):
        await asyncio.sleep(max(0.0, start + n / args.rate - time.monotonic()))
        written[f"e{n}"] = await _write(db, [f"e{n}"])
    return written


def paced(backend: str, args: argparse.Namespace, logs: Path) -> None:
    with receiving(logs) as (target, arrivals_file), scratch_database(backend, args.postgres_url) as url:
        key = Fernet.generate_key().decode()
        asyncio.run(prepare(url, target, key))
        if backend == "sqlite":
            written = asyncio.run(_in_process(url, key, args))
        else:
            running = workers(url, key, 1, logs, 10.0)
            try:
                time.sleep(1.5)
                written = asyncio.run(_paced_writes(url, args))
                deadline = time.monotonic() + 30
                while count(target) < len(written) * SUBSCRIPTIONS and time.monotonic() < deadline:
                    time.sleep(0.05)
            finally:
                stop(running)
    firsts = arrived(arrivals_file)
    delays = sorted((at - written[key.split(" ")[1]]) * 1000 for key, at in firsts.items())
    p50, p99 = statistics.median(delays), delays[int(len(delays) * 0.99) - 1]

    print(
        f"paced   {backend:<8} {args.rate:g} events/s  delivered {len(delays)}/{len(written) * SUBSCRIPTIONS}  "
        f"delay p50 {p50:6.1f} ms  p99 {p99:6.1f} ms",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--workers", default="1", help="comma-separated worker counts for the drain")
    parser.add_argument("--what", default="drain,paced", help="comma-separated: drain, paced")
    parser.add_argument("--events", type=int, default=2000, help="drain: events queued (each to 10 subscriptions)")
    parser.add_argument("--rate", type=float, default=100, help="paced: events a second")
    parser.add_argument("--seconds", type=float, default=10, help="paced: seconds of writing")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("GHEE_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"),
    )
    args = parser.parse_args()
    logs = Path(tempfile.mkdtemp(prefix="ghee-bench-webhooks-"))
    print(f"worker logs: {logs}; load average {os.getloadavg()[0]:.2f}", flush=True)
    for backend in args.backends.split(","):
        if "drain" in args.what:
            for count_ in (int(n) for n in args.workers.split(",")):
                drain(backend, count_, args, logs)
        if "paced" in args.what:
            paced(backend, args, logs)
    print(f"load average {os.getloadavg()[0]:.2f}", flush=True)


if __name__ == "__main__":
    main()
