"""The long-lived objects of a running app: the database, the rate limiter and the kept answers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import msgspec
from litestar import Request
from litestar.datastructures import State
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection

from ghee.config import Settings
from ghee.core.errors import Unavailable
from ghee.db.database import Database
from ghee.http.answers import Answers
from ghee.http.ratelimit import RateLimiter


class Services(msgspec.Struct, frozen=True):
    """Created in the app's lifespan, kept on ``app.state.services``."""

    settings: Settings
    db: Database
    """The one way in to the database (see ``ghee.db.database``)."""
    limiter: RateLimiter
    answers: Answers
    """Reads answered from memory while the database is unchanged (see ``ghee.http.answers``)."""


def services_of(state: State) -> Services:
    """The services of the app whose state this is."""
    services: Services = state.services
    return services


def provide_db(request: Request[Any, Any, Any]) -> Database:
    """The app's database, for a handler that writes (``async with db.write() as work:``)."""
    return services_of(request.app.state).db


async def provide_conn(request: Request[Any, Any, Any]) -> AsyncIterator[AsyncConnection]:
    """A database connection for one request; what is not committed is rolled back.

    Raises ``Unavailable`` when the database cannot be reached.
    """
    conn = services_of(request.app.state).db.engine.connect()
    try:
        await conn.start()
    except (OSError, TimeoutError, OperationalError, InterfaceError) as exc:
        raise Unavailable("database") from exc
    try:
        yield conn
    finally:
        await conn.close()
