"""``GET /v1/events``: the event log, filterable, read with a cursor so a client can catch up after downtime."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec
from litestar import get

from ghee.clock import iso
from ghee.core import events
from ghee.core.projects import project_public_id
from ghee.dialects.butterstack.routes import _ERRORS
from ghee.http.auth import ApiRequest
from ghee.http.pagination import Limit


class ButterstackEvent(msgspec.Struct):
    id: str
    type: str
    resource_type: str
    resource_id: str
    project_id: str | None
    data: dict[str, Any]
    created_at: str


class EventList(msgspec.Struct):
    events: list[ButterstackEvent]
    limit: int
    has_more: bool
    next_cursor: str | None


def event_shape(event: events.Event) -> ButterstackEvent:
    return ButterstackEvent(
        id=event.public_id,
        type=event.type,
        resource_type=event.resource_type,
        resource_id=event.resource_id,
        project_id=project_public_id(event.project_id) if event.project_id is not None else None,
        data=event.payload,
        created_at=iso(event.created_at) or "",
    )


@get("/events", responses=_ERRORS)
async def list_events(  # noqa: PLR0913 (one parameter per documented query argument)
    request: ApiRequest,
    type: str | None = None,
    resource_type: str | None = None,
    resource: str | None = None,
    since: datetime | None = None,
    cursor: str | None = None,
    limit: Limit = 50,
) -> EventList:
    """The event log, oldest first (admin tokens not bound to a project: see ``ghee.dialects.butterstack``).

    ``type`` takes wildcards (``build.*``, ``post.all``); pass the previous
    page's ``next_cursor`` as ``cursor`` to read on from there.
    """
    filters = events.EventFilter(type=type, resource_type=resource_type, resource_id=resource, since=since)
    page = await events.list_events(request.reads, filters, cursor, limit)
    return EventList([event_shape(e) for e in page.items], limit, page.has_more, page.cursor)


HANDLERS = [list_events]
