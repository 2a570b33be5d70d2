"""``/live``: the shared event log as server-sent events, for pages that update without a reload."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import msgspec
from litestar import Request, get
from litestar.response import ServerSentEvent, ServerSentEventMessage
from sqlalchemy.ext.asyncio import AsyncEngine

from ghee.core.event_types import check_patterns, matches
from ghee.core.events import Event, EventFilter, latest_cursor, list_events
from ghee.core.users import User
from ghee.http.services import services_of

POLL_SECONDS = 0.5
HEARTBEAT_SECONDS = 15.0
_BATCH = 200
_MAX_TYPES_TEXT = 2000


def event_message(event: Event) -> ServerSentEventMessage:
    """One event as an SSE message: ``id:`` its cursor, ``data:`` its JSON (type included)."""
    data = msgspec.json.encode(
        {
            "id": event.public_id,
            "type": event.type,
            "resource_type": event.resource_type,
            "resource_id": event.resource_id,
            "payload": event.payload,
            "created_at": event.created_at,
        }
    ).decode()
    return ServerSentEventMessage(data=data, id=event.public_id)


async def follow(engine: AsyncEngine, patterns: list[str], after: str | None) -> AsyncIterator[ServerSentEventMessage]:
    """Events matching ``patterns`` after cursor ``after`` (``None``: from the start), as they are recorded.

    A comment is sent when nothing matched for ``HEARTBEAT_SECONDS``, so proxies keep the connection open.

    Reading the shared ``events`` table (not an in-process queue) makes this
    work whichever ``ghee serve`` process wrote the event.
    """
    quiet_since = time.monotonic()
    while True:
        async with engine.connect() as conn:
            page = await list_events(conn, EventFilter(), after, _BATCH)
        after = page.cursor
        for event in page.items:
            if matches(patterns, event.type):
                quiet_since = time.monotonic()
                yield event_message(event)
        if page.has_more:
            continue
        if time.monotonic() - quiet_since >= HEARTBEAT_SECONDS:
            quiet_since = time.monotonic()
            yield ServerSentEventMessage(data=None, comment="heartbeat")
        await asyncio.sleep(POLL_SECONDS)


@get("/live")
async def live(request: Request[Any, Any, Any], current_user: User, types: str = "*") -> ServerSentEvent:
    """``text/event-stream`` of the events whose type matches ``types`` (comma-separated, ``build.*``).

    Resumes after ``Last-Event-ID`` when the browser reconnects; otherwise
    starts with what happens next. Raises ``Invalid`` (a 400 page) for an
    unknown type pattern.
    """
    del current_user
    patterns = check_patterns([part for part in types[:_MAX_TYPES_TEXT].split(",") if part.strip()], "types")
    resume = request.headers.get("last-event-id") or None
    engine = services_of(request.app.state).engine
    # The starting point is fixed before the response starts, so an event
    # written once the client sees the headers is never missed; a malformed
    # or unknown cursor is refused now, as a 400 page.
    async with engine.connect() as conn:
        if resume is None:
            resume = await latest_cursor(conn)
        else:
            await list_events(conn, EventFilter(), resume, 1)
    return ServerSentEvent(follow(engine, patterns, resume), headers={"cache-control": "no-store"})


ROUTES = [live]
