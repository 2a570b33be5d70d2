"""Benchmark ``GET /v1/projects/:id/builds?limit=20`` on a project with 100,000 builds.

For each backend (SQLite, PostgreSQL) it makes a scratch database, fills it
with bulk Core inserts, starts one ``ghee serve`` worker pinned to CPU 0 and
drives it with ``wrk`` pinned to CPU 1. It reports requests/s, p99 latency and
the server's CPU time per request (utime + stime of the server's whole
process tree, from ``/proc``, over the measured run). See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from ghee.clock import utcnow
from ghee.core.projects import create_project
from ghee.core.tokens import create_token
from ghee.db.engine import create_engine
from ghee.db.migrate import upgrade
from ghee.db.tables import artifacts, builds
from pyspy_summary import summarise

ROOT = Path(__file__).resolve().parent.parent
GHEE = str(Path(sys.executable).with_name("ghee"))
RATE_LIMIT = "100000000/minute;10000000/second"
TARGET_CPU_US = 400
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
SERVER_CPU, WRK_CPU = "0", "1"
BATCH = 5_000
DEFAULT_PATH = "/v1/projects/{project}/builds?limit=20"


@dataclass(frozen=True)
class Result:
    backend: str
    requests: int
    requests_per_second: float
    p99_ms: float
    cpu_us_per_request: float
    system_us_per_request: float
    errors: int


# Scratch databases


@contextmanager
def scratch_database(backend: str, admin_url: str) -> Iterator[str]:
    """A fresh, empty database URL of ``backend``, removed afterwards."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="ghee-bench-") as folder:
            yield f"sqlite:///{folder}/bench.db"
        return
    name = f"ghee_bench_{uuid.uuid4().hex[:10]}"
    asyncio.run(_admin(admin_url, f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(_admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _admin(admin_url: str, sql: str) -> None:
    import asyncpg  # noqa: PLC0415 (only the PostgreSQL run needs it)

    url = make_url(admin_url)
    conn = await asyncpg.connect(
        host=url.host or "127.0.0.1",
        port=url.port or 5432,
        user=url.username or "postgres",
        password=url.password,
        database=url.database or "postgres",
    )
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


# Data


async def fill(database_url: str, count: int) -> tuple[str, str]:
    """Migrate, then add one project with ``count`` builds (and artifacts); returns its id and a read token."""
    engine = create_engine(database_url)
    try:
        await upgrade(engine)
        async with engine.begin() as conn:
            project = await create_project(conn, "Skyforge", "unreal")
            _, secret = await create_token(conn, name="bench", scope="read", project_id=None, rate_limit=None)
            await conn.execute(builds.insert(), list(_build_rows(project.id, count)))
        async with engine.begin() as conn:
            done = await conn.execute(
                sa.select(builds.c.id, builds.c.number, builds.c.platform, builds.c.configuration, builds.c.finished_at)
                .where(builds.c.status == "success")
                .order_by(builds.c.id)
            )
            rows = [row for build in done for row in _artifact_rows(*build)]
            for start in range(0, len(rows), BATCH):
                await conn.execute(artifacts.insert(), rows[start : start + BATCH])
            await conn.execute(sa.text("ANALYZE"))
        return project.public_id, secret
    finally:
        await engine.dispose()


def _build_rows(project_id: int, count: int) -> Iterator[dict[str, object]]:
    rng = random.Random(2026)
    first = utcnow() - timedelta(days=365)
    for number in range(1, count + 1):
        queued = first + timedelta(seconds=number * 300)
        status = rng.choices(("success", "failed", "cancelled", "running"), weights=(80, 15, 3, 2))[0]
        started = queued + timedelta(seconds=rng.randint(5, 90))
        yield {
            "project_id": project_id,
            "number": number,
            "status": status,
            "platform": rng.choice(("win64", "ps5", "xsx", "linux")),
            "configuration": rng.choice(("development", "shipping", "test")),
            "branch": "main" if rng.random() < 0.9 else "release/0.9",
            "changelist": str(40_000 + number // 3),
            "changelist_id": None,
            "created_at": queued,
            "started_at": started,
            "finished_at": None if status == "running" else started + timedelta(minutes=rng.randint(20, 90)),
        }


def _artifact_rows(
    build_id: int, number: int, platform: str, configuration: str, finished: datetime
) -> Iterator[dict[str, object]]:
    names = [f"Skyforge-{platform}-{configuration}.zip"]
    if configuration == "shipping":
        names.append(f"Skyforge-{platform}-{configuration}-Symbols.zip")
    for name in names:
        url = f"https://artifacts.example.com/skyforge/builds/{number}/{name}"
        yield {"build_id": build_id, "name": name, "size_bytes": 14_000_000_000, "url": url, "created_at": finished}


# The server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve(database_url: str, log: Path) -> Iterator[tuple[int, str]]:
    """One ``ghee serve`` worker pinned to the server CPU; yields its process id and base URL."""
    port = free_port()
    env = {**os.environ, "GHEE_DATABASE_URL": database_url, "GHEE_RATE_LIMIT": RATE_LIMIT}
    env.pop("GHEE_REDIS_URL", None)
    command = ["taskset", "-c", SERVER_CPU, GHEE, "serve", "--port", str(port), "--workers", "1"]
    with log.open("ab") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=out, cwd=ROOT, start_new_session=True)
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(process, base_url, log)
        yield process.pid, base_url
    finally:
        os.killpg(process.pid, signal.SIGTERM)  # the group holds only this server and its worker
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _wait_until_up(process: subprocess.Popen[bytes], base_url: str, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"ghee serve exited early:\n{log.read_text()[-3000:]}")
        try:
            httpx.get(base_url + "/openapi.json", timeout=1)
        except httpx.TransportError:
            time.sleep(0.1)
        else:
            return
    sys.exit(f"ghee serve did not answer within 30 s; see {log}")


def process_tree(root: int) -> list[int]:
    """``root`` and every process descended from it (granian forks its workers)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue  # it ended while we looked
            parents.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(int(entry.name))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(parents.get(pid, []))
    return tree


def cpu_seconds(root: int) -> tuple[float, float]:
    """User and system CPU time used so far by ``root``'s process tree."""
    user = system = 0
    for pid in process_tree(root):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        user += int(fields[11])  # utime, stime: fields 14 and 15 of proc(5)
        system += int(fields[12])
    return user / CLOCK_TICKS, system / CLOCK_TICKS


# Load


@dataclass(frozen=True)
class WrkRun:
    requests: int
    requests_per_second: float
    p99_ms: float
    errors: int


def wrk(url: str, token: str, seconds: int, connections: int) -> WrkRun:
    """Run wrk pinned to the load CPU and parse its report."""
    command = ["taskset", "-c", WRK_CPU, "wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency"]
    command += ["-H", f"Authorization: Bearer {token}", url]
    report = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    requests = int(_find(r"(\d+) requests in", report))
    errors = int(_find(r"Non-2xx or 3xx responses: (\d+)", report, "0"))
    errors += sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", report))
    return WrkRun(requests, float(_find(r"Requests/sec:\s+([\d.]+)", report)), _p99_ms(report), errors)


def _find(pattern: str, text: str, default: str | None = None) -> str:
    match = re.search(pattern, text)
    if match is None:
        if default is None:
            sys.exit(f"unexpected wrk output (no {pattern!r}):\n{text}")
        return default
    return match.group(1)


def _p99_ms(report: str) -> float:
    latency = _find(r"\n\s+99%\s+([\d.]+[a-z]+)", report)  # "12.34ms", "850.00us", "1.02s"
    number = latency.rstrip("usm")
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[latency[len(number) :]]


def profiler(pid: int, output: Path, seconds: int) -> subprocess.Popen[bytes]:
    """py-spy sampling the server's worker, on the load CPU, while the measured run goes."""
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(py_spy).exists():
        sys.exit("--profile needs py-spy: .venv/bin/pip install py-spy")
    output.parent.mkdir(parents=True, exist_ok=True)
    # --gil counts only samples holding the GIL: Python's own CPU use, not threads parked in C.
    command = ["taskset", "-c", WRK_CPU, py_spy, "record", "--pid", str(pid), "--subprocesses", "--gil"]
    command += ["--nonblocking", "--rate", "250", "--format", "raw", "--duration", str(seconds), "-o", str(output)]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def measure(backend: str, args: argparse.Namespace, folder: Path) -> Result:
    """Fill a scratch database of ``backend``, serve it, and load it with wrk."""
    with scratch_database(backend, args.postgres_url) as database_url:
        started = time.monotonic()
        project_id, token = asyncio.run(fill(database_url, args.builds))
        print(f"{backend}: {args.builds:,} builds loaded in {time.monotonic() - started:.1f} s", flush=True)
        with serve(database_url, folder / f"serve-{backend}.log") as (pid, base_url):
            url = base_url + args.path.format(project=project_id)
            check = httpx.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=10)
            if check.status_code != 200 or (args.path == DEFAULT_PATH and len(check.json()["builds"]) != 20):
                sys.exit(f"{backend}: unexpected answer {check.status_code} {check.text[:500]}; see {folder}")
            wrk(url, token, args.warmup, args.connections)
            spy = profiler(pid, args.profile / f"{backend}.txt", args.duration) if args.profile else None
            user_before, system_before = cpu_seconds(pid)
            run = wrk(url, token, args.duration, args.connections)
            user_after, system_after = cpu_seconds(pid)
            user, system = user_after - user_before, system_after - system_before
            if spy is not None:
                spy.wait()
                print(f"{backend} profile ({args.profile / f'{backend}.txt'}):")
                print(summarise((args.profile / f"{backend}.txt").read_text()), flush=True)
    per_request = 1e6 / max(run.requests, 1)
    return Result(
        backend,
        run.requests,
        run.requests_per_second,
        run.p99_ms,
        (user + system) * per_request,
        system * per_request,
        run.errors,
    )


def report(results: list[Result]) -> None:
    print()
    print(
        f"{'backend':<10} {'requests':>9} {'req/s':>9} {'p99':>10} {'server CPU/request':>19} {'(kernel)':>9}  errors"
    )
    for r in results:
        verdict = "ok" if r.cpu_us_per_request <= TARGET_CPU_US else f"over the {TARGET_CPU_US} µs target"
        print(
            f"{r.backend:<10} {r.requests:>9,} {r.requests_per_second:>9,.0f} {r.p99_ms:>7.2f} ms "
            f"{r.cpu_us_per_request:>14,.0f} µs {r.system_us_per_request:>6,.0f} µs  {r.errors:>6}  {verdict}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backends", default="sqlite,postgres", help="comma-separated: sqlite, postgres")
    parser.add_argument("--builds", type=int, default=100_000, help="builds in the benchmarked project")
    parser.add_argument("--duration", type=int, default=10, help="seconds of measured load")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of unmeasured load first")
    parser.add_argument("--connections", type=int, default=16, help="wrk's open connections")
    parser.add_argument(
        "--path", default=DEFAULT_PATH, help="the request to load, for comparison ({project} is the project's id)"
    )
    parser.add_argument("--profile", type=Path, help="also sample the server with py-spy, into this folder")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("GHEE_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"),
        help="an admin connection, used to create and drop the scratch database",
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install -y wrk (Debian/Ubuntu) or brew install wrk (macOS)")
    if shutil.which("taskset") is None or (os.cpu_count() or 1) < 2:
        sys.exit("this benchmark pins the server and wrk to separate CPUs: it needs taskset and at least 2 CPUs")
    logs = Path(tempfile.mkdtemp(prefix="ghee-bench-logs-"))
    print(f"server logs: {logs}", flush=True)
    report([measure(backend, args, logs) for backend in args.backends.split(",")])


if __name__ == "__main__":
    main()
