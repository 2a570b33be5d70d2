"""Migration 0023 gives tokens an expiry: tokens made before it never expire, and it goes back down cleanly."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from ghee.db.engine import create_engine
from tests.support.databases import downgrade, make_empty_database, migrate
from tests.support.services import run_async

NOW = datetime(2026, 12, 1, tzinfo=UTC).replace(tzinfo=None)


def _run(url: str, sql: str) -> list[tuple[object, ...]]:
    async def run() -> list[tuple[object, ...]]:
        engine = create_engine(url)
        try:
            async with engine.begin() as conn:
                result = await conn.execute(sa.text(sql), {"now": NOW})
                return [tuple(row) for row in result] if result.returns_rows else []
        finally:
            await engine.dispose()

    return run_async(run)


def _columns(url: str) -> set[str]:
    async def run() -> set[str]:
        engine = create_engine(url)
        try:
            async with engine.connect() as conn:
                found = await conn.run_sync(lambda sync: sa.inspect(sync).get_columns("tokens"))
                return {column["name"] for column in found}
        finally:
            await engine.dispose()

    return run_async(run)


def test_tokens_made_before_expiry_existed_never_expire(backend: str, tmp_path: Path) -> None:
    url, drop = make_empty_database(backend, tmp_path)
    try:
        migrate(url, "0022")
        _run(
            url,
            "INSERT INTO tokens (name, token_hash, prefix, scope, created_at) "
            "VALUES ('old', 'h1', 'ghee_abcdefg', 'read', :now)",
        )
        migrate(url)
        assert _run(url, "SELECT name, expires_at FROM tokens") == [("old", None)]
        downgrade(url, "0022")
        assert "expires_at" not in _columns(url)
        assert _run(url, "SELECT name FROM tokens") == [("old",)]
    finally:
        drop()
