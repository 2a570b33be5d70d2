"""ghee side by side with a bare ASGI floor and Wagtail's API v2, in one run on this machine.

Each server runs alone, one granian worker pinned to CPU 0, loaded by wrk on CPU 1 (see ``loadtest``):

- ghee on SQLite and on PostgreSQL: a scratch database filled by posts.py (10,000 posts), builds_list.py
  (a project's builds), analytics.py (Jenkins builds and their rollups) and two content fields; five requests;
- the floor: ``floor_app.app``, a bare ASGI callable under granian answering each request with the exact
  bytes (status, headers, body) ghee answered it with in the first ghee run;
- Wagtail's API v2 (its own venv, ``bench/.wagtail-venv``), the Django site ``bench/wagtail_site`` with the
  same 10,000 posts loaded through its models (cached in ``bench/.wagtail-cache``), on the page list and a
  page's detail, under granian's WSGI interface.

Each ghee row repeats one request: after the first, ghee answers it from memory while nothing commits
(kept answers, ``ghee.http.answers``); the script prints how many were, and ``GHEE_ANSWER_CACHE_MB=0``
measures every request built. It prints server CPU µs per request, requests/s and p99 per row, the goals
(ghee at least 5x Wagtail's throughput, within 10x of the floor's CPU per request) and the RSS of each ghee
worker after its load.
Any answer but 200 stops the run with a non-zero exit. See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.engine import make_url

import analytics
import builds_list
import posts
from ghee.core.content.collections import put_content_field
from ghee.core.content.entries import check_locale
from ghee.db.database import opened
from loadtest import (
    Result,
    check_tools,
    common_arguments,
    free_port,
    measure,
    probe,
    run_sql,
    scratch_database,
    serve,
    server,
    worker_rss_mb,
)

BENCH = Path(__file__).resolve().parent
SITE = BENCH / "wagtail_site"
VENV = BENCH / ".wagtail-venv"
CACHE = BENCH / ".wagtail-cache"
POSTS = 10_000
CONTENT = {
    "homepage_headline": "Skyforge: season 4 is live",
    "footer": {"copyright": "© 2026 Studio", "links": [{"label": "Press", "url": "https://studio.example/press"}]},
}
GHEE_REQUESTS = {
    "post list": "/v2/posts/?page_size=10",
    "post by slug": "/v2/posts/{slug}/",
    "content fields": "/v2/content/?keys=" + ",".join(CONTENT),
    "builds list": builds_list.DEFAULT_PATH,
    "analytics metrics": analytics.PATH + "?" + "&".join(f"{k}={v}" for k, v in analytics.QUERY.items()),
}
WAGTAIL_FIELDS = "date,summary,body,author,categories,tags"
WAGTAIL_LIST = f"/api/v2/pages/?type=blog.BlogPage&fields={WAGTAIL_FIELDS}&limit=10"
# Wagtail's request and the ghee request it stands beside. Its list is in tree order (oldest first) unless
# asked for the newest, as ghee's list is; both are measured.
WAGTAIL_REQUESTS = {
    "post list": (WAGTAIL_LIST, "post list"),
    "post list, newest": (WAGTAIL_LIST + "&order=-first_published_at", "post list"),
    "post by slug": ("/api/v2/pages/{id}/", "post by slug"),
}
THROUGHPUT_GOAL = 5.0  # ghee's requests/s over Wagtail's, at least
FLOOR_GOAL = 10.0  # ghee's CPU per request over the floor's, at most
RSS_GOAL_MB = 150.0


@dataclass(frozen=True)
class Row:
    server: str  # "ghee", "floor", "wagtail"
    backend: str  # "sqlite", "postgres", "-"
    request: str
    result: Result


# ghee


async def _content_fields(database_url: str) -> None:
    async with opened(database_url) as db, db.write() as work:
        for key, value in CONTENT.items():
            await put_content_field(work, key, value, check_locale(None), "published")


def fill_ghee(database_url: str, args: argparse.Namespace) -> tuple[str, str]:
    """Posts, builds, analytics and content fields in one database; returns a read token and the project's id."""
    started = time.monotonic()
    token = asyncio.run(posts.fill(database_url, POSTS))
    project, _ = asyncio.run(builds_list.fill(database_url, args.builds))
    asyncio.run(analytics.fill(database_url, args.analytics_builds, args.analytics_jobs))
    asyncio.run(_content_fields(database_url))
    if database_url.startswith("postgresql"):
        # As autovacuum would have by the time such a site is read. Otherwise it visits the 200,000 new
        # rows in the middle of the measured runs, taking CPU time from the server (PostgreSQL rows
        # measured up to 20 % apart from one run to the next).
        asyncio.run(run_sql(database_url, "VACUUM ANALYZE"))
    print(
        f"  {POSTS:,} posts, {args.builds:,} builds, {args.analytics_builds:,} analytics builds"
        f" loaded in {time.monotonic() - started:.0f} s",
        flush=True,
    )
    return token, project


def run_ghee(backend: str, args: argparse.Namespace, logs: Path, captured: dict[str, Any]) -> tuple[list[Row], float]:
    """Fill, serve and load ghee on ``backend``; records each answer in ``captured`` (if empty) for the floor."""
    print(f"ghee on {backend}:", flush=True)
    with scratch_database(backend, args.postgres_url) as database_url:
        token, project = fill_ghee(database_url, args)
        with serve(database_url, logs / f"ghee-{backend}.log") as (pid, base_url):
            listed = probe(backend, base_url + GHEE_REQUESTS["post list"], token, logs, _ten("data"))
            slug = listed.json()["data"][0]["slug"]
            paths = {name: path.format(slug=slug, project=project) for name, path in GHEE_REQUESTS.items()}
            rows = []
            for name, path in paths.items():
                answer = probe(backend, base_url + path, token, logs)
                captured.setdefault(name, {"path": path, "slug": slug, "answer": _recorded(answer)})
                rows.append(Row("ghee", backend, name, _measured(f"ghee-{backend}", pid, base_url + path, token, args)))
            rss = worker_rss_mb(pid)
            print(f"  {kept_answers(base_url)}", flush=True)
    return rows, rss


def kept_answers(base_url: str) -> str:
    """How many of the server's reads were answered from memory (``ghee_kept_answers_total``), as a line."""
    metrics = httpx.get(base_url + "/metrics", timeout=30).text
    outcomes = {
        sample.labels["outcome"]: int(sample.value)
        for family in text_string_to_metric_families(metrics)
        for sample in family.samples
        if sample.name == "ghee_kept_answers_total"
    }
    budget = os.environ.get("GHEE_ANSWER_CACHE_MB") or "16 (default)"
    return (
        f"kept answers (GHEE_ANSWER_CACHE_MB={budget}): {outcomes.get('hit', 0):,} answered from memory,"
        f" {outcomes.get('miss', 0):,} built"
    )


def _ten(key: str) -> Any:
    return lambda body: len(body[key]) == 10


def _recorded(answer: Any) -> dict[str, Any]:
    skipped = {b"date", b"server", b"transfer-encoding"}
    headers = [[k.decode("latin-1"), v.decode("latin-1")] for k, v in answer.headers.raw if k.lower() not in skipped]
    return {"status": answer.status_code, "headers": headers, "body": base64.b64encode(answer.content).decode()}


def _measured(label: str, pid: int, url: str, token: str | None, args: argparse.Namespace) -> Result:
    """Load ``url``; exit if any request failed or answered 4xx/5xx."""
    result = measure(label, pid, url, token, args)
    if result.requests == 0:
        sys.exit(f"{label}: no request to {url} completed in {args.duration} s; give a longer --duration")
    if result.errors:
        sys.exit(
            f"{label}: {result.errors} requests to {url} failed (a socket error or {args.timeout} s timeout)"
            " or answered 4xx/5xx"
        )
    return result


# The floor


def run_floor(args: argparse.Namespace, logs: Path, captured: dict[str, Any]) -> list[Row]:
    """The captured answers from a bare ASGI callable under granian (uvloop, one worker, as ``ghee serve``)."""
    print("floor (bare ASGI, ghee's bytes):", flush=True)
    responses = logs / "floor-responses.json"
    responses.write_text(json.dumps({c["path"]: c["answer"] for c in captured.values()}))
    port = free_port()
    granian = str(Path(sys.executable).with_name("granian"))
    command = [granian, "--interface", "asgi", "--workers", "1", "--loop", "uvloop", "--no-access-log"]
    command += ["--port", str(port), "floor_app:app"]
    env = {**os.environ, "GHEE_FLOOR_RESPONSES": str(responses)}
    rows = []
    with server(command, port, env, logs / "floor.log", cwd=BENCH) as (pid, base_url):
        for name, c in captured.items():
            answer = probe("floor", base_url + c["path"], None, logs)
            if answer.content != base64.b64decode(c["answer"]["body"]):
                sys.exit(f"floor: {c['path']} did not answer ghee's bytes")
            rows.append(Row("floor", "-", name, _measured("floor", pid, base_url + c["path"], None, args)))
    return rows


# Wagtail


def _wagtail_python() -> str:
    return str(VENV / "bin" / "python")


def ensure_wagtail_venv() -> None:
    """Create ``bench/.wagtail-venv`` with the pinned requirements, unless it has them already."""
    requirements = SITE / "requirements.txt"
    stamp = VENV / "requirements.txt"
    if stamp.exists() and stamp.read_text() == requirements.read_text():
        return
    print(f"creating {VENV} (pip install -r {requirements})", flush=True)
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(VENV)], check=True)
    pip = [_wagtail_python(), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, "-r", str(requirements)], check=True)
    shutil.copyfile(requirements, stamp)


def _manage(database: Path, *arguments: str) -> None:
    env = {**os.environ, "WAGTAIL_BENCH_DB": str(database), "DJANGO_SETTINGS_MODULE": "wagtail_site.settings"}
    subprocess.run([_wagtail_python(), "manage.py", *arguments], cwd=SITE, env=env, check=True)


def wagtail_database(postgres_url: str) -> Path:
    """The Wagtail site's SQLite database with the 10,000 posts, built once per version of the site and cached."""
    digest = hashlib.sha256()
    for source in [*sorted(SITE.rglob("*.py")), SITE / "requirements.txt"]:
        digest.update(source.read_bytes())
    cached = CACHE / f"blog-{POSTS}-{digest.hexdigest()[:12]}.sqlite3"
    if cached.exists():
        print(f"Wagtail database: {cached} (cached)", flush=True)
        return cached
    print(f"building the Wagtail database (once; cached as {cached})", flush=True)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="wagtail-bench-") as folder:
        database = Path(folder) / "wagtail.sqlite3"
        _manage(database, "migrate", "--noinput", "--verbosity", "0")
        with scratch_database("sqlite", postgres_url) as ghee_url:
            asyncio.run(posts.fill(ghee_url, POSTS))
            _manage(database, "load_ghee_posts", make_url(ghee_url).database or "")
        CACHE.mkdir(exist_ok=True)
        for stale in CACHE.glob(f"blog-{POSTS}-*.sqlite3"):
            stale.unlink()
        shutil.copyfile(database, cached.with_suffix(".partial"))
        cached.with_suffix(".partial").rename(cached)
    print(f"  built in {time.monotonic() - started:.0f} s", flush=True)
    return cached


def run_wagtail(args: argparse.Namespace, logs: Path, cached: Path, slug: str | None) -> list[Row]:
    """Wagtail's page list and the detail of the page with ghee's newest post's slug, on a copy of the cache."""
    # A Wagtail list takes a good part of a second: give wrk time for many of them (see bench/README.md).
    args = argparse.Namespace(**{**vars(args), "duration": max(2 * args.duration, 10), "warmup": max(args.warmup, 3)})
    print(f"Wagtail API v2 ({args.duration} s per request):", flush=True)
    rows = []
    with tempfile.TemporaryDirectory(prefix="wagtail-bench-") as folder:
        database = Path(folder) / "wagtail.sqlite3"
        shutil.copyfile(cached, database)
        with contextlib.closing(sqlite3.connect(database)) as conn:
            conn.execute("ANALYZE")  # as ghee's fills do
            conn.commit()
        port = free_port()
        env = {**os.environ, "WAGTAIL_BENCH_DB": str(database), "DJANGO_SETTINGS_MODULE": "wagtail_site.settings"}
        command = [str(VENV / "bin" / "granian"), "--interface", "wsgi", "--workers", "1", "--no-access-log"]
        command += ["--port", str(port), "wagtail_site.wsgi:application"]
        with server(command, port, env, logs / "wagtail.log", cwd=SITE) as (pid, base_url):
            newest = probe("wagtail", base_url + WAGTAIL_REQUESTS["post list, newest"][0], None, logs, _ten("items"))
            newest_slug = newest.json()["items"][0]["meta"]["slug"]
            if slug is not None and newest_slug != slug:
                sys.exit(f"wagtail: newest post {newest_slug}, ghee's {slug}: not the same content")
            found = probe("wagtail", f"{base_url}/api/v2/pages/?type=blog.BlogPage&slug={newest_slug}", None, logs)
            page_id = found.json()["items"][0]["id"]
            for name, (path, _) in WAGTAIL_REQUESTS.items():
                url = base_url + path.format(id=page_id)
                probe("wagtail", url, None, logs, _ten("items") if "list" in name else None)
                rows.append(Row("wagtail", "sqlite", name, _measured("wagtail", pid, url, None, args)))
    return rows


# The report


def report(rows: list[Row], rss: dict[str, float]) -> None:
    floor = {row.request: row.result for row in rows if row.server == "floor"}
    print()
    print(
        f"{'server':<8} {'backend':<9} {'request':<18} {'requests':>9} {'req/s':>8} {'p99':>10}"
        f" {'CPU/request':>12} {'x floor':>8}"
    )
    for row in rows:
        r = row.result
        ratio = ""
        if row.server != "wagtail" and row.request in floor:
            ratio = f"{r.cpu_us_per_request / floor[row.request].cpu_us_per_request:.1f}x"
        print(
            f"{row.server:<8} {row.backend:<9} {row.request:<18} {r.requests:>9,} {r.requests_per_second:>8,.1f} "
            f"{r.p99_ms:>7.1f} ms {r.cpu_us_per_request:>9,.0f} µs {ratio:>8}"
        )
    print()
    ghee = [row for row in rows if row.server == "ghee"]
    for row in rows:
        if row.server != "wagtail":
            continue
        beside = WAGTAIL_REQUESTS[row.request][1]
        for other in (g for g in ghee if g.request == beside):
            times = other.result.requests_per_second / row.result.requests_per_second
            by_cpu = row.result.cpu_us_per_request / other.result.cpu_us_per_request
            verdict = "met" if times >= THROUGHPUT_GOAL else "NOT met"
            print(
                f"ghee ({other.backend}) {beside}: {times:,.0f}x Wagtail's {row.request} requests/s"
                f" (goal ≥ 5x): {verdict}; {by_cpu:,.0f}x by CPU per request"
            )
    if floor and ghee:
        worst = max(ghee, key=lambda row: row.result.cpu_us_per_request / floor[row.request].cpu_us_per_request)
        times = worst.result.cpu_us_per_request / floor[worst.request].cpu_us_per_request
        verdict = "met" if times <= FLOOR_GOAL else "NOT met"
        print(f"ghee's CPU per request, worst: {times:.1f}x the floor's", end=" ")
        print(f"({worst.backend}, {worst.request}; goal ≤ 10x): {verdict}")
        for row in ghee:
            times = row.result.cpu_us_per_request / floor[row.request].cpu_us_per_request
            if times > FLOOR_GOAL:
                print(f"  over: ghee ({row.backend}) {row.request}: {times:.1f}x")
    for backend, megabytes in rss.items():
        verdict = "met" if megabytes < RSS_GOAL_MB else "NOT met"
        print(f"ghee ({backend}) worker RSS after the load: {megabytes:.0f} MB (goal < 150 MB): {verdict}")
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    common_arguments(parser)
    parser.set_defaults(backends="sqlite,postgres,floor,wagtail", timeout=30)  # Wagtail's p99 can pass 2 s
    parser.add_argument("--quick", action="store_true", help="1 s warm-up, 3 s measured, fewer builds")
    parser.add_argument("--builds", type=int, default=100_000, help="builds in the builds list's project")
    parser.add_argument("--analytics-builds", type=int, default=100_000, help="Jenkins builds for the metrics")
    parser.add_argument("--analytics-jobs", type=int, default=100, help="Jenkins jobs for the metrics")
    args = parser.parse_args()
    if args.quick:
        args.warmup, args.duration = 1, 3
        args.builds, args.analytics_builds, args.analytics_jobs = 10_000, 10_000, 20
    backends = args.backends.split(",")
    unknown = set(backends) - {"sqlite", "postgres", "floor", "wagtail"}
    if unknown:
        sys.exit(f"unknown backends: {', '.join(sorted(unknown))} (choose from sqlite, postgres, floor, wagtail)")
    if "floor" in backends and not {"sqlite", "postgres"} & set(backends):
        sys.exit("the floor answers ghee's bytes: add sqlite or postgres to --backends")
    started = time.monotonic()
    logs = check_tools()
    cached = None
    if "wagtail" in backends:
        ensure_wagtail_venv()
        cached = wagtail_database(args.postgres_url)
    rows: list[Row] = []
    rss: dict[str, float] = {}
    captured: dict[str, Any] = {}
    for backend in ("sqlite", "postgres"):
        if backend in backends:
            measured, rss[backend] = run_ghee(backend, args, logs, captured)
            rows += measured
    if "floor" in backends:
        rows += run_floor(args, logs, captured)
    if cached is not None:
        slug = captured["post list"]["slug"] if captured else None
        rows += run_wagtail(args, logs, cached, slug)
    report(rows, rss)
    print(f"whole run: {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
