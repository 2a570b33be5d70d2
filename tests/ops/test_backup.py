"""``ghee backup`` and ``ghee restore``: an SQLite installation copied while it serves, and brought back whole."""

from __future__ import annotations

import asyncio
import io
import os
import sqlite3
import stat
import subprocess
import threading
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import httpx
import pytest
from PIL import Image

from ghee.config import Settings
from ghee.db.engine import create_engine
from ghee.db.migrate import is_current, upgrade
from ghee.ops.backup import backup
from tests.support.databases import make_database, make_empty_database
from tests.support.servers import Server, start_server
from tests.support.services import GHEE


def ghee(*args: str, database_url: str, media_dir: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GHEE_DATABASE_URL": database_url, "GHEE_MEDIA_DIR": str(media_dir)}
    return subprocess.run([GHEE, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=300, check=False)


def png(color: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), color).save(out, format="PNG")
    return out.getvalue()


class Writer(threading.Thread):
    """Adds changelists through the API until stopped; remembers which were acknowledged."""

    def __init__(self, server: Server, token: str, project: str) -> None:
        super().__init__(daemon=True)
        self.client = httpx.Client(base_url=server.base_url, headers={"Authorization": f"Bearer {token}"}, timeout=30)
        self.project = project
        self.acknowledged: list[int] = []
        self.stopping = threading.Event()

    def run(self) -> None:
        number = 1
        while not self.stopping.is_set():
            body = {"number": number, "author": "jane", "description": f"Change {number}", "files": []}
            response = self.client.post(f"/v1/projects/{self.project}/changelists", json=body)
            assert response.status_code == 201, response.text
            self.acknowledged.append(number)
            number += 1

    def stop(self) -> None:
        self.stopping.set()
        self.join()
        self.client.close()


def rows(database: Path, sql: str) -> list[tuple[object, ...]]:
    with closing(sqlite3.connect(database)) as conn:
        return conn.execute(sql).fetchall()


@pytest.fixture
def live(tmp_path: Path) -> Iterator[tuple[Server, str, str]]:
    """A serving SQLite installation with one upload: the server, an admin token, the upload's handle."""
    url, _ = make_database("sqlite", tmp_path)
    server = start_server(url, tmp_path / "serve.log", GHEE_MEDIA_DIR=str(tmp_path / "media"))
    token = server.token("admin")
    uploaded = httpx.post(
        f"{server.base_url}/v2/media/",
        headers={"Authorization": f"Token {token}"},
        files={"file": ("hero.png", png("teal"), "application/octet-stream")},
    )
    assert uploaded.status_code == 201, uploaded.text
    yield server, token, uploaded.json()["data"]["id"]
    server.stop()


def test_a_backup_taken_while_writes_continue_restores_whole(live: tuple[Server, str, str], tmp_path: Path) -> None:
    server, token, handle = live
    project = httpx.post(
        f"{server.base_url}/v1/projects",
        headers={"Authorization": f"Bearer {token}"},
        json={"name": "Skyforge", "engine": "unreal"},
    ).json()["id"]
    writer = Writer(server, token, project)
    writer.start()
    while len(writer.acknowledged) < 20:
        writer.stopping.wait(0.05)
    before_backup = len(writer.acknowledged)
    backup, media = tmp_path / "backups" / "nightly.db", tmp_path / "media"
    try:
        taken = ghee("backup", str(backup), database_url=server.database_url, media_dir=media, cwd=tmp_path)
    finally:
        writer.stop()
    assert taken.returncode == 0, taken.stderr
    assert "media: 1 of 1 files" in taken.stderr
    assert len(writer.acknowledged) > before_backup

    restored_url = f"sqlite:///{tmp_path / 'restored' / 'ghee.db'}"
    restored_media = tmp_path / "restored" / "media"
    brought = ghee("restore", str(backup), database_url=restored_url, media_dir=restored_media, cwd=tmp_path)
    assert brought.returncode == 0, brought.stderr

    database = tmp_path / "restored" / "ghee.db"
    numbers = {row[0] for row in rows(database, "SELECT number FROM changelists")}
    assert set(range(1, before_backup + 1)) <= numbers
    # One instant: every changelist has the event written in its transaction, and no event lacks its changelist.
    logged = rows(database, "SELECT resource_id FROM events WHERE type = 'changelist.created'")
    assert {f"cl_{number}" for number in numbers} == {row[0] for row in logged}

    again = start_server(restored_url, tmp_path / "restored.log", GHEE_MEDIA_DIR=str(restored_media))
    try:
        assert httpx.get(f"{again.base_url}/media/{handle}").content == png("teal")
        listed = httpx.get(
            f"{again.base_url}/v1/projects/{project}/changelists",
            headers={"Authorization": f"Bearer {token}"},
            params={"limit": 1},
        )
        assert listed.status_code == 200, listed.text
    finally:
        again.stop()


def test_a_rendering_removed_while_the_backup_copies_media_is_skipped(tmp_path: Path) -> None:
    url, _ = make_database("sqlite", tmp_path)
    media = tmp_path / "media"
    (media / "originals").mkdir(parents=True)
    (media / "originals" / "a.png").write_bytes(png("teal"))
    renders = [media / "renders" / "a" / f"{n}.png" for n in range(3)]
    renders[0].parent.mkdir(parents=True)
    for each in renders:
        each.write_bytes(png("red"))

    def evict_every_rendering(line: str) -> None:  # as the render cache does to stay within its budget
        if line.startswith("media: 1 of"):
            for each in renders:
                each.unlink(missing_ok=True)

    files = backup(Settings(database_url=url, media_dir=str(media)), tmp_path / "copy.db", evict_every_rendering)
    copied = sorted(path.relative_to(files.media).as_posix() for path in files.media.rglob("*") if path.is_file())
    assert "originals/a.png" in copied
    assert len(copied) < 1 + len(renders)


def test_backup_defaults_to_a_dated_file_under_data_backups(live: tuple[Server, str, str], tmp_path: Path) -> None:
    server, _, _ = live
    taken = ghee("backup", database_url=server.database_url, media_dir=tmp_path / "media", cwd=tmp_path)
    assert taken.returncode == 0, taken.stderr
    made = list((tmp_path / "data" / "backups").glob("ghee-*.db"))
    assert len(made) == 1
    assert len(made[0].stem) == len("ghee-YYYYmmdd-HHMMSS")
    assert list(made[0].with_suffix(".media").rglob("*.png"))


def test_restore_refuses_a_database_a_server_holds_unless_forced(live: tuple[Server, str, str], tmp_path: Path) -> None:
    server, token, _ = live
    backup = tmp_path / "b.db"
    media = tmp_path / "media"
    assert ghee("backup", str(backup), database_url=server.database_url, media_dir=media, cwd=tmp_path).returncode == 0
    refused = ghee("restore", str(backup), database_url=server.database_url, media_dir=media, cwd=tmp_path)
    assert refused.returncode == 1
    assert "open in another process" in refused.stderr
    assert "--force" in refused.stderr
    forced = ghee("restore", "--force", str(backup), database_url=server.database_url, media_dir=media, cwd=tmp_path)
    assert forced.returncode == 0, forced.stderr
    answered = httpx.get(f"{server.base_url}/v1/projects", headers={"Authorization": f"Bearer {token}"})
    assert answered.status_code == 200


def test_restore_migrates_an_older_backup_to_the_newest_revision(tmp_path: Path) -> None:
    url, _ = make_empty_database("sqlite", tmp_path)

    async def migrate_to(revision: str, database_url: str) -> bool:
        engine = create_engine(database_url)
        try:
            await upgrade(engine, revision)
            return await is_current(engine)
        finally:
            await engine.dispose()

    assert not asyncio.run(migrate_to("0008", url))
    backup = tmp_path / "old.db"
    media = tmp_path / "media"
    assert ghee("backup", str(backup), database_url=url, media_dir=media, cwd=tmp_path).returncode == 0
    target = f"sqlite:///{tmp_path / 'new.db'}"
    restored = ghee("restore", str(backup), database_url=target, media_dir=media, cwd=tmp_path)
    assert restored.returncode == 0, restored.stderr
    assert "schema revision 0008" in restored.stdout
    assert asyncio.run(migrate_to("head", target))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not a database at all, just some words" * 100, "is not an SQLite database"),
        (None, "is not a ghee database"),
    ],
)
def test_restore_refuses_what_is_not_a_ghee_backup(content: bytes | None, message: str, tmp_path: Path) -> None:
    backup = tmp_path / "odd.db"
    if content is None:
        with closing(sqlite3.connect(backup)) as conn:
            conn.execute("CREATE TABLE notes (body TEXT)")
    else:
        backup.write_bytes(content)
    target = f"sqlite:///{tmp_path / 'ghee.db'}"
    refused = ghee("restore", str(backup), database_url=target, media_dir=tmp_path / "media", cwd=tmp_path)
    assert refused.returncode == 1
    assert message in refused.stderr
    assert "Traceback" not in refused.stderr
    assert not (tmp_path / "ghee.db").exists()


def test_backup_on_postgresql_points_at_pg_dump(tmp_path: Path) -> None:
    url, drop = make_database("postgres", tmp_path)
    try:
        refused = ghee("backup", database_url=url, media_dir=tmp_path / "media", cwd=tmp_path)
    finally:
        drop()
    assert refused.returncode == 1
    assert "pg_dump" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_the_database_and_its_backups_are_their_owners_alone(tmp_path: Path) -> None:
    database = tmp_path / "data" / "ghee.db"
    url, media = f"sqlite:///{database}", tmp_path / "media"
    database.parent.mkdir()  # ghee migrate makes the file, not the folder a URL names
    made = ghee("migrate", database_url=url, media_dir=media, cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    assert stat.S_IMODE(database.stat().st_mode) == 0o600
    (database.parent / "secret.key").write_bytes(b"k" * 44)  # the key an installation keeps beside its database
    backup = tmp_path / "backups" / "private.db"
    taken = ghee("backup", str(backup), database_url=url, media_dir=media, cwd=tmp_path)
    assert taken.returncode == 0, taken.stderr
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    # The key travels beside the copy only with a loud warning to keep it apart.
    assert "WARNING" in taken.stderr
    assert "store it apart from the backup" in taken.stderr
    restored = tmp_path / "restored" / "ghee.db"
    done = ghee("restore", str(backup), database_url=f"sqlite:///{restored}", media_dir=tmp_path / "m2", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(restored.stat().st_mode) == 0o600
