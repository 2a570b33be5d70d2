"""The outbox: every write records what happened in the same transaction, and the log of it can be read back."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import cache
from typing import Any

import msgspec
import sqlalchemy as sa

from ghee import ids
from ghee.clock import utcnow
from ghee.core.event_types import check_pattern, type_prefix
from ghee.core.inputs import check_filter, check_moment
from ghee.db.database import Write
from ghee.db.reads import Reads, Row, as_datetime
from ghee.db.tables import event_queue, events
from ghee.errors import Invalid, NotFound

EVENTS_CHANNEL = "ghee_events"
"""What a unit that records events announces (``Write.announce``): the webhooks loop wakes at its commit."""


async def record_event(  # noqa: PLR0913 (every field of an event is named at the call)
    work: Write,
    event_type: str,
    *,
    resource_type: str,
    resource_id: str,
    project_id: int | None,
    payload: dict[str, Any],
) -> None:
    """Append one event (``build.created``, ``deployment.live`` ...) to the outbox.

    Call it inside the transaction that makes the change, so the event exists
    exactly when the change does. The event is also queued for its consumers
    (webhook fan-out, patch notes), which take it off the queue once handled.
    """
    await work.announce(EVENTS_CHANNEL)
    event_id = await work.scalar(
        events.insert()
        .values(
            type=event_type,
            resource_type=resource_type,
            resource_id=resource_id,
            project_id=project_id,
            payload=payload,
            created_at=utcnow(),
        )
        .returning(events.c.id)
    )
    await work.execute(event_queue.insert().values(event_id=event_id))


class NewEvent(msgspec.Struct, frozen=True):
    """One event for ``record_events``: the fields ``record_event`` takes."""

    type: str
    resource_type: str
    resource_id: str
    project_id: int | None
    payload: dict[str, Any]


async def record_events(work: Write, happened: Sequence[NewEvent]) -> None:
    """Append many events in one statement (a sync pass writes thousands); same rules as ``record_event``."""
    if not happened:
        return
    await work.announce(EVENTS_CHANNEL)
    now = utcnow()
    # The queue needs the ids, not which event got which: without asking for the
    # parameters' order, SQLite's RETURNING comes in batches instead of a statement per row.
    inserted = await work.execute(
        events.insert().returning(events.c.id),
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
    await work.execute(event_queue.insert(), [{"event_id": event_id} for event_id in inserted.scalars()])


class Event(msgspec.Struct, frozen=True):
    """One recorded event."""

    id: int
    type: str
    resource_type: str
    resource_id: str
    project_id: int | None
    payload: dict[str, Any]
    created_at: datetime

    @property
    def public_id(self) -> str:
        """``evt_...``; also the cursor that resumes the log after this event."""
        return ids.encode("evt", self.id)


class EventFilter(msgspec.Struct, frozen=True):
    """Filters of the event log; ``None`` means no filter."""

    type: str | None = None
    """An event type or a wildcard (``build.*``, ``post.all``, ``*``)."""
    resource_type: str | None = None
    resource_id: str | None = None
    since: datetime | None = None
    """Only events recorded at or after this moment."""


class EventPage(msgspec.Struct, frozen=True):
    """Events in log order, and the cursor to ask for the ones after them."""

    items: list[Event]
    has_more: bool
    cursor: str | None
    """The ``evt_...`` id of the last event returned, or the cursor given when none were."""


# The oldest transaction still running in this database, as a 64-bit id like
# ``pg_current_xact_id()`` (pg_stat_activity shows 32-bit ids: the current
# epoch is put back, one less if that id is from before the last wrap), or the
# next id to be given when none runs. Transactions of other databases on the
# same server do not hold the log back.
_HORIZON = sa.text(
    """(
    WITH next AS (SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint AS id)
    SELECT coalesce(min(
        ((next.id >> 32) << 32) + running.backend_xid::text::bigint
        - CASE WHEN ((next.id >> 32) << 32) + running.backend_xid::text::bigint > next.id THEN 4294967296 ELSE 0 END
    ), min(next.id))
    FROM next LEFT JOIN pg_stat_activity AS running
      ON running.datname = current_database() AND running.backend_xid IS NOT NULL
)"""
)

EVENT_COLUMNS = [events.c[name] for name in Event.__struct_fields__]
"""The columns behind ``Event``, in its order."""


def _event(row: Row) -> Event:
    row_id, event_type, resource_type, resource_id, project_id, payload, created_at = row
    if isinstance(payload, str):  # JSON text on the fast path
        payload = _PAYLOAD.decode(payload)
    return Event(row_id, event_type, resource_type, resource_id, project_id, payload, as_datetime(created_at))  # type: ignore[arg-type]


_PAYLOAD = msgspec.json.Decoder(dict[str, Any])


def _filter_params(filters: EventFilter) -> dict[str, object]:
    """The statement parameters of ``filters``, checked; each names the condition ``_where`` adds for it.

    Raises ``Invalid`` for an unknown type pattern or a filter holding a NUL character.
    """
    params: dict[str, object] = {}
    if filters.type is not None:
        prefix, is_wildcard = type_prefix(check_pattern(filters.type, "type"))
        if is_wildcard and prefix:
            params["type_pattern"] = prefix + "%"  # a family name: letters only, nothing to escape
        elif not is_wildcard:
            params["type"] = prefix
    if filters.resource_type is not None:
        params["resource_type"] = check_filter("resource_type", filters.resource_type)
    if filters.resource_id is not None:
        params["resource_id"] = check_filter("resource", filters.resource_id)
    if filters.since is not None:
        params["since"] = check_moment("since", filters.since)
    return params


def _where(query: sa.Select[Any], filtered: frozenset[str]) -> sa.Select[Any]:
    """``query`` with the condition of each parameter in ``filtered`` (from ``_filter_params``)."""
    if "type" in filtered:
        query = query.where(events.c.type == sa.bindparam("type"))
    if "type_pattern" in filtered:
        query = query.where(events.c.type.like(sa.bindparam("type_pattern")))
    if "resource_type" in filtered:
        query = query.where(events.c.resource_type == sa.bindparam("resource_type"))
    if "resource_id" in filtered:
        query = query.where(events.c.resource_id == sa.bindparam("resource_id"))
    if "since" in filtered:
        query = query.where(events.c.created_at >= sa.bindparam("since", type_=sa.DateTime()))
    return query


@cache
def _log_statement(by_transaction: bool, after: bool, filtered: frozenset[str]) -> sa.Select[Any]:
    """A page of the log in order, for one combination of filters (see ``list_events``)."""
    query = sa.select(*EVENT_COLUMNS)
    if by_transaction:
        query = query.where(events.c.txid < _HORIZON)
        if after:
            cursor = sa.tuple_(sa.bindparam("after_txid", type_=sa.BigInteger()), sa.bindparam("after"))
            query = query.where(sa.tuple_(events.c.txid, events.c.id) > cursor)
        query = query.order_by(events.c.txid, events.c.id)
    else:
        if after:
            query = query.where(events.c.id > sa.bindparam("after"))
        query = query.order_by(events.c.id)
    return _where(query, filtered).limit(sa.bindparam("limit"))


_TXID = sa.select(events.c.txid).where(events.c.id == sa.bindparam("event_id"))


async def list_events(reads: Reads, filters: EventFilter, after: str | None, limit: int) -> EventPage:
    """Events oldest first, after the cursor ``after`` (an ``evt_...`` id), matching ``filters``.

    Following the cursor never skips an event. SQLite has one writer, so
    events commit in id order. PostgreSQL commits concurrent transactions in
    any order, so there the log is read in (transaction id, id) order and only
    up to the oldest transaction still running in this database: an event
    whose transaction has not ended yet is held back, with every later one,
    until it does.

    Raises ``Invalid`` for an unknown type pattern, a malformed cursor or a
    filter holding a NUL character.
    """
    by_transaction = reads.dialect.name == "postgresql"
    cursor_params: dict[str, object] = {"limit": limit + 1}
    if after is not None:
        cursor_params["after"] = row_id = _cursor_row_id(after)
        if by_transaction:
            row = await reads.first(_TXID, {"event_id": row_id})
            if row is None or row[0] is None:
                raise Invalid("cursor", "must be an event id (evt_...) from an earlier page")
            cursor_params["after_txid"] = row[0]
    params = _filter_params(filters)
    statement = _log_statement(by_transaction, after is not None, frozenset(params))
    rows = await reads.all(statement, {**params, **cursor_params})
    items = [_event(row) for row in rows[:limit]]
    cursor = items[-1].public_id if items else after
    return EventPage(items=items, has_more=len(rows) > limit, cursor=cursor)


@cache
def _recent_statement(filtered: frozenset[str]) -> sa.Select[Any]:
    return _where(sa.select(*EVENT_COLUMNS), filtered).order_by(events.c.id.desc()).limit(sa.bindparam("limit"))


async def recent_events(reads: Reads, filters: EventFilter, limit: int) -> list[Event]:
    """The newest ``limit`` events matching ``filters``, newest first (a resource's history, not a feed to follow).

    Raises ``Invalid`` like ``list_events``.
    """
    params = _filter_params(filters)
    rows = await reads.all(_recent_statement(frozenset(params)), {**params, "limit": limit})
    return [_event(row) for row in rows]


def _cursor_row_id(cursor: str) -> int:
    try:
        return ids.decode("evt", cursor, "event")
    except NotFound as exc:
        raise Invalid("cursor", "must be an event id (evt_...) from an earlier page") from exc


_NEWEST_BY_TRANSACTION = (
    sa.select(events.c.id).where(events.c.txid < _HORIZON).order_by(events.c.txid.desc(), events.c.id.desc()).limit(1)
)
_NEWEST = sa.select(sa.func.max(events.c.id))


async def latest_cursor(reads: Reads) -> str | None:
    """The cursor of the newest readable event: following it from here gives only what happens next.

    ``None`` when the log holds no readable event yet (follow from the start).
    On PostgreSQL "readable" means below the oldest running transaction, as in
    ``list_events``, so an event still being written is not skipped.
    """
    by_transaction = reads.dialect.name == "postgresql"
    row = await reads.first(_NEWEST_BY_TRANSACTION if by_transaction else _NEWEST, {})
    return ids.encode("evt", row[0]) if row is not None and row[0] is not None else None
