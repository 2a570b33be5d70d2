"""A webhook receiver for the benchmarks: answers every POST ``204`` and notes when each message first came.

Runs as a process of its own (uvloop, one raw ``asyncio.Protocol``), so
that what it costs is not billed to the sender being measured:

    python bench/receiver.py ARRIVALS_FILE

It prints the port it listens on as its first line; ``GET /count`` answers
``{"total": requests, "distinct": messages}``; on SIGTERM it writes each
message's first arrival (``time.monotonic()``, which every process of the
machine shares) to ``ARRIVALS_FILE`` as JSON, keyed ``path id`` (the
message's ``data.id``), and exits.
"""

from __future__ import annotations

import asyncio
import signal
import sys
import time
from pathlib import Path

import msgspec
import uvloop

_ANSWER = b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n"


class _Message(msgspec.Struct):
    data: dict[str, object]


class Arrivals:
    def __init__(self) -> None:
        self.first: dict[str, float] = {}
        self.total = 0


class Receiver(asyncio.Protocol):
    def __init__(self, arrivals: Arrivals) -> None:
        self.arrivals = arrivals
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while (end := self.buffer.find(b"\r\n\r\n")) >= 0:
            head = self.buffer[:end].decode("latin-1").split("\r\n")
            length = 0
            for line in head[1:]:
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value)
            if len(self.buffer) < end + 4 + length:
                return
            body = self.buffer[end + 4 : end + 4 + length]
            self.buffer = self.buffer[end + 4 + length :]
            self.answer(head[0].split(" ")[1], body)

    def answer(self, path: str, body: bytes) -> None:
        assert self.transport is not None
        if path == "/count":
            counts = msgspec.json.encode({"total": self.arrivals.total, "distinct": len(self.arrivals.first)})
            self.transport.write(b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n%s" % (len(counts), counts))
            return
        self.arrivals.total += 1
        key = f"{path} {msgspec.json.decode(body, type=_Message).data.get('id')}"
        self.arrivals.first.setdefault(key, time.monotonic())
        self.transport.write(_ANSWER)


async def receive(arrivals: Arrivals) -> None:
    """Answer until SIGTERM."""
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: Receiver(arrivals), "127.0.0.1", 0, backlog=1024)
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    print(server.sockets[0].getsockname()[1], flush=True)
    await stop.wait()
    server.close()


def main() -> None:
    arrivals = Arrivals()
    uvloop.run(receive(arrivals))
    Path(sys.argv[1]).write_bytes(msgspec.json.encode(arrivals.first))


if __name__ == "__main__":
    main()
