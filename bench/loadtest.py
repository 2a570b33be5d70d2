"""What every ghee benchmark shares: scratch databases, a pinned ``ghee serve``, wrk, and CPU accounting.

The server runs on CPU 0 (``taskset``), wrk on CPU 1; server CPU time is
utime + stime of the server's whole process tree (granian forks its worker),
read from ``/proc`` before and after the measured run. See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy.engine import make_url

from pyspy_summary import summarise

ROOT = Path(__file__).resolve().parent.parent
GHEE = str(Path(sys.executable).with_name("ghee"))
RATE_LIMIT = "100000000/minute;10000000/second"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
SERVER_CPU, WRK_CPU = "0", "1"


def common_arguments(parser: argparse.ArgumentParser) -> None:
    """The options every benchmark takes: backends, durations, connections, profiling, PostgreSQL admin URL."""
    parser.add_argument("--backends", default="sqlite,postgres", help="comma-separated: sqlite, postgres")
    parser.add_argument("--duration", type=int, default=10, help="seconds of measured load")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of unmeasured load first")
    parser.add_argument("--connections", type=int, default=16, help="wrk's open connections")
    parser.add_argument("--timeout", type=int, default=2, help="seconds before wrk counts a request as an error")
    parser.add_argument("--profile", type=Path, help="also sample the server with py-spy, into this folder")
    postgres_argument(parser)


def postgres_argument(parser: argparse.ArgumentParser) -> None:
    """``--postgres-url``: the admin connection that creates and drops the scratch PostgreSQL database."""
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("GHEE_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"),
        help="an admin connection, used to create and drop the scratch database",
    )


def check_tools() -> Path:
    """Exit unless wrk, taskset and two CPUs are there; returns a fresh folder for server logs."""
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install -y wrk (Debian/Ubuntu) or brew install wrk (macOS)")
    if shutil.which("taskset") is None or (os.cpu_count() or 1) < 2:
        sys.exit("this benchmark pins the server and wrk to separate CPUs: it needs taskset and at least 2 CPUs")
    logs = Path(tempfile.mkdtemp(prefix="ghee-bench-logs-"))
    print(f"server logs: {logs}", flush=True)
    return logs


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
def scratch_database(backend: str, admin_url: str, *, keep: bool = False) -> Iterator[str]:
    """A fresh, empty database URL of ``backend``, removed afterwards unless ``keep``."""
    if backend == "sqlite":
        if keep:
            yield f"sqlite:///{tempfile.mkdtemp(prefix='ghee-bench-')}/bench.db"
            return
        with tempfile.TemporaryDirectory(prefix="ghee-bench-") as folder:
            yield f"sqlite:///{folder}/bench.db"
        return
    name = f"ghee_bench_{uuid.uuid4().hex[:10]}"
    asyncio.run(run_sql(admin_url, f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        if not keep:
            asyncio.run(run_sql(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def run_sql(admin_url: str, sql: str) -> None:
    """Run one statement outside a transaction on the PostgreSQL database of ``admin_url``."""
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


# The server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve(database_url: str, log: Path, settings: dict[str, str] | None = None) -> Iterator[tuple[int, str]]:
    """One ``ghee serve`` worker pinned to the server CPU, with ``settings`` (``GHEE_*`` variables) if given.

    Yields its process id and base URL.
    """
    port = free_port()
    env = {**os.environ, "GHEE_DATABASE_URL": database_url, "GHEE_RATE_LIMIT": RATE_LIMIT, **(settings or {})}
    env.pop("GHEE_REDIS_URL", None)
    with server([GHEE, "serve", "--port", str(port), "--workers", "1"], port, env, log) as running:
        yield running


@contextmanager
def server(
    command: list[str], port: int, env: dict[str, str], log: Path, cwd: Path = ROOT
) -> Iterator[tuple[int, str]]:
    """Run ``command`` (an HTTP server listening on ``port``) pinned to the server CPU; yields its pid and base URL."""
    with log.open("ab") as out:
        process = subprocess.Popen(
            ["taskset", "-c", SERVER_CPU, *command], env=env, stdout=out, stderr=out, cwd=cwd, start_new_session=True
        )
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
    """Wait for any HTTP answer (a 404 will do) from the server."""
    name = Path(str(process.args[3])).name if isinstance(process.args, list) else "the server"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"{name} exited early:\n{log.read_text()[-3000:]}")
        try:
            httpx.get(base_url + "/openapi.json", timeout=1)
        except httpx.TransportError:
            time.sleep(0.1)
        else:
            return
    sys.exit(f"{name} did not answer within 30 s; see {log}")


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


def worker_rss_mb(root: int) -> float:
    """The resident memory (VmRSS) of the largest process below ``root``: granian's worker."""
    largest = 0
    for pid in process_tree(root)[1:]:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        largest = max(largest, int(_find(r"VmRSS:\s+(\d+) kB", status, "0")))
    return largest / 1024


# Load


@dataclass(frozen=True)
class WrkRun:
    requests: int
    requests_per_second: float
    p99_ms: float
    errors: int


def wrk(  # noqa: PLR0913 (how to load)
    url: str, token: str | None, seconds: int, connections: int, script: Path | None = None, timeout: int = 2
) -> WrkRun:
    """Run wrk pinned to the load CPU (with a Lua ``script`` choosing each request, if given); parse its report."""
    command = ["taskset", "-c", WRK_CPU, "wrk", "-t1", f"-c{connections}", f"-d{seconds}s", f"--timeout={timeout}s"]
    command.append("--latency")
    command += [*(["-H", f"Authorization: Bearer {token}"] if token else []), *(["-s", str(script)] if script else [])]
    command.append(url)
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


def load(  # noqa: PLR0913 (what to load, how, and where to log)
    backend: str,
    database_url: str,
    path: str,
    token: str,
    args: argparse.Namespace,
    folder: Path,
    script: Path | None = None,
    check: Callable[[Any], bool] | None = None,
    settings: dict[str, str] | None = None,
) -> Result:
    """Serve ``database_url`` (with ``settings``, ``GHEE_*`` variables, if given), warm up, then measure ``path``.

    ``GET path`` must first answer 200, with a JSON body ``check`` accepts if given.
    """
    with serve(database_url, folder / f"serve-{backend}.log", settings) as (pid, base_url):
        probe(backend, base_url + path, token, folder, check)
        return measure(backend, pid, base_url + path, token, args, script)


def probe(
    backend: str, url: str, token: str | None, folder: Path, check: Callable[[Any], bool] | None = None
) -> httpx.Response:
    """``GET url`` once; exit unless it answers 200 (and, if given, with a JSON body ``check`` accepts)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        answer = httpx.get(url, headers=headers, timeout=60)
    except httpx.TimeoutException:
        sys.exit(f"{backend}: GET {url} took over 60 s; see {folder}")
    if answer.status_code != 200 or (check is not None and not check(answer.json())):
        sys.exit(f"{backend}: GET {url}: unexpected answer {answer.status_code} {answer.text[:500]}; see {folder}")
    return answer


def measure(  # noqa: PLR0913 (what to load and how)
    backend: str, pid: int, url: str, token: str | None, args: argparse.Namespace, script: Path | None = None
) -> Result:
    """Warm up, then load ``url`` with wrk and count the CPU time of server ``pid``'s process tree."""
    wrk(url, token, args.warmup, args.connections, script, args.timeout)
    _settle(pid)  # a slow server may still be answering the warm-up's last requests
    spy = profiler(pid, args.profile / f"{backend}.txt", args.duration) if args.profile else None
    user_before, system_before = cpu_seconds(pid)
    run = wrk(url, token, args.duration, args.connections, script, args.timeout)
    # When wrk stops, each connection has a request in flight that wrk does not count but the server
    # still answers (a WSGI server cannot drop it): bill their CPU in full, and count them.
    _settle(pid)
    user_after, system_after = cpu_seconds(pid)
    user, system = user_after - user_before, system_after - system_before
    if spy is not None:
        spy.wait()
        print(f"{backend} profile ({args.profile / f'{backend}.txt'}):")
        print(summarise((args.profile / f"{backend}.txt").read_text()), flush=True)
    per_request = 1e6 / (run.requests + args.connections)
    return Result(
        backend,
        run.requests,
        run.requests_per_second,
        run.p99_ms,
        (user + system) * per_request,
        system * per_request,
        run.errors,
    )


def _settle(pid: int, limit: float = 60) -> None:
    """Wait until the server's process tree stops using CPU (less than a clock tick in 0.2 s)."""
    deadline = time.monotonic() + limit
    used = sum(cpu_seconds(pid))
    while time.monotonic() < deadline:
        time.sleep(0.2)
        now = sum(cpu_seconds(pid))
        if now - used < 1.5 / CLOCK_TICKS:
            return
        used = now


def report(results: list[Result], target_cpu_us: float | None) -> None:
    """Print one line per backend, with the verdict against ``target_cpu_us`` if there is one."""
    print()
    print(
        f"{'backend':<10} {'requests':>9} {'req/s':>9} {'p99':>10} {'server CPU/request':>19} {'(kernel)':>9}  errors"
    )
    for r in results:
        if target_cpu_us is None:
            verdict = ""
        elif r.cpu_us_per_request <= target_cpu_us:
            verdict = "ok"
        else:
            verdict = f"over the {target_cpu_us:,.0f} µs target"
        print(
            f"{r.backend:<10} {r.requests:>9,} {r.requests_per_second:>9,.0f} {r.p99_ms:>7.2f} ms "
            f"{r.cpu_us_per_request:>14,.0f} µs {r.system_us_per_request:>6,.0f} µs  {r.errors:>6}  {verdict}"
        )
