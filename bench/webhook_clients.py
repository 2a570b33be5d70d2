"""What one webhook POST costs the sender's CPU: httpx, aiohttp, and ghee's own connections over h11.

Each client sends ``--requests`` signed webhook messages (the body and headers
ghee's dispatcher sends) with ``--concurrency`` in flight, to ``receiver.py``
in a process of its own on the other CPU, and prints the sender's CPU time per
POST (``time.process_time``) and POSTs per second. aiohttp is measured when
installed (``.venv/bin/pip install aiohttp==3.12.15``); ghee does not depend on it.

    .venv/bin/python bench/webhook_clients.py [--requests 10000] [--concurrency 32]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
import uvloop

from ghee.delivery.connections import Connections, Origin
from ghee.delivery.payloads import message_body
from ghee.delivery.signing import signed_headers

HERE = Path(__file__).parent
RECEIVER_CPU, SENDER_CPU = 0, 1


def message(n: int) -> tuple[bytes, dict[str, str]]:
    body = message_body("build.updated", {"id": f"e{n}", "status": "success", "number": n}, "http://x/s0")
    headers = {"content-type": "application/json", "user-agent": "ghee-webhooks/bench"}
    return body, headers | signed_headers("whsec_" + "A" * 43, f"msg_{n}", body)


Send = Callable[[int], Awaitable[int]]


async def measure(name: str, send: Send, requests: int, concurrency: int) -> None:
    slots = asyncio.Semaphore(concurrency)

    async def one(n: int) -> int:
        async with slots:
            return await send(n)

    await asyncio.gather(*(one(n) for n in range(200)))  # connections opened, code warm
    cpu, wall = time.process_time(), time.perf_counter()
    statuses = await asyncio.gather(*(one(n) for n in range(requests)))
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    assert set(statuses) == {204}, set(statuses)
    print(f"{name:<28} {cpu / requests * 1e6:8.0f} µs CPU per POST   {requests / wall:8.0f} POSTs/s", flush=True)


async def with_httpx(url: str, args: argparse.Namespace) -> None:
    limits = httpx.Limits(max_connections=args.concurrency, max_keepalive_connections=args.concurrency)
    async with httpx.AsyncClient(limits=limits) as client:

        async def send(n: int) -> int:
            body, headers = message(n)
            return (await client.post(url, content=body, headers=headers)).status_code

        await measure("httpx 0.28.1", send, args.requests, args.concurrency)


async def with_aiohttp(url: str, args: argparse.Namespace) -> None:
    try:
        import aiohttp  # noqa: PLC0415 (measured only when installed)
    except ImportError:
        print("aiohttp                      not installed: .venv/bin/pip install aiohttp==3.12.15", flush=True)
        return
    connector = aiohttp.TCPConnector(limit=args.concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def send(n: int) -> int:
            body, headers = message(n)
            async with session.post(url, data=body, headers=headers) as response:
                await response.read()
                return response.status

        await measure(f"aiohttp {aiohttp.__version__}", send, args.requests, args.concurrency)


async def with_own(url: str, args: argparse.Namespace) -> None:
    parts = httpx.URL(url)
    origin = Origin("http", parts.host, parts.port or 80, parts.host)
    pool = Connections(keep_idle=args.concurrency)
    try:

        async def send(n: int) -> int:
            body, headers = message(n)
            return (await pool.post(origin, parts.raw_path.decode(), list(headers.items()), body, 65536)).status

        await measure("ghee.delivery.connections (h11)", send, args.requests, args.concurrency)
    finally:
        await pool.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="ghee-bench-clients-"))
    receiver = subprocess.Popen(
        ["taskset", "-c", str(RECEIVER_CPU), sys.executable, HERE / "receiver.py", folder / "arrivals"],
        stdout=subprocess.PIPE,
    )
    try:
        assert receiver.stdout is not None
        url = f"http://127.0.0.1:{int(receiver.stdout.readline())}/s0"
        os.sched_setaffinity(0, {SENDER_CPU})
        print(f"load average: {os.getloadavg()[0]:.2f}; {args.requests} POSTs, {args.concurrency} in flight")
        for client in (with_httpx, with_aiohttp, with_own):
            uvloop.run(client(url, args))
    finally:
        receiver.terminate()
        receiver.wait()


if __name__ == "__main__":
    main()
