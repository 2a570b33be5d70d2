"""``ghee migrate-data``: a whole installation moves from SQLite to PostgreSQL and back with nothing lost."""

from __future__ import annotations

import asyncio
import io
import os
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from PIL import Image

from ghee.db.engine import create_engine
from ghee.db.tables import blog_posts, projects
from ghee.ops.verify import compare
from tests.support.databases import make_database, make_empty_database
from tests.support.servers import Server, start_server
from tests.support.services import GHEE, ROOT

POST = "community-spotlight-pocket-tactics-fan-art"
PAGE = "/v2/pages/landing_page/skyforge-launch/"
NOW = datetime(2026, 12, 1, tzinfo=UTC).replace(tzinfo=None)


def ghee(*args: str, database_url: str | None = None, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GHEE_WEBHOOK_ALLOW_PRIVATE": "1"}
    if database_url:
        env["GHEE_DATABASE_URL"] = database_url
    return subprocess.run([GHEE, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=300, check=False)


@dataclass(frozen=True)
class Installation:
    """A demo studio on SQLite, with what its API answered before it moved."""

    database_url: str
    media_dir: Path
    token: str
    media_handle: str
    answers: dict[str, Any]


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), "purple").save(out, format="PNG")
    return out.getvalue()


def content_paths(server: Server, token: str) -> list[str]:
    """The reads compared before and after a move: a post, a build, a page, a list of builds."""
    with httpx.Client(base_url=server.base_url, headers={"Authorization": f"Bearer {token}"}) as client:
        project = client.get("/v1/projects").json()["projects"][0]["id"]
        build = client.get(f"/v1/projects/{project}/builds", params={"limit": 1}).json()["builds"][0]["id"]
    return [
        f"/v2/posts/{POST}/?auth_token={token}",
        f"/v1/builds/{build}",
        f"{PAGE}?auth_token={token}&locale=fr",
        f"/v1/projects/{project}/builds?limit=20",
        f"/v2/posts/?auth_token={token}&page_size=5",
    ]


def read_all(server: Server, token: str, paths: list[str]) -> dict[str, Any]:
    answers = {}
    with httpx.Client(base_url=server.base_url, headers={"Authorization": f"Bearer {token}"}, timeout=30) as client:
        for path in paths:
            response = client.get(path)
            assert response.status_code == 200, (path, response.text)
            answers[path] = response.json()
    return answers


def same_content(answers: dict[str, Any], server: Server) -> dict[str, Any]:
    """Answers with the server's own base URL taken out, so two servers' answers compare."""
    return {path: _unhosted(value, server.base_url) for path, value in answers.items()}


def _unhosted(value: Any, base_url: str) -> Any:
    if isinstance(value, dict):
        return {key: _unhosted(item, base_url) for key, item in value.items()}
    if isinstance(value, list):
        return [_unhosted(item, base_url) for item in value]
    if isinstance(value, str):
        return value.replace(base_url, "BASE")
    return value


@pytest.fixture(scope="module")
def installation(tmp_path_factory: pytest.TempPathFactory) -> Installation:
    tmp = tmp_path_factory.mktemp("installation")
    url, _ = make_database("sqlite", tmp)
    loaded = ghee("demo", database_url=url)
    assert loaded.returncode == 0, loaded.stderr
    subscribed = ghee("webhook", "create", "--url", "http://127.0.0.1:9/hook", "--events", "post.all", database_url=url)
    assert subscribed.returncode == 0, subscribed.stderr
    media_dir = tmp / "media"
    server = start_server(url, tmp / "serve.log", GHEE_MEDIA_DIR=str(media_dir))
    try:
        token = server.token("admin")
        uploaded = httpx.post(
            f"{server.base_url}/v2/media/",
            headers={"Authorization": f"Token {token}"},
            files={"file": ("T_Hero.png", png(), "application/octet-stream")},
        )
        assert uploaded.status_code == 201, uploaded.text
        answers = same_content(read_all(server, token, content_paths(server, token)), server)
    finally:
        server.stop()
    return Installation(url, media_dir, token, uploaded.json()["data"]["id"], answers)


@pytest.fixture(scope="module")
def on_postgres(installation: Installation, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """The installation moved to a fresh PostgreSQL database: its URL and what migrate-data printed."""
    url, drop = make_empty_database("postgres", tmp_path_factory.mktemp("postgres"))
    moved = ghee("migrate-data", "--from", installation.database_url, "--to", url)
    assert moved.returncode == 0, moved.stdout + moved.stderr
    yield url, moved.stdout
    drop()


def serving(url: str, installation: Installation, tmp: Path) -> Server:
    return start_server(url, tmp / "serve.log", GHEE_MEDIA_DIR=str(installation.media_dir))


def test_every_table_matches_after_the_move(on_postgres: tuple[str, str]) -> None:
    _, report = on_postgres
    lines = [line.split() for line in report.splitlines()[1:]]
    rows = [row for row in lines if len(row) == 5 and row[1].replace(",", "").isdigit()]
    assert {row[0] for row in rows} >= {"builds", "blog_posts", "events", "media", "webhook_subscriptions"}
    assert all(row[-1] == "ok" and row[1] == row[2] for row in rows), report
    counts = {row[0]: int(row[1].replace(",", "")) for row in rows}
    assert (counts["builds"] > 0, counts["media"], counts["webhook_subscriptions"]) == (True, 1, 1)
    assert "blog_post_counts against a recount: ok" in report
    assert "job_build_counts against a recount: ok" in report
    assert "MISMATCH" not in report


def test_the_moved_installation_serves_the_same_content(
    installation: Installation, on_postgres: tuple[str, str], tmp_path: Path
) -> None:
    server = serving(on_postgres[0], installation, tmp_path)
    try:
        answers = same_content(read_all(server, installation.token, list(installation.answers)), server)
        assert answers == installation.answers
        found = read_all(server, installation.token, [f"/v2/search/?auth_token={installation.token}&query=fan+art"])
        assert POST in [post["slug"] for post in next(iter(found.values()))["data"]]
        assert httpx.get(f"{server.base_url}/media/{installation.media_handle}").status_code == 200
    finally:
        server.stop()


def test_the_event_log_and_new_rows_work_after_the_move(
    installation: Installation, on_postgres: tuple[str, str], tmp_path: Path
) -> None:
    server = serving(on_postgres[0], installation, tmp_path)
    headers = {"Authorization": f"Bearer {installation.token}"}
    try:
        with httpx.Client(base_url=server.base_url, headers=headers) as client:
            logged = client.get("/v1/events", params={"limit": 5})
            assert logged.status_code == 200, logged.text
            assert len(logged.json()["events"]) == 5
            created = client.post("/v1/projects", json={"name": "After the move", "engine": "godot"})
            assert created.status_code == 201, created.text
            projects = client.get("/v1/projects", params={"limit": 100}).json()["projects"]
            assert len({project["id"] for project in projects}) == 4
    finally:
        server.stop()


def test_the_installation_moves_back_to_sqlite(
    installation: Installation, on_postgres: tuple[str, str], tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'back.db'}"
    moved = ghee("migrate-data", "--from", on_postgres[0], "--to", url)
    assert moved.returncode == 0, moved.stdout + moved.stderr
    assert "every table matches" in moved.stdout
    server = serving(url, installation, tmp_path)
    try:
        answers = same_content(read_all(server, installation.token, list(installation.answers)), server)
        assert answers == installation.answers
        found = read_all(server, installation.token, [f"/v2/search/?auth_token={installation.token}&query=fan+art"])
        assert POST in [post["slug"] for post in next(iter(found.values()))["data"]]
    finally:
        server.stop()


def test_a_target_that_is_not_empty_is_refused(installation: Installation, tmp_path: Path) -> None:
    url, drop = make_database("postgres", tmp_path)
    try:
        refused = ghee("migrate-data", "--from", installation.database_url, "--to", url)
        assert refused.returncode == 1
        assert "target database is not empty" in refused.stderr
        assert "Traceback" not in refused.stderr
    finally:
        drop()


@pytest.mark.parametrize(
    ("source", "target", "message"),
    [
        ("mysql://db/ghee", "sqlite:///new.db", "--from has the scheme 'mysql'"),
        ("sqlite:///missing.db", "::::", "--to is not a database URL"),
        ("postgresql://ghee:hunter2@127.0.0.1:1/ghee", "sqlite:///new.db", "ghee:***@127.0.0.1:1/ghee is unavailable"),
        ("sqlite:///same.db", "sqlite:///same.db", "the same database"),
        ("sqlite:///missing.db", "sqlite:///new.db", "there is no SQLite database at missing.db"),
    ],
)
def test_bad_urls_are_refused_clearly(source: str, target: str, message: str, tmp_path: Path) -> None:
    refused = ghee("migrate-data", "--from", source, "--to", target, cwd=tmp_path)
    assert refused.returncode == 1
    assert message in refused.stderr
    assert "Traceback" not in refused.stderr
    assert "hunter2" not in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []  # neither the source nor the target file was made


def test_a_row_changed_on_the_target_is_a_mismatch(installation: Installation, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'copy.db'}"
    assert ghee("migrate-data", "--from", installation.database_url, "--to", url).returncode == 0

    async def change_and_compare() -> set[str]:
        source, target = create_engine(installation.database_url), create_engine(url)
        try:
            async with target.begin() as conn:
                await conn.execute(sa.update(blog_posts).where(blog_posts.c.slug == POST).values(title="Changed"))
            checks, recounts = await compare(source, target, lambda _line: None)
        finally:
            await source.dispose()
            await target.dispose()
        assert all(recount.matches for recount in recounts)
        return {check.table for check in checks if not check.matches}

    assert asyncio.run(change_and_compare()) == {"blog_posts"}


def test_a_row_the_target_refuses_names_its_table_and_leaves_postgresql_empty(
    installation: Installation, tmp_path: Path
) -> None:
    source = tmp_path / "odd.db"
    source.write_bytes(Path(installation.database_url.removeprefix("sqlite:///")).read_bytes())
    with closing(sqlite3.connect(source)) as conn:
        conn.execute("UPDATE blog_posts SET title = 'NUL' || char(0) || 'in a title' WHERE slug = ?", (POST,))
        conn.commit()
    url, drop = make_empty_database("postgres", tmp_path)
    try:
        failed = ghee("migrate-data", "--from", f"sqlite:///{source}", "--to", url)
        assert failed.returncode == 1
        assert "copying blog_posts failed" in failed.stderr
        assert "Traceback" not in failed.stderr
        again = ghee("migrate-data", "--from", installation.database_url, "--to", url)
        assert again.returncode == 0, again.stderr
    finally:
        drop()


def _projects_then_new(url: str, *, delete_newest: bool) -> tuple[list[int], int]:
    """The project ids on ``url``, and the id a new project gets there (deleted again if ``delete_newest``)."""

    async def run() -> tuple[list[int], int]:
        engine = create_engine(url)
        try:
            async with engine.begin() as conn:
                found = list(await conn.scalars(sa.select(projects.c.id).order_by(projects.c.id)))
                new = projects.insert().values(name=f"New {len(found)}", engine="godot", created_at=NOW)
                made = (await conn.execute(new.returning(projects.c.id))).scalar_one()
                if delete_newest:
                    await conn.execute(projects.delete().where(projects.c.id == made))
                return found, made
        finally:
            await engine.dispose()

    return asyncio.run(run())


def test_an_id_deleted_before_a_move_is_not_handed_out_after_it(tmp_path: Path) -> None:
    source, _ = make_database("sqlite", tmp_path)
    assert _projects_then_new(source, delete_newest=False) == ([], 1)
    assert _projects_then_new(source, delete_newest=True) == ([1], 2)
    target, drop = make_empty_database("postgres", tmp_path)
    try:
        moved = ghee("migrate-data", "--from", source, "--to", target)
        assert moved.returncode == 0, moved.stdout + moved.stderr
        assert _projects_then_new(target, delete_newest=True) == ([1], 3)
        back = f"sqlite:///{tmp_path / 'back.db'}"
        moved = ghee("migrate-data", "--from", target, "--to", back)
        assert moved.returncode == 0, moved.stdout + moved.stderr
        assert _projects_then_new(back, delete_newest=False) == ([1], 4)
    finally:
        drop()


def test_the_search_word_counts_match_a_recount_after_the_move(on_postgres: tuple[str, str]) -> None:
    """Left alone while the posts went in, PostgreSQL's word counts are counted once after: each as a recount says."""

    async def counts() -> tuple[dict[str, int], dict[str, int]]:
        engine = create_engine(on_postgres[0])
        try:
            async with engine.connect() as conn:
                kept = await conn.execute(sa.text("SELECT word, posts FROM blog_search_words WHERE posts > 0"))
                recount = await conn.execute(
                    sa.text(
                        "SELECT word, count(*) FROM blog_posts, unnest(tsvector_to_array(search)) AS word "
                        "WHERE status = 'published' GROUP BY word"
                    )
                )
                return {row[0]: row[1] for row in kept}, {row[0]: row[1] for row in recount}
        finally:
            await engine.dispose()

    kept, recount = asyncio.run(counts())
    assert len(kept) > 100
    assert kept == recount
