"""Is this process ready to serve: the database reachable, Redis too when configured, the schema current."""

from __future__ import annotations

import asyncio
from functools import lru_cache

import msgspec
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from ghee.db.migrate import alembic_config
from ghee.http.ratelimit import RateLimiter

CHECK_TIMEOUT = 3.0
"""Seconds a check may take before it counts as failed."""


class Check(msgspec.Struct, frozen=True, omit_defaults=True):
    """One readiness check: its name, whether it passed, and why not."""

    name: str
    ok: bool
    detail: str | None = None


class Readiness(msgspec.Struct, frozen=True):
    """Every check; the process is ready when all passed."""

    ready: bool
    checks: list[Check]


@lru_cache(maxsize=1)
def migration_head() -> str | None:
    """The newest revision among ghee's migration scripts (read once: the scripts do not change)."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def _current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


async def check_database(engine: AsyncEngine) -> list[Check]:
    """The database check, and the migrations check that needs it."""
    try:
        async with asyncio.timeout(CHECK_TIMEOUT), engine.connect() as conn:
            current = await conn.run_sync(_current_revision)
    except (OSError, TimeoutError, SQLAlchemyError) as exc:
        reason = f"unreachable: {type(exc).__name__}"
        return [Check("database", ok=False, detail=reason), Check("migrations", ok=False, detail="database " + reason)]
    head = migration_head()
    if current != head:
        return [Check("database", ok=True), Check("migrations", ok=False, detail=f"at {current}, newest is {head}")]
    return [Check("database", ok=True), Check("migrations", ok=True, detail=f"at {head}")]


async def check_redis(limiter: RateLimiter) -> Check:
    """Whether the rate limiter's Redis answers a PING."""
    try:
        async with asyncio.timeout(CHECK_TIMEOUT):
            ok = await limiter.storage_reachable()
    except (OSError, TimeoutError) as exc:
        return Check("redis", ok=False, detail=f"unreachable: {type(exc).__name__}")
    return Check("redis", ok=True) if ok else Check("redis", ok=False, detail="unreachable")


async def readiness(engine: AsyncEngine, limiter: RateLimiter, *, redis: bool) -> Readiness:
    """Run the checks (Redis only when ``redis``) side by side."""
    if redis:
        database, redis_check = await asyncio.gather(check_database(engine), check_redis(limiter))
        checks = [*database, redis_check]
    else:
        checks = await check_database(engine)
    return Readiness(ready=all(check.ok for check in checks), checks=checks)
