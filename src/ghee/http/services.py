"""The long-lived objects of a running app: the engine, the rate limiter and the kept answers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import msgspec
from litestar import Request
from litestar.datastructures import State
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from ghee.config import Settings
from ghee.core.errors import Unavailable
from ghee.db.reads import Reads
from ghee.http.answers import Answers
from ghee.http.ratelimit import RateLimiter


class Services(msgspec.Struct, frozen=True):
    """Created in the app's lifespan, kept on ``app.state.services``."""

    settings: Settings
    engine: AsyncEngine
    reads: Reads
    """The fast read path (see ``ghee.db.reads``)."""
    limiter: RateLimiter
    answers: Answers
    """Reads answered from memory while the database is unchanged (see ``ghee.http.answers``)."""


def services_of(state: State) -> Services:
    """The services of the app whose state this is."""
    services: Services = state.services
    return services


async def provide_conn(request: Request[Any, Any, Any]) -> AsyncIterator[AsyncConnection]:
    """A database connection for one request; what is not committed is rolled back.

    Raises ``Unavailable`` when the database cannot be reached.
    """
    conn = services_of(request.app.state).engine.connect()
    try:
        await conn.start()
    except (OSError, TimeoutError, OperationalError, InterfaceError) as exc:
        raise Unavailable("database") from exc
    try:
        yield conn
    finally:
        await conn.close()
