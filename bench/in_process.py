"""What each of ``compare``'s requests costs ghee in process: the ASGI app called directly, no granian, no sockets.

Fills a scratch database as ``compare --quick`` does (or reuses one given
with ``--database-url``, printing the URL of a new one with ``--keep``),
starts the app's lifespan, then for each request runs rounds of ``--count``
requests one after another and prints the best round's CPU time a request
(``time.process_time``; on PostgreSQL that is ghee's CPU only, not the
server's). ``/v1/projects`` (one small row) is measured too, as the least a
request costs. ``--profile DIR`` writes a cProfile of one more round per
request. Answers are built unless ``GHEE_ANSWER_CACHE_MB`` says otherwise
(this script sets it to 0 when unset). See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import json
import os
import resource
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import uvloop

import compare
from ghee.app import create_app
from loadtest import RATE_LIMIT, scratch_database

REQUESTS = {"projects": "/v1/projects", **compare.GHEE_REQUESTS}


@contextlib.contextmanager
def _database(args: argparse.Namespace) -> Iterator[tuple[str, str, str]]:
    """A filled database's URL, a read token and the builds project's id."""
    if args.database_url:
        token, project = args.token_and_project.split(":")
        yield args.database_url, token, project
        return
    fill_args = argparse.Namespace(builds=10_000, analytics_builds=10_000, analytics_jobs=20)
    with scratch_database(args.backend, args.postgres_url, keep=args.keep) as url:
        token, project = compare.fill_ghee(url, fill_args)
        if args.keep:
            print(f"kept: --database-url {url} --token-and-project {token}:{project}", flush=True)
        yield url, token, project


class _Caller:
    """Calls the ASGI app with one GET; keeps the status and body of the last answer."""

    def __init__(self, app: Any, token: str) -> None:
        self.app = app
        self.headers = [(b"host", b"127.0.0.1:8080"), (b"authorization", f"Bearer {token}".encode())]
        self.status = 0
        self.body = b""

    async def get(self, path: str) -> int:
        raw, _, query = path.partition("?")
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": raw,
            "raw_path": raw.encode(),
            "query_string": query.encode(),
            "root_path": "",
            "headers": self.headers,
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 8080),
            "state": {},
        }

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                self.status = message["status"]
                self.body = b""
            else:
                self.body += message.get("body", b"")

        await self.app(scope, receive, send)
        return self.status


async def _lifespan(app: Any) -> tuple[asyncio.Queue[dict[str, Any]], asyncio.Task[None]]:
    incoming: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    outgoing: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    task = asyncio.create_task(
        app({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}, incoming.get, outgoing.put)
    )
    await incoming.put({"type": "lifespan.startup"})
    started = await outgoing.get()
    if started["type"] != "lifespan.startup.complete":
        sys.exit(f"the app did not start: {started}")
    return incoming, task


async def _round(caller: _Caller, path: str, count: int, concurrency: int) -> None:
    """``count`` requests, ``concurrency`` at a time (each its own task, as a server runs them)."""

    async def one_after_another(n: int) -> None:
        for _ in range(n):
            await caller.get(path)

    if concurrency == 1:
        await one_after_another(count)
        return
    await asyncio.gather(*(one_after_another(count // concurrency) for _ in range(concurrency)))


async def _measure(paths: dict[str, str], token: str, args: argparse.Namespace) -> None:
    app = create_app()
    incoming, task = await _lifespan(app)
    caller = _Caller(app, token)
    try:
        await caller.get("/v2/posts/?page_size=1")
        slug = json.loads(caller.body)["data"][0]["slug"]
        paths = {name: path.replace("{slug}", slug) for name, path in paths.items()}
        for name, path in paths.items():
            status = await caller.get(path)
            if status != 200:
                sys.exit(f"{name}: {path} answered {status}")
            best = (float("inf"), 0.0)
            for _ in range(args.rounds):
                before = resource.getrusage(resource.RUSAGE_SELF)
                await _round(caller, path, args.count, args.concurrency)
                after = resource.getrusage(resource.RUSAGE_SELF)
                user, system = after.ru_utime - before.ru_utime, after.ru_stime - before.ru_stime
                best = min(best, ((user + system) / args.count, system / args.count))
            print(f"  {name:<18} {best[0] * 1e6:8,.0f} µs ({best[1] * 1e6:,.0f} µs in the kernel)", flush=True)
            if args.profile:
                profile = cProfile.Profile()
                profile.enable()
                for _ in range(args.count):
                    await caller.get(path)
                profile.disable()
                profile.dump_stats(Path(args.profile) / f"{args.backend}-{name.replace(' ', '-')}.prof")
    finally:
        await incoming.put({"type": "lifespan.shutdown"})
        await task


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("GHEE_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"),
    )
    parser.add_argument("--database-url", help="a database filled by an earlier --keep run")
    parser.add_argument("--token-and-project", help="with --database-url: what the --keep run printed")
    parser.add_argument("--keep", action="store_true", help="fill a database that outlives the run; print its URL")
    parser.add_argument("--only", help="comma-separated request names (default: every one)")
    parser.add_argument("--path", action="append", default=[], help="another request, as NAME=PATH (repeatable)")
    parser.add_argument("--count", type=int, default=1_000, help="requests a round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=1, help="requests in flight at once, each a task")
    parser.add_argument("--profile", help="a folder for cProfile files, one per request")
    args = parser.parse_args()
    os.environ.setdefault("GHEE_ANSWER_CACHE_MB", "0")
    os.environ["GHEE_RATE_LIMIT"] = RATE_LIMIT
    os.environ.pop("GHEE_REDIS_URL", None)
    if args.profile:
        Path(args.profile).mkdir(parents=True, exist_ok=True)
    with _database(args) as (url, token, project):
        os.environ["GHEE_DATABASE_URL"] = url
        asked = dict(given.split("=", 1) for given in args.path)
        wanted = set(args.only.split(",")) if args.only else set(REQUESTS) | set(asked)
        paths = {n: p.replace("{project}", project) for n, p in {**REQUESTS, **asked}.items() if n in wanted}
        print(f"ghee in process on {args.backend}, load average {os.getloadavg()[0]:.2f}:", flush=True)
        uvloop.run(_measure(paths, token, args))  # as granian runs ghee
        print(f"load average {os.getloadavg()[0]:.2f}", flush=True)


if __name__ == "__main__":
    main()
