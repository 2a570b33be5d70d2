"""Real ``ghee serve`` processes for tests: started on a free port, stopped, killed; the ones suites share kept."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from ghee.core.tokens import create_token
from ghee.db.engine import create_engine
from tests.support.databases import make_database
from tests.support.services import GHEE, ROOT, TEST_RATE_LIMIT, T, free_port, run_async


@dataclass
class Server:
    """A running ``ghee serve`` process."""

    database_url: str
    base_url: str
    process: subprocess.Popen[bytes]
    env: dict[str, str] = field(default_factory=dict)

    def token(self, scope: str = "admin", project_id: int | None = None, rate_limit: str | None = None) -> str:
        """Create a token straight in this server's database; returns the secret."""

        async def run() -> str:
            engine = create_engine(self.database_url)
            try:
                async with engine.begin() as conn:
                    _, secret = await create_token(
                        conn, name=f"test-{scope}", scope=scope, project_id=project_id, rate_limit=rate_limit
                    )
                    return secret
            finally:
                await engine.dispose()

        return run_async(run)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _descendants(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        children = (task / "children").read_text().split() if (task / "children").exists() else []
        for child in map(int, children):
            found += [child, *_descendants(child)]
    return found


def kill_hard(pid: int) -> None:
    """SIGKILL a process and everything it started (granian runs the app in a child process)."""
    for victim in [*_descendants(pid), pid]:
        try:
            os.kill(victim, signal.SIGKILL)
        except ProcessLookupError:
            continue


def start_server(database_url: str, log: Path, *, workers: int = 1, **extra_env: str) -> Server:
    """Start ``ghee serve`` (``workers`` processes) on a free port and wait until it answers."""
    port = free_port()
    env = {
        **os.environ,
        "GHEE_DATABASE_URL": database_url,
        "GHEE_RATE_LIMIT": TEST_RATE_LIMIT,
        "GHEE_MEDIA_DIR": str(log.parent / "media"),
        # An idle SQLite server's background loops look for work every poll: at ghee's 0.2 s that is
        # ~2 % of a core per server, and a test session keeps a dozen alive. Suites that wait for
        # deliveries ask for faster polls (``FAST_DELIVERY``).
        "GHEE_WORKER_POLL_SECONDS": "1",
        "GHEE_JENKINS_ALLOW_PRIVATE": "1",  # the fake Jenkins listens on 127.0.0.1
        "GHEE_LOGIN_CLIENT_RATE_LIMIT": "10000/minute",  # every test signs in from 127.0.0.1
        # A session keeps a dozen servers and workers on one PostgreSQL (max_connections 100): idle, each
        # process keeps one connection per pool open rather than up to fifteen.
        "GHEE_DATABASE_IDLE_CONNECTIONS": "1",
        **extra_env,
    }
    env.pop("GHEE_REDIS_URL", None) if "GHEE_REDIS_URL" not in extra_env else None
    with log.open("ab") as out:
        process = subprocess.Popen(
            [GHEE, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)],
            env=env,
            stdout=out,
            stderr=out,
            cwd=ROOT,
        )
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60  # generous: a loaded CI machine starts granian slowly
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"ghee serve exited early; see {log}:\n{log.read_text()[-3000:]}", pytrace=False)
        try:
            httpx.get(base_url + "/openapi.json", timeout=1)
            break
        except httpx.TransportError:
            time.sleep(0.1)
    else:
        kill_hard(process.pid)
        process.wait()
        pytest.fail(f"ghee serve did not start; see {log}", pytrace=False)
    return Server(database_url=database_url, base_url=base_url, process=process, env=env)


def serve_fresh(
    backend: str, tmp_path_factory: pytest.TempPathFactory, name: str, **extra_env: str
) -> Iterator[Server]:
    """For a fixture to ``yield from``: a ``ghee serve`` over a fresh, migrated database, stopped and dropped after."""
    tmp = tmp_path_factory.mktemp(f"{name}-{backend}")
    url, drop = make_database(backend, tmp)
    running = start_server(url, tmp / "serve.log", **extra_env)
    yield running
    running.stop()
    drop()


_KEPT: dict[tuple[str, ...], Any] = {}
_CLEANUPS: list[Callable[[], None]] = []


def kept(key: tuple[str, ...], make: Callable[[], T], cleanup: Callable[[T], None] | None = None) -> T:
    """What ``make`` returns, made once per test process under ``key``; ``cleanup`` runs when the session ends.

    A session fixture that depends on ``backend`` is torn down whenever the
    next test wants the other backend. xdist runs a file's tests together, each
    file on both backends, so such a fixture would restart its server at every
    file; the servers the suites share are kept here instead, one per backend.
    """
    if key not in _KEPT:
        made = _KEPT[key] = make()
        if cleanup is not None:
            _CLEANUPS.append(lambda: cleanup(made))
    return _KEPT[key]  # type: ignore[no-any-return]


def stop_kept() -> None:
    """Clean up what ``kept`` made, newest first (when the session ends)."""
    while _CLEANUPS:
        _CLEANUPS.pop()()


def shared_server(backend: str, tmp_path_factory: pytest.TempPathFactory, name: str, **extra_env: str) -> Server:
    """The test process's one ``ghee serve`` called ``name`` on ``backend``, over a fresh database; kept to the end."""

    def make() -> tuple[Server, Callable[[], None]]:
        tmp = tmp_path_factory.mktemp(f"{name}-{backend}")
        url, drop = make_database(backend, tmp)
        return start_server(url, tmp / "serve.log", **extra_env), drop

    def stop(made: tuple[Server, Callable[[], None]]) -> None:
        made[0].stop()
        made[1]()

    return kept(("server", name, backend), make, stop)[0]
