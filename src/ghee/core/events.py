"""The outbox: every write records what happened in the same transaction."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec
from sqlalchemy.ext.asyncio import AsyncConnection

from ghee.clock import utcnow
from ghee.db.tables import events


async def record_event(  # noqa: PLR0913 (every field of an event is named at the call)
    conn: AsyncConnection,
    event_type: str,
    *,
    resource_type: str,
    resource_id: str,
    project_id: int | None,
    payload: dict[str, Any],
) -> None:
    """Append one event (``build.created``, ``deployment.live`` ...) to the outbox.

    Call it inside the transaction that makes the change, so the event exists
    exactly when the change does.
    """
    await conn.execute(
        events.insert().values(
            type=event_type,
            resource_type=resource_type,
            resource_id=resource_id,
            project_id=project_id,
            payload=payload,
            created_at=utcnow(),
        )
    )


class NewEvent(msgspec.Struct, frozen=True):
    """One event for ``record_events``: the fields ``record_event`` takes."""

    type: str
    resource_type: str
    resource_id: str
    project_id: int | None
    payload: dict[str, Any]


async def record_events(conn: AsyncConnection, happened: Sequence[NewEvent]) -> None:
    """Append many events in one statement (a sync pass writes thousands); same rules as ``record_event``."""
    if not happened:
        return
    now = utcnow()
    await conn.execute(
        events.insert(),
        [
            {
                "type": e.type,
                "resource_type": e.resource_type,
                "resource_id": e.resource_id,
                "project_id": e.project_id,
                "payload": e.payload,
                "created_at": now,
            }
            for e in happened
        ],
    )
