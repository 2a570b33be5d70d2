"""Webhook delivery under test: a receiver of signed messages, hubs of ghee servers and workers, waiting for events."""

from __future__ import annotations

import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from standardwebhooks.webhooks import Webhook

from tests.support.api import Api
from tests.support.databases import make_database
from tests.support.servers import Server, start_server
from tests.support.services import GHEE, ROOT

FAST_DELIVERY = {
    "GHEE_WEBHOOK_ALLOW_PRIVATE": "1",
    "GHEE_WEBHOOK_RETRY_SCHEDULE": "0,0.2,0.2,0.2",
    "GHEE_WEBHOOK_LEASE_SECONDS": "2",
    "GHEE_WEBHOOK_TIMEOUT": "5",
    "GHEE_WORKER_POLL_SECONDS": "0.1",
}


WAIT = 60.0
NO_CONTENT = 204


def wait_until(condition: Callable[[], Any], what: str, timeout: float = WAIT) -> Any:
    """Poll ``condition`` until it returns something truthy; fail naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.05)
    pytest.fail(f"timed out waiting for {what}", pytrace=False)


def read_all(api: Api, **params: Any) -> tuple[list[dict[str, Any]], str | None]:
    """Every event from ``cursor`` on, page by page; returns them and the last cursor."""
    found: list[dict[str, Any]] = []
    while True:
        page = api.ok("GET", "/v1/events", params={"limit": 3, **params})
        found += page["events"]
        params["cursor"] = page["next_cursor"]
        if not page["has_more"]:
            return found, page["next_cursor"]


@dataclass(frozen=True)
class Received:
    """One request the receiver got."""

    path: str
    headers: dict[str, str]
    body: bytes
    arrived_at: float = 0.0
    """``time.monotonic()`` when the request was read (this test process's clock)."""

    def json(self) -> Any:
        return httpx.Response(200, content=self.body).json()

    def verified(self, secret: str) -> Any:
        """The payload, once ``standardwebhooks`` has verified the signature (raises if it does not)."""
        return Webhook(secret).verify(self.body, self.headers)


@dataclass
class Receiver:
    """A local HTTP server that records every request and answers as each path is told to."""

    base_url: str
    received: list[Received] = field(default_factory=list)
    scripts: dict[str, list[int]] = field(default_factory=dict)
    holds: dict[str, threading.Event] = field(default_factory=dict)
    arrived: dict[str, threading.Event] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def path(self, name: str = "hook") -> str:
        """A fresh path, so each test reads only its own requests."""
        return f"/{name}-{uuid.uuid4().hex[:8]}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def answer(self, path: str, *statuses: int) -> None:
        """Answer the next requests to ``path`` with ``statuses`` in turn, then 200."""
        self.scripts[path] = list(statuses)

    def hold(self, path: str) -> threading.Event:
        """Keep requests to ``path`` waiting until the returned event is set."""
        self.arrived[path] = threading.Event()
        self.holds[path] = threading.Event()
        return self.holds[path]

    def at(self, path: str) -> list[Received]:
        with self.lock:
            return [r for r in self.received if r.path == path]

    def respond(self, request: Received) -> int:
        with self.lock:
            self.received.append(request)
            script = self.scripts.get(request.path)
            status = script.pop(0) if script else 200
        if request.path in self.holds:
            self.arrived[request.path].set()
            self.holds[request.path].wait(WAIT)
        return status


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length)
            if len(body) < length:  # the sender died mid-request: nothing was delivered
                self.close_connection = True
                return
            headers = {name.lower(): value for name, value in self.headers.items()}
            status = receiver.respond(Received(self.path, headers, body, time.monotonic()))
            reply = b'{"ok": true}'
            try:
                self.send_response(status)
                if status == NO_CONTENT:  # as Discord answers a message: no body, no length
                    self.end_headers()
                    return
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)
            except (BrokenPipeError, ConnectionResetError):
                return

        def log_message(self, *_: Any) -> None:
            return

    return Handler


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        """Senders killed mid-request (the crash tests) reset their connections; that is expected."""


def start_worker(server: Server, log: Path, **extra_env: str) -> subprocess.Popen[bytes]:
    """Start one ``ghee worker`` process on the server's database, with its settings and ``extra_env``."""
    with log.open("ab") as out:
        return subprocess.Popen([GHEE, "worker"], env={**server.env, **extra_env}, stdout=out, stderr=out, cwd=ROOT)


def stop(process: subprocess.Popen[bytes]) -> int:
    """SIGTERM a process and wait for it; returns its exit code."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return process.returncode


@dataclass
class Hub:
    """ghee as the delivery tests see it: a server, the worker processes (PostgreSQL), an admin client."""

    backend: str
    server: Server
    workers: list[subprocess.Popen[bytes]]
    api: Api
    tmp: Path
    drop: Callable[[], None]

    def subscribe(self, receiver: Receiver, path: str, events: list[str], **fields: Any) -> dict[str, Any]:
        body = {"url": receiver.url(path), "events": events, **fields}
        created: dict[str, Any] = self.api.ok("POST", "/v1/webhooks", 201, json=body)
        return created


def start_hub(backend: str, tmp: Path, workers: int = 1, **extra_env: str) -> Hub:
    """A server over a fresh database; on PostgreSQL with ``workers`` ``ghee worker`` processes beside it."""
    url, drop = make_database(backend, tmp)
    server = start_server(url, tmp / "serve.log", **{**FAST_DELIVERY, **extra_env})
    processes = [start_worker(server, tmp / f"worker-{i}.log") for i in range(workers)] if backend == "postgres" else []
    return Hub(backend, server, processes, Api(server, server.token("admin")), tmp, drop)


def stop_hub(hub: Hub) -> None:
    for process in hub.workers:
        stop(process)
    hub.api.http.close()
    hub.server.stop()
    hub.drop()


@contextmanager
def receiving() -> Iterator[Receiver]:
    """A real HTTP server on 127.0.0.1 that webhooks are sent to, for as long as the block runs."""
    http = _QuietServer(("127.0.0.1", 0), _handler(Receiver("")))
    receiver = Receiver(f"http://127.0.0.1:{http.server_address[1]}")
    http.RequestHandlerClass = _handler(receiver)
    http.daemon_threads = True
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        for hold in receiver.holds.values():
            hold.set()
        http.shutdown()
        http.server_close()
