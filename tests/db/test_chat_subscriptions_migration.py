"""Migration 0024: subscriptions made before are standard ones with no rules; down again drops the chat ones only."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from ghee.db.engine import create_engine
from ghee.db.migrate import upgrade
from tests.support.databases import downgrade, make_empty_database, migrate
from tests.support.services import run_async

NOW = datetime(2026, 12, 4, tzinfo=UTC).replace(tzinfo=None)
_INSERT = (
    "INSERT INTO webhook_subscriptions (url, event_types, headers, secret, description, active, created_at, updated_at)"
    " VALUES (:url, :event_types, '{}', 'sealed', '', :active, :created_at, :updated_at)"
)


async def _at_0022_with_a_subscription(url: str) -> None:
    engine = create_engine(url)
    try:
        await upgrade(engine, "0023")
        async with engine.begin() as conn:
            row = {"url": "https://hooks.example.com/old", "event_types": json.dumps(["*"]), "active": True}
            await conn.execute(sa.text(_INSERT), {**row, "created_at": NOW, "updated_at": NOW})
    finally:
        await engine.dispose()


async def _run(url: str, sql: str, params: dict[str, object] | None = None) -> list[tuple[object, ...]]:
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            result = await conn.execute(sa.text(sql), params or {})
            return [tuple(row) for row in result] if result.returns_rows else []
    finally:
        await engine.dispose()


_COLUMNS = "SELECT url, format, projects, branches, quiet_minutes FROM webhook_subscriptions"
_CHAT = (
    "INSERT INTO webhook_subscriptions (url, event_types, headers, secret, description, active, created_at,"
    " updated_at, format, quiet_minutes) VALUES (:url, '[\"build.*\"]', '{}', :secret, '', :active, :at, :at,"
    " 'slack', 30)"
)


def test_old_subscriptions_stay_standard_and_a_downgrade_drops_only_chat_ones(backend: str, tmp_path: Path) -> None:
    url, drop = make_empty_database(backend, tmp_path)
    try:
        run_async(lambda: _at_0022_with_a_subscription(url))
        migrate(url)
        assert run_async(lambda: _run(url, _COLUMNS)) == [("https://hooks.example.com/old", "standard", None, None, 0)]
        chat = {"url": "https://hooks.slack.com/…abcd", "secret": "s" * 2500, "active": True, "at": NOW}
        run_async(lambda: _run(url, _CHAT, chat))  # a sealed URL longer than 0022's 500 characters
        downgrade(url, "0023")
        assert run_async(lambda: _run(url, "SELECT url FROM webhook_subscriptions")) == [
            ("https://hooks.example.com/old",)
        ]
        migrate(url)
    finally:
        drop()
