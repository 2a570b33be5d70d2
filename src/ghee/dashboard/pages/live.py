"""``/live``: the shared event log as server-sent events, for pages that update without a reload."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from typing import Any

import msgspec
from litestar import Request, get
from litestar.response import ServerSentEvent, ServerSentEventMessage

from ghee.core.event_types import check_patterns, matches
from ghee.core.events import Event, EventFilter, latest_cursor, list_events
from ghee.dashboard.pages.live_signal import LogMoved
from ghee.db.database import Database
from ghee.db.reads import Reads
from ghee.http.services import services_of

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


async def follow(
    reads: Reads, moved: LogMoved, patterns: list[str], after: str | None
) -> AsyncIterator[ServerSentEventMessage]:
    """Events matching ``patterns`` after cursor ``after`` (``None``: from the start), as they are recorded.

    A comment is sent when nothing matched for ``HEARTBEAT_SECONDS``, so proxies keep the connection open.

    Reading the shared ``events`` table (not an in-process queue) makes this
    work whichever ``ghee serve`` process wrote the event; it is read again
    when ``moved`` says the log moved (see ``live_signal``), and at least
    every ``HEARTBEAT_SECONDS``.
    """
    quiet_since = time.monotonic()
    moved.listen()
    try:
        while True:
            next_move = moved.next_move()
            page = await list_events(reads, EventFilter(), after, _BATCH)
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
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(HEARTBEAT_SECONDS - (time.monotonic() - quiet_since)):
                    await next_move.wait()
    finally:
        moved.leave()


def log_moved(request: Request[Any, Any, Any]) -> LogMoved:
    """The process's one ``LogMoved``, made on the first ``/live`` request."""
    state = request.app.state
    moved: LogMoved | None = state.get("live_moved")
    if moved is None:
        moved = state.live_moved = LogMoved(services_of(state).db.read())
    return moved


@get("/live")
async def live(request: Request[Any, Any, Any], db: Database, types: str = "*") -> ServerSentEvent:
    """``text/event-stream`` of the events whose type matches ``types`` (comma-separated, ``build.*``).

    Resumes after ``Last-Event-ID`` when the browser reconnects; otherwise
    starts with what happens next. Raises ``Invalid`` (a 400 page) for an
    unknown type pattern.
    """
    patterns = check_patterns([part for part in types[:_MAX_TYPES_TEXT].split(",") if part.strip()], "types")
    resume = request.headers.get("last-event-id") or None
    # The starting point is fixed before the response starts, so an event
    # written once the client sees the headers is never missed; a malformed
    # or unknown cursor is refused now, as a 400 page.
    reads = db.read()
    if resume is None:
        resume = await latest_cursor(reads)
    else:
        await list_events(reads, EventFilter(), resume, 1)
    stream = follow(reads, log_moved(request), patterns, resume)
    return ServerSentEvent(stream, headers={"cache-control": "no-store"})


ROUTES = [live]
