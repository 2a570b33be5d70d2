"""Migration 0019 seals the webhook secrets and header values stored before, with the installation's key."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet
from sqlalchemy.engine import make_url

from ghee.db.engine import create_engine
from ghee.db.migrate import upgrade
from ghee.db.sealing import KEY_FILE_NAME, Sealer
from ghee.db.tables import webhook_subscriptions
from tests.support.databases import downgrade, make_empty_database, migrate
from tests.support.services import run_async

NOW = datetime(2026, 12, 1, tzinfo=UTC).replace(tzinfo=None)
SECRET = "whsec_" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0NTY3ODkwMTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTI="
HEADERS = {"Authorization": "Bearer legacy-credential-81f0", "X-Studio": "north"}


async def _stored(url: str) -> tuple[dict[str, str], str]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            columns = (webhook_subscriptions.c.headers, webhook_subscriptions.c.secret)
            [(headers, secret)] = (await conn.execute(sa.select(*columns))).all()
            return (json.loads(headers) if isinstance(headers, str) else headers), secret
    finally:
        await engine.dispose()


async def _at_0018_with_a_plain_subscription(url: str) -> None:
    engine = create_engine(url)
    try:
        await upgrade(engine, "0018")
        async with engine.begin() as conn:
            row = {
                "url": "https://hooks.example.com/ghee",
                "event_types": json.dumps(["*"]),
                "headers": json.dumps(HEADERS),
                "secret": SECRET,
                "description": "",
                "active": True,
                "created_at": NOW,
                "updated_at": NOW,
            }
            await conn.execute(sa.text(_INSERT), row)
    finally:
        await engine.dispose()


_INSERT = (
    "INSERT INTO webhook_subscriptions (url, event_types, headers, secret, description, active, created_at, updated_at)"
    " VALUES (:url, :event_types, :headers, :secret, :description, :active, :created_at, :updated_at)"
)


def test_stored_secrets_are_sealed_with_the_key_and_opened_again_on_downgrade(
    backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = Fernet.generate_key()
    monkeypatch.setenv("GHEE_SECRET_KEY", key.decode())
    url, drop = make_empty_database(backend, tmp_path)
    try:
        run_async(lambda: _at_0018_with_a_plain_subscription(url))
        migrate(url)
        headers, secret = run_async(lambda: _stored(url))
        sealer = Sealer(key)
        assert set(headers) == set(HEADERS)
        assert SECRET not in secret
        assert all(value not in json.dumps(headers) for value in HEADERS.values())
        assert sealer.open(secret) == SECRET
        assert {name: sealer.open(value) for name, value in headers.items()} == HEADERS
        downgrade(url, "0018")
        assert run_async(lambda: _stored(url)) == (HEADERS, SECRET)
    finally:
        drop()


def test_a_database_without_subscriptions_is_migrated_without_making_a_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GHEE_SECRET_KEY", raising=False)
    monkeypatch.delenv("GHEE_SECRET_KEY_FILE", raising=False)
    url, drop = make_empty_database("sqlite", tmp_path)
    try:
        migrate(url)
        database: Any = make_url(url).database
        assert not (Path(database).parent / KEY_FILE_NAME).exists()
    finally:
        drop()
