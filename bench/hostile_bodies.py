"""Hostile request bodies: the slowest answer to one, and what ``/healthz`` waits meanwhile (issue 15, item 3).

One ``ghee serve`` worker pinned to CPU 0 over a scratch database. This
process (on CPU 1) sends each hostile body of ``HOSTILE`` to a few body
routes, without a token and with an admin token, ``--rounds`` times from
``--senders`` threads, while another thread asks for ``/healthz`` every
``--probe-ms`` milliseconds. It prints each body's slowest answer, then
``/healthz``'s latency idle and under the hostile load, with the load average.

    .venv/bin/python bench/hostile_bodies.py
    .venv/bin/python bench/hostile_bodies.py --backends sqlite,postgres --rounds 5
    .venv/bin/python bench/hostile_bodies.py --ghee /work/main/.venv/bin/ghee   # another checkout's code

See bench/README.md, "hostile_bodies.py".
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import threading
import time
from pathlib import Path

import httpx

from ghee.core.tokens import create_token
from ghee.db.database import opened
from ghee.db.migrate import upgrade
from loadtest import GHEE, RATE_LIMIT, WRK_CPU, free_port, postgres_argument, scratch_database, server

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
MB = 1024 * 1024
HOSTILE: dict[str, tuple[str, bytes]] = {
    "form name 600 deep": (FORM, b"x" + b"[a]" * 600 + b"=1"),
    "form 5000-digit position": (FORM, b"x[" + b"9" * 5000 + b"]=1"),
    "form 7 MB, one %41 value": (FORM, b"v=" + b"%41" * (7 * MB // 3)),
    "form 2 MB, one %41 value": (FORM, b"v=" + b"%41" * ((2 * MB - 2) // 3)),  # the largest form read
    "form 7 MB, 1M fields": (FORM, b"&".join([b"a=b"] * (7 * MB // 4))),
    "form 7 MB, 1000 names 2300 deep": (FORM, b"&".join([b"x" + b"[a]" * 2300 + b"=1"] * 1000)),
    "json 2000 deep": (JSON, b"[" * 2000 + b"]" * 2000),
    "json 8 MB, 4M deep": (JSON, b"[" * (4 * MB - 1) + b"]" * (4 * MB - 1)),
    "json 8 MB, 700k keys": (JSON, b"{" + b",".join(b'"k%d":0' % i for i in range(700_000)) + b"}"),
    "json 8 MB, escaped quotes": (JSON, b'{"name": "' + b'\\"' * (4 * MB - 8) + b'"}'),
}
ROUTES = ("/v1/projects", "/v1/apps/x/build", "/api/v1/failure-causes", "/v2/posts", "/login")


async def prepare(database_url: str) -> str:
    """Migrate the scratch database; returns an admin token."""
    async with opened(database_url) as db:
        await upgrade(db.engine)
        async with db.write() as work:
            _, secret = await create_token(work, name="bench", scope="admin", project_id=None, rate_limit=None)
        return secret


class Probe(threading.Thread):
    """Asks for ``/healthz`` every ``interval`` seconds until stopped; keeps each answer's latency."""

    def __init__(self, base_url: str, interval: float) -> None:
        super().__init__(daemon=True)
        self.base_url, self.interval = base_url, interval
        self.latencies: list[float] = []
        self.stopped = threading.Event()

    def run(self) -> None:
        with httpx.Client(base_url=self.base_url, timeout=60) as client:
            while not self.stopped.is_set():
                started = time.perf_counter()
                client.get("/healthz").raise_for_status()
                self.latencies.append(time.perf_counter() - started)
                self.stopped.wait(self.interval)


def measure_probe(base_url: str, interval: float, seconds: float) -> list[float]:
    """``/healthz`` latencies over ``seconds`` with nothing else going on."""
    probe = Probe(base_url, interval)
    probe.start()
    time.sleep(seconds)
    probe.stopped.set()
    probe.join()
    return probe.latencies


def send_hostile(base_url: str, token: str, args: argparse.Namespace, slowest: dict[str, tuple[float, str]]) -> None:
    """Send every hostile body to every route, without and with credentials, ``rounds`` times."""
    credentials = {
        "none": {},
        "token": {"Authorization": f"Bearer {token}"},
        "signin": {"Cookie": "ghee_signin_csrf=forged", "X-CSRF-Token": "forged"},
    }
    with httpx.Client(base_url=base_url, timeout=120) as client:
        for _ in range(args.rounds):
            for name, (media, body) in HOSTILE.items():
                if args.only not in name:
                    continue
                for route in ROUTES:
                    who = ("none", "signin") if route == "/login" else ("none", "token")
                    for caller in who:
                        started = time.perf_counter()
                        response = client.post(
                            route, content=body, headers={"Content-Type": media, **credentials[caller]}
                        )
                        took = time.perf_counter() - started
                        client.cookies.clear()
                        key = f"{name} [{caller}]"
                        label = f"{route} {response.status_code}"
                        if took > slowest.get(key, (0.0, ""))[0]:
                            slowest[key] = (took, label)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f}"


def summary(latencies: list[float]) -> str:
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f"n={len(ordered):5}  p50 {ms(statistics.median(ordered))} ms  p99 {ms(p99)} ms  max {ms(ordered[-1])} ms"


def run(backend: str, args: argparse.Namespace, logs: Path) -> None:
    with scratch_database(backend, args.postgres_url) as url:
        token = asyncio.run(prepare(url))
        port = free_port()
        env = {**os.environ, "GHEE_DATABASE_URL": url, "GHEE_RATE_LIMIT": RATE_LIMIT}
        env.pop("GHEE_REDIS_URL", None)
        command = [args.ghee, "serve", "--port", str(port), "--workers", "1"]
        with server(command, port, env, logs / f"{backend}.log"):
            base_url = f"http://127.0.0.1:{port}"
            idle = measure_probe(base_url, args.probe_ms / 1000, 3)
            slowest: dict[str, tuple[float, str]] = {}
            probe = Probe(base_url, args.probe_ms / 1000)
            probe.start()
            senders = [
                threading.Thread(target=send_hostile, args=(base_url, token, args, slowest))
                for _ in range(args.senders)
            ]
            started = time.perf_counter()
            for sender in senders:
                sender.start()
            for sender in senders:
                sender.join()
            elapsed = time.perf_counter() - started
            probe.stopped.set()
            probe.join()
            load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
        log = (logs / f"{backend}.log").read_text(errors="replace")
    print(f"\n== {backend} ({args.ghee}): {args.senders} senders x {args.rounds} rounds, {elapsed:.1f} s")
    print(f"{'hostile body [credentials]':<46} {'slowest':>9}  route and status")
    for key, (took, label) in sorted(slowest.items(), key=lambda item: -item[1][0]):
        print(f"{key:<46} {ms(took)} ms  {label}")
    print(f"/healthz idle:                 {summary(idle)}")
    print(f"/healthz under hostile bodies: {summary(probe.latencies)}")
    print(f"tracebacks in the server log: {log.count('Traceback')}; load average at the end: {load}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backends", default="sqlite", help="comma-separated: sqlite, postgres")
    parser.add_argument("--rounds", type=int, default=3, help="times each sender sends the whole set")
    parser.add_argument("--senders", type=int, default=2, help="threads sending hostile bodies at once")
    parser.add_argument("--only", default="", help="send only the hostile bodies whose name holds this text")
    parser.add_argument("--probe-ms", type=float, default=10, help="pause between two /healthz probes")
    parser.add_argument("--ghee", default=GHEE, help="the ghee executable to serve with (another checkout's venv)")
    postgres_argument(parser)
    args = parser.parse_args()
    os.sched_setaffinity(0, {int(WRK_CPU)})  # the server has CPU 0 to itself
    logs = Path(tempfile.mkdtemp(prefix="ghee-bench-hostile-"))
    print(f"server logs: {logs}")
    for backend in args.backends.split(","):
        run(backend, args, logs)


if __name__ == "__main__":
    main()
