"""The long-lived objects of a running app: the database, the rate limiter, the kept answers, the renderer."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request
from litestar.datastructures import State

from ghee.config import Settings
from ghee.core.media_renders import Renderer
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
    renders: Renderer
    """Renderings of uploaded images, on threads of their own (see ``ghee.core.media_renders``)."""


def services_of(state: State) -> Services:
    """The services of the app whose state this is."""
    services: Services = state.services
    return services


def provide_db(request: Request[Any, Any, Any]) -> Database:
    """The app's database, for a handler that writes (``async with db.write() as work:``)."""
    return services_of(request.app.state).db
