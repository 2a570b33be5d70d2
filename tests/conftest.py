"""Real parts for every test: an SQLite file and a PostgreSQL database, each behind a real `ghee serve`.

``GHEE_TEST_POSTGRES_URL`` and ``GHEE_TEST_REDIS_URL`` name the services; when
set they are required (a test session fails if they cannot be reached). When
unset, the local defaults (``LOCAL_POSTGRES``, ``LOCAL_REDIS``) are used if
they answer, and the tests that need a missing service are skipped; the
summary's last line says which backends ran.

Databases are copied, not migrated, per fixture: each test process migrates
one template per backend and copies it (``CREATE DATABASE ... TEMPLATE`` on
PostgreSQL, a file copy on SQLite).
"""

from __future__ import annotations

import asyncio
import atexit
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from sqlalchemy.engine import make_url

from ghee.core.tokens import create_token
from ghee.db.engine import create_engine
from ghee.db.migrate import upgrade

ROOT = Path(__file__).resolve().parent.parent
GHEE = str(Path(sys.executable).with_name("ghee"))
LOCAL_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
LOCAL_REDIS = "redis://127.0.0.1:6379/0"
TEST_RATE_LIMIT = "100000/minute;10000/second"
BACKENDS = ["sqlite", "postgres"]
# Sign-ins check passwords many times a run: argon2's cheapest parameters here,
# in this process and in every server it starts (production keeps the standard cost).
os.environ.setdefault("GHEE_ARGON2_COST", "minimal")
# Each xdist worker (gw0, gw1, ...) names its databases apart from the others'.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")


T = TypeVar("T")


def run_async(work: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """``asyncio.run(work())``, on a thread of its own when this one already runs a loop.

    Playwright's sync API keeps an event loop running on the test's thread,
    where ``asyncio.run`` refuses to start another.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(work())
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, work()).result()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def _configured(variable: str, local: str, default_port: int) -> str | None:
    """The URL in ``variable``; else ``local`` if something answers there; else ``None``."""
    url = os.environ.get(variable)
    if url:
        return url
    address = make_url(local)
    return local if _reachable(address.host or "127.0.0.1", address.port or default_port) else None


POSTGRES_URL = _configured("GHEE_TEST_POSTGRES_URL", LOCAL_POSTGRES, 5432)
REDIS_URL = _configured("GHEE_TEST_REDIS_URL", LOCAL_REDIS, 6379)


# The slowest files start first, so the two workers of `make test` finish together.
SLOW_FIRST = (
    "tests/test_openapi_fuzz.py",
    "tests/delivery/test_crash.py",
    "tests/cluster/",
    "tests/ops/test_migrate_data.py",
    "tests/dashboard/",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Put the files of ``SLOW_FIRST`` first, in that order, keeping every other order as collected."""

    def rank(item: pytest.Item) -> int:
        return next((i for i, prefix in enumerate(SLOW_FIRST) if item.nodeid.startswith(prefix)), len(SLOW_FIRST))

    items.sort(key=rank)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say which backends this run used (a skipped service is easy to miss in a green run)."""
    used = ["sqlite"]
    used.append(f"postgresql ({_where(POSTGRES_URL)})" if POSTGRES_URL else "postgresql skipped (not running)")
    used.append(f"redis ({_where(REDIS_URL)})" if REDIS_URL else "redis skipped (not running)")
    terminalreporter.write_line("ghee backends: " + ", ".join(used))


def _where(url: str) -> str:
    address = make_url(url)
    return f"{address.host}:{address.port}/{address.database}"


def require_postgres() -> str:
    """The PostgreSQL URL; skip when not configured, fail when configured but down."""
    if not POSTGRES_URL:
        pytest.skip(f"no PostgreSQL: GHEE_TEST_POSTGRES_URL is unset and nothing answers at {LOCAL_POSTGRES}")
    url = make_url(POSTGRES_URL)
    if not _reachable(url.host or "127.0.0.1", url.port or 5432):
        pytest.fail(f"PostgreSQL at {POSTGRES_URL} is required but unreachable", pytrace=False)
    return POSTGRES_URL


def require_redis() -> str:
    """The Redis URL; skip when not configured, fail when configured but down."""
    if not REDIS_URL:
        pytest.skip(f"no Redis: GHEE_TEST_REDIS_URL is unset and nothing answers at {LOCAL_REDIS}")
    url = make_url(REDIS_URL)
    if not _reachable(url.host or "127.0.0.1", url.port or 6379):
        pytest.fail(f"Redis at {REDIS_URL} is required but unreachable", pytrace=False)
    return REDIS_URL


def _psql_admin(sql: str) -> None:
    async def run() -> None:
        import asyncpg  # noqa: PLC0415

        url = make_url(require_postgres())
        conn = await asyncpg.connect(
            host=url.host, port=url.port or 5432, user=url.username or "postgres", database=url.database or "postgres"
        )
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    run_async(run)


def _migrate(url: str) -> None:
    async def run() -> None:
        engine = create_engine(url)
        try:
            await upgrade(engine)
        finally:
            await engine.dispose()

    run_async(run)


_TEMPLATES: dict[str, str] = {}
_TEMPLATE_DIR = Path(tempfile.mkdtemp(prefix="ghee-templates-"))
atexit.register(shutil.rmtree, _TEMPLATE_DIR, ignore_errors=True)


def _template(backend: str) -> str:
    """This process's migrated template of ``backend``: an SQLite file path, or a PostgreSQL database name."""
    if backend not in _TEMPLATES:
        if backend == "sqlite":
            path = _TEMPLATE_DIR / "template.db"
            _migrate(f"sqlite:///{path}")
            _TEMPLATES[backend] = str(path)
        else:
            name = f"ghee_template_{WORKER}_{os.getpid()}"
            _psql_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            _psql_admin(f'CREATE DATABASE "{name}"')
            _migrate(_postgres_url(name))
            atexit.register(_psql_admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            _TEMPLATES[backend] = name
    return _TEMPLATES[backend]


def _postgres_url(name: str) -> str:
    return str(make_url(require_postgres()).set(database=name).render_as_string(hide_password=False))


def make_database(backend: str, tmp: Path) -> tuple[str, Any]:
    """A fresh, migrated database of ``backend`` (a copy of a template); returns its URL and a function to drop it."""
    template = _template(backend)
    if backend == "sqlite":
        path = tmp / f"ghee-{uuid.uuid4().hex[:8]}.db"
        shutil.copyfile(template, path)
        return f"sqlite:///{path}", lambda: None
    name = f"ghee_test_{WORKER}_{uuid.uuid4().hex[:10]}"
    _psql_admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    return _postgres_url(name), lambda: _psql_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def make_empty_database(backend: str, tmp: Path) -> tuple[str, Any]:
    """A fresh database of ``backend`` without any table; returns its URL and a function that drops it."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp / f'ghee-{uuid.uuid4().hex[:8]}.db'}"

        def drop() -> None:
            return None

    else:
        name = f"ghee_test_{WORKER}_{uuid.uuid4().hex[:10]}"
        _psql_admin(f'CREATE DATABASE "{name}"')
        url = _postgres_url(name)

        def drop() -> None:
            _psql_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return url, drop


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


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """Each storage test runs once on SQLite and once on PostgreSQL."""
    name: str = request.param
    if name == "postgres":
        require_postgres()
    return name


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


@pytest.fixture(scope="session", autouse=True)
def _kept_until_the_end() -> Iterator[None]:
    """Clean up what ``kept`` made, newest first, when the session ends."""
    yield
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


@pytest.fixture(scope="session")
def server(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Server:
    """A real ``ghee serve`` over a fresh, migrated database of the backend."""
    return shared_server(backend, tmp_path_factory, "server")


class Api:
    """An HTTP client for one token, with factories for realistic rows."""

    def __init__(self, server: Server, token: str | None) -> None:
        self.server = server
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.http = httpx.Client(base_url=server.base_url, headers=headers, timeout=30)

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.http.get(path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.http.post(path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.http.patch(path, **kwargs)

    def ok(self, method: str, path: str, expect: int = 200, **kwargs: Any) -> Any:
        """Send a request, assert the status, return the JSON body."""
        response = self.http.request(method, path, **kwargs)
        assert response.status_code == expect, (response.status_code, response.text)
        return response.json()

    def new_project(self, engine: str = "unreal", name: str | None = None) -> dict[str, Any]:
        name = name or f"Game {uuid.uuid4().hex[:8]}"
        return self.ok("POST", "/v1/projects", 201, json={"name": name, "engine": engine})  # type: ignore[no-any-return]

    def new_changelist(
        self, project_id: str, number: int, files: list[tuple[str, str]] | None = None, **fields: Any
    ) -> dict[str, Any]:
        body = {
            "number": number,
            "author": fields.pop("author", "john.doe"),
            "description": fields.pop("description", f"Change {number}"),
            "files": [{"path": p, "action": a} for p, a in (files or [])],
            **fields,
        }
        response = self.http.post(f"/v1/projects/{project_id}/changelists", json=body)
        assert response.status_code in (200, 201), response.text
        return response.json()  # type: ignore[no-any-return]

    def new_build(self, project_id: str, changelist: str | int | None = None, **fields: Any) -> dict[str, Any]:
        body = {"platform": "win64", "configuration": "shipping", "changelist": changelist, **fields}
        return self.ok("POST", f"/v1/projects/{project_id}/builds", 201, json=body)  # type: ignore[no-any-return]

    def finished_build(self, project_id: str, status: str = "success", **fields: Any) -> dict[str, Any]:
        build = self.new_build(project_id, **fields)
        return self.ok("PATCH", f"/v1/builds/{build['id']}", json={"status": status})  # type: ignore[no-any-return]


@pytest.fixture
def api(server: Server) -> Iterator[Api]:
    """A client with an admin token on the backend's server."""
    client = Api(server, server.token("admin"))
    yield client
    client.http.close()


@pytest.fixture
def anonymous(server: Server) -> Iterator[Api]:
    """A client that sends no token."""
    client = Api(server, None)
    yield client
    client.http.close()
