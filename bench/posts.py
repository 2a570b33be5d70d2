"""Benchmark the ButterCMS blog: ``GET /v2/posts/?page_size=10`` on 10,000 posts, and search on 100,000.

For each backend it fills a scratch database with bulk Core inserts (authors,
categories, tags, posts with two categories and three tags each; SQLite's
search index is kept by its triggers), then loads one pinned ``ghee serve``
with wrk (see ``loadtest``):

- ``list``: the first page of 10 posts, with their authors, categories and tags;
- ``search``: ``/v2/search/?query=...``, each request with a query drawn from
  a fixed list (a wrk Lua script), over 100,000 posts, every answer built
  (``GHEE_ANSWER_CACHE_MB=0``: no kept answers).

Targets: at most 500 µs of server CPU per list request; search p99 under 20 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import random
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

from ghee.clock import utcnow
from ghee.core.tokens import create_token
from ghee.db.database import opened
from ghee.db.migrate import upgrade
from ghee.db.tables import blog_authors, blog_categories, blog_post_categories, blog_post_tags, blog_posts, blog_tags
from loadtest import Result, check_tools, common_arguments, load, report, scratch_database

LIST_TARGET_CPU_US = 500
SEARCH_TARGET_P99_MS = 20
BATCH = 2_000
CATEGORIES = ["Patch Notes", "Dev Diary", "Events", "Community", "Esports", "Hotfix", "Roadmap", "Art"]
WORDS = [
    "warrior",
    "shader",
    "cook",
    "crash",
    "fix",
    "balance",
    "matchmaking",
    "server",
    "lobby",
    "texture",
    "animation",
    "rig",
    "ragdoll",
    "physics",
    "netcode",
    "latency",
    "region",
    "queue",
    "ranked",
    "season",
    "battle",
    "pass",
    "skin",
    "emote",
    "map",
    "spawn",
    "loot",
    "weapon",
    "recoil",
    "controller",
    "gamepad",
    "keyboard",
    "mouse",
    "steam",
    "epic",
    "console",
    "frame",
    "rate",
    "memory",
    "leak",
    "loading",
    "stutter",
    "patch",
    "hotfix",
    "update",
    "roadmap",
    "tournament",
    "community",
    "stream",
    "creator",
    "bug",
    "report",
    "quest",
    "dialogue",
    "voice",
    "audio",
]
QUERIES = [
    "crash",
    "matchmaking",
    "memory leak",
    '"battle pass"',
    "shader",
    "ranked season",
    "netcode",
    "latency",
    "fix",
]


# Text with the shape of real prose: a few function words make up much of it,
# and the rest comes from a large vocabulary drawn with Zipf's law, so a
# content word (the game terms among them) appears in a small share of posts,
# as in a real news archive. Uniform text from a small vocabulary would make
# every query match every post.
_FUNCTION_WORDS = [
    "the",
    "a",
    "of",
    "to",
    "and",
    "in",
    "is",
    "for",
    "on",
    "with",
    "that",
    "this",
    "we",
    "it",
    "are",
    "be",
    "as",
    "our",
]
_SYLLABLES = [
    "ka",
    "ro",
    "mi",
    "tal",
    "ven",
    "dor",
    "ith",
    "sel",
    "qua",
    "bre",
    "zon",
    "ul",
    "fen",
    "gar",
    "pi",
    "lo",
    "tas",
    "ner",
    "vy",
]


def _vocabulary(rng: random.Random) -> tuple[list[str], list[float]]:
    synthetic = {a + b + c for a in _SYLLABLES for b in _SYLLABLES for c in _SYLLABLES}
    words = sorted(synthetic - set(WORDS))[:6000]
    rng.shuffle(words)
    for rank, word in zip(rng.sample(range(150, 2500), len(WORDS)), WORDS, strict=True):
        words.insert(rank, word)
    # Cumulative, so that each draw does not add up 6,000 weights again (random.choices would, per call).
    cum_weights = list(itertools.accumulate(1 / (rank + 1) ** 1.07 for rank in range(len(words))))
    return words, cum_weights


def _sentence(rng: random.Random, vocabulary: tuple[list[str], list[float]], length: int) -> str:
    words, cum_weights = vocabulary
    content = rng.choices(words, cum_weights=cum_weights, k=length)
    mixed = [rng.choice(_FUNCTION_WORDS) if rng.random() < 0.4 else word for word in content]
    return " ".join(mixed).capitalize() + "."


def _posts(count: int, authors: int) -> Iterator[dict[str, object]]:
    rng = random.Random(2026)
    vocabulary = _vocabulary(rng)
    start = utcnow() - timedelta(days=3 * 365)
    for number in range(1, count + 1):
        published = start + timedelta(minutes=number * 15)
        body = " ".join(_sentence(rng, vocabulary, rng.randint(8, 20)) for _ in range(rng.randint(8, 30)))
        yield {
            "slug": f"update-{number}",
            "status": "published" if rng.random() < 0.97 else "draft",
            "title": _sentence(rng, vocabulary, rng.randint(3, 8)).rstrip("."),
            "body": f"<p>{body}</p>",
            "summary": _sentence(rng, vocabulary, 12),
            "seo_title": "",
            "meta_description": "",
            "featured_image": None,
            "author_id": rng.randint(1, authors),
            "published_at": published,
            "created_at": published,
            "updated_at": published,
        }


async def fill(database_url: str, count: int) -> str:
    """Migrate, then add authors, categories, tags and ``count`` posts; returns a read token."""
    now = utcnow()
    async with opened(database_url) as db:
        await upgrade(db.engine)
        async with db.write() as work:
            _, secret = await create_token(work, name="bench", scope="read")
            await work.execute(
                blog_authors.insert(),
                [
                    {
                        **dict.fromkeys(
                            ("bio", "title", "linkedin_url", "facebook_url", "pinterest_url", "instagram_url"), ""
                        ),
                        "slug": f"author-{n}",
                        "first_name": f"Author{n}",
                        "last_name": "Smith",
                        "email": f"author{n}@studio.example",
                        "twitter_handle": "",
                        "profile_image": "",
                        "created_at": now,
                    }
                    for n in range(1, 9)
                ],
            )
            await work.execute(
                blog_categories.insert(),
                [{"slug": name.lower().replace(" ", "-"), "name": name, "created_at": now} for name in CATEGORIES],
            )
            await work.execute(
                blog_tags.insert(), [{"slug": word, "name": word.title(), "created_at": now} for word in WORDS[:40]]
            )
        rng = random.Random(7)
        rows = list(_posts(count, 8))
        for first in range(0, count, BATCH):
            async with db.write() as work:
                # One statement a batch: PostgreSQL's word counts (migration 0026) are kept once per
                # statement, and a batch sent as many statements would keep them once per post.
                await work.execute(blog_posts.insert().values(rows[first : first + BATCH]))
                ids = range(first + 1, min(first + BATCH, count) + 1)
                await work.execute(
                    blog_post_categories.insert(),
                    [{"post_id": i, "category_id": c} for i in ids for c in rng.sample(range(1, 9), 2)],
                )
                await work.execute(
                    blog_post_tags.insert(),
                    [{"post_id": i, "tag_id": t} for i in ids for t in rng.sample(range(1, 41), 3)],
                )
        async with db.engine.connect() as conn:
            # VACUUM too on PostgreSQL: it empties the GIN index's pending list, which the bulk load leaves
            # full and every search would scan until autovacuum gets to it (the state it reaches minutes later).
            vacuum = "VACUUM ANALYZE" if db.dialect.name == "postgresql" else "ANALYZE"
            await (await conn.execution_options(isolation_level="AUTOCOMMIT")).execute(sa.text(vacuum))
        return secret


def search_script(folder: Path) -> Path:
    """A wrk Lua script that sends each request with a query from ``QUERIES``, in turn."""
    quoted = ", ".join('"' + q.replace('"', "%22").replace(" ", "+") + '"' for q in QUERIES)
    script = folder / "search.lua"
    script.write_text(
        f"local queries = {{{quoted}}}\n"
        "local n = 0\n"
        "request = function()\n"
        "  n = n + 1\n"
        '  return wrk.format("GET", "/v2/search/?page_size=10&query=" .. queries[(n % #queries) + 1])\n'
        "end\n"
    )
    return script


def measure(backend: str, args: argparse.Namespace, folder: Path) -> list[tuple[str, Result]]:
    """The list on ``--posts`` posts and search on ``--search-posts``, for one backend."""
    results = []
    if "list" in args.what:
        results.append(("list", _list(backend, args, folder)))
    if "search" in args.what:
        results.append(("search", _search(backend, args, folder)))
    return results


def _list(backend: str, args: argparse.Namespace, folder: Path) -> Result:
    with scratch_database(backend, args.postgres_url) as database_url:
        started = time.monotonic()
        token = asyncio.run(fill(database_url, args.posts))
        print(f"{backend}: {args.posts:,} posts loaded in {time.monotonic() - started:.1f} s", flush=True)
        listed = load(
            backend, database_url, "/v2/posts/?page_size=10", token, args, folder, check=lambda b: len(b["data"]) == 10
        )
        report([listed], LIST_TARGET_CPU_US)
    return listed


def _search(backend: str, args: argparse.Namespace, folder: Path) -> Result:
    with scratch_database(backend, args.postgres_url) as database_url:
        started = time.monotonic()
        token = asyncio.run(fill(database_url, args.search_posts))
        print(f"{backend}: {args.search_posts:,} posts loaded in {time.monotonic() - started:.1f} s", flush=True)
        script = search_script(folder)
        # Every search built: the nine queries would otherwise be answered from memory (ghee.http.answers)
        # after their first round, as a real mix of searches, rarely the same twice, would not be.
        searched = load(
            backend,
            database_url,
            "/v2/search/?query=crash+fix&page_size=10",
            token,
            args,
            folder,
            script=script,
            settings={"GHEE_ANSWER_CACHE_MB": "0"},
        )
        report([searched], None)
    return searched


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    common_arguments(parser)
    parser.add_argument("--posts", type=int, default=10_000, help="posts for the list benchmark")
    parser.add_argument("--what", default="list,search", help="comma-separated: list, search")
    parser.add_argument("--search-posts", type=int, default=100_000, help="posts for the search benchmark")
    args = parser.parse_args()
    logs = check_tools()
    results = [result for backend in args.backends.split(",") for result in measure(backend, args, logs)]
    listed = [result for what, result in results if what == "list"]
    searched = [result for what, result in results if what == "search"]
    if listed:
        print("\nGET /v2/posts/?page_size=10")
        report(listed, LIST_TARGET_CPU_US)
    if searched:
        print(f"\nGET /v2/search/?query=... (target: p99 under {SEARCH_TARGET_P99_MS} ms)")
        report(searched, None)
    for result in searched:
        verdict = "ok" if result.errors == 0 and result.p99_ms < SEARCH_TARGET_P99_MS else "over the target"
        print(f"{result.backend}: search p99 {result.p99_ms:.2f} ms, {result.errors} errors: {verdict}")


if __name__ == "__main__":
    main()
