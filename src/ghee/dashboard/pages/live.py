"""``/live``: the shared event log as server-sent events, for pages that update without a reload.

A stream sends what its user may read (``core.event_access``), live and when
resuming after ``Last-Event-ID``, and ends soon after its session does
(``live_signal``).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from typing import Any

import msgspec
from litestar import Request, get
from litestar.response import ServerSentEvent, ServerSentEventMessage

from ghee.core.event_access import readable_event
from ghee.core.event_types import check_patterns, matches
from ghee.core.events import Event, EventFilter, latest_cursor, list_events
from ghee.dashboard.pages.live_signal import LiveSignal, Opened
from ghee.dashboard.web import SignInRequired, session_of
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
    reads: Reads, signal: LiveSignal, opened: Opened, patterns: list[str], after: str | None
) -> AsyncIterator[ServerSentEventMessage]:
    """Events matching ``patterns`` after cursor ``after`` (``None``: from the start), as they are recorded.

    Only what the user may read is sent (``readable_event``; ``opened`` says
    whether they are an admin), and the stream ends once ``signal`` says the
    session it was opened with ended. A comment is sent when nothing matched
    for ``HEARTBEAT_SECONDS``, so proxies keep the connection open.

    Reading the shared ``events`` table (not an in-process queue) makes this
    work whichever ``ghee serve`` process wrote the event; it is read again
    when ``signal`` says the log moved (see ``live_signal``), and at least
    every ``HEARTBEAT_SECONDS``.
    """
    quiet_since = time.monotonic()
    signal.listen(opened)
    try:
        while True:
            next_move = signal.next_move()
            if signal.ended(opened):
                return
            page = await list_events(reads, EventFilter(), after, _BATCH)
            after = page.cursor
            for event in page.items:
                readable = readable_event(event, admin=opened[1])
                if readable is not None and matches(patterns, readable.type):
                    quiet_since = time.monotonic()
                    yield event_message(readable)
            if page.has_more:
                continue
            if time.monotonic() - quiet_since >= HEARTBEAT_SECONDS:
                quiet_since = time.monotonic()
                yield ServerSentEventMessage(data=None, comment="heartbeat")
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(HEARTBEAT_SECONDS - (time.monotonic() - quiet_since)):
                    await next_move.wait()
    finally:
        signal.leave(opened)


def live_signal(request: Request[Any, Any, Any]) -> LiveSignal:
    """The process's one ``LiveSignal``, made on the first ``/live`` request."""
    state = request.app.state
    signal: LiveSignal | None = state.get("live_signal")
    if signal is None:
        signal = state.live_signal = LiveSignal(services_of(state).db.read())
    return signal


@get("/live")
async def live(request: Request[Any, Any, Any], db: Database, types: str = "*") -> ServerSentEvent:
    """``text/event-stream`` of the events whose type matches ``types`` (comma-separated, ``build.*``).

    Resumes after ``Last-Event-ID`` when the browser reconnects; otherwise
    starts with what happens next. Sends only what the user may read, and
    ends when the session does (see ``follow``). Raises ``Invalid`` (a 400 page) for an
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
    session = session_of(request)
    if session is None:  # the router's guard lets no one in without a session
        raise SignInRequired(request.url.path)
    stream = follow(reads, live_signal(request), (session.id, session.user.is_admin), patterns, resume)
    return ServerSentEvent(stream, headers={"cache-control": "no-store"})


ROUTES = [live]
