"""Drafts, publication, scheduling and revisions of entries (pages, collection items, content fields).

The rules are the posts' (``ghee.core.blog.writing``): an entry never
published is its own draft; a live entry written with ``status: "draft"``
keeps answering its live version while the change goes to its working draft
(``content_entries.draft``); written with ``status: "published"`` its working
draft and the change go live together; written without a status it changes
live. ``scheduled`` saves a draft the worker publishes then.

Events follow seed 004: ``<kind>.create`` when an entry first goes live,
``<kind>.update`` when a live one changes, ``<kind>.delete`` when a live one is
deleted; drafts send ``draft.saved`` / ``draft.deleted``. Every publication
keeps a revision of all the entry's locales.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import msgspec
import sqlalchemy as sa

from ghee.clock import iso, utcnow
from ghee.core.content.entries import (
    DEFAULT_LOCALE,
    Entry,
    Status,
    WorkingDraft,
    decode_draft,
    encode_draft,
    store_values,
    stored_values,
    update_entry,
)
from ghee.core.content.fields import Values
from ghee.core.events import record_event
from ghee.core.inputs import check_moment
from ghee.core.revisions import RevisionKind, get_revision, keep_revision
from ghee.db.database import Write
from ghee.db.reads import Reads
from ghee.db.tables import content_entries as entries
from ghee.db.tables import content_values
from ghee.errors import NotFound

Outcome = Literal["went_live", "live_changed", "draft_saved"]
_DECODE = msgspec.json.Decoder(dict[str, object])
_ONE_LOCALE = sa.select(content_values.c.fields).where(
    content_values.c.entry_id == sa.bindparam("id"), content_values.c.locale == sa.bindparam("locale")
)
Check = Callable[[Values, str], Values]
"""Checks one locale's whole set of values against the entry's schema; returns them as stored."""


@dataclass(frozen=True, slots=True)
class EntryChange:
    """A write of an entry: a new name and status, values in one locale (merged, or replacing), a schedule."""

    name: str | None = None
    status: Status | None = None
    locale: str = DEFAULT_LOCALE
    values: Values | None = None
    replace: bool = False
    scheduled: datetime | None = None


class _Row(msgspec.Struct, frozen=True):
    kind: str
    scope: str
    slug: str | None
    name: str
    status: str
    draft: str | None
    scheduled_at: datetime | None


_ROW = sa.select(
    entries.c.kind,
    entries.c.scope,
    entries.c.slug,
    entries.c.name,
    entries.c.status,
    entries.c.draft,
    entries.c.scheduled_at,
).where(entries.c.id == sa.bindparam("id"))


async def _locked(work: Write, entry_id: int) -> _Row:
    """The entry as stored, once this transaction holds its row (writers of one entry take turns).

    ``FOR UPDATE`` on PostgreSQL (SQLite has one writer at a time): a draft's save leaves ``updated`` alone.
    """
    row = (await work.execute(_ROW.with_for_update(), {"id": entry_id})).first()
    if row is None:
        raise NotFound("entry", str(entry_id))
    kind, scope, slug, name, status, draft, scheduled_at = row
    return _Row(kind, scope, slug, name, status, draft, scheduled_at)


def _schedule(change: EntryChange) -> dict[str, Any]:
    if change.scheduled is not None:
        return {"scheduled_at": check_moment("scheduled", change.scheduled)}
    return {"scheduled_at": None} if change.status is not None else {}


async def _values_in(work: Write, entry_id: int, draft: WorkingDraft, locale: str) -> Values:
    """The values a change of ``locale`` starts from: the working draft's, else the live ones."""
    if locale in draft.values:
        return dict(draft.values[locale])
    return await stored_values(work, entry_id, locale) or {}


async def editing_values(reads: Reads, entry_id: int, locale: str) -> Values:
    """The values an editor shows for exactly ``locale``: the working draft's if it holds them, else the live ones."""
    row = await reads.first(sa.select(entries.c.draft).where(entries.c.id == sa.bindparam("id")), {"id": entry_id})
    draft = decode_draft(row[0] if row else None)
    if locale in draft.values:
        return dict(draft.values[locale])
    stored = await reads.first(_ONE_LOCALE, {"id": entry_id, "locale": locale})
    return {} if stored is None else _DECODE.decode(stored[0])


async def change_entry(  # noqa: PLR0913 (the entry, the change, its check and who makes it)
    work: Write, kind: RevisionKind, entry_id: int, change: EntryChange, check: Check, editor: str = ""
) -> Outcome:
    """Apply ``change`` to entry ``entry_id`` as the module's rules say; returns what happened (for its event).

    Raises ``Invalid`` (from ``check``) for values off the schema.
    """
    row = await _locked(work, entry_id)
    target = "draft" if change.scheduled is not None else change.status
    schedule = _schedule(change)
    live = row.status == "published"
    if live and target is not None:
        draft = decode_draft(row.draft)
        values = dict(draft.values)
        if change.values is not None:
            base = {} if change.replace else await _values_in(work, entry_id, draft, change.locale)
            values[change.locale] = check({**base, **change.values}, change.locale)
        draft = WorkingDraft(change.name if change.name is not None else draft.name, values)
        if target == "draft":
            await work.execute(
                entries.update().where(entries.c.id == entry_id).values(draft=encode_draft(draft), **schedule)
            )
            return "draft_saved"
        await _apply(work, entry_id, draft)
        live_now = {"draft": None, "scheduled_at": None, "updated_at": utcnow()}
        await work.execute(entries.update().where(entries.c.id == entry_id).values(**live_now))
        await keep_revision(work, kind, entry_id, editor, await snapshot(work, entry_id))
        return "live_changed"
    first_time = not live and target == "published"
    await update_entry(work, entry_id, name=change.name, status="published" if first_time else None)
    if change.values is not None:
        base = {} if change.replace else (await stored_values(work, entry_id, change.locale) or {})
        await store_values(work, entry_id, change.locale, check({**base, **change.values}, change.locale))
    if schedule:
        await work.execute(entries.update().where(entries.c.id == entry_id).values(**schedule))
    if not (live or first_time):
        return "draft_saved"
    await keep_revision(work, kind, entry_id, editor, await snapshot(work, entry_id))
    return "went_live" if first_time else "live_changed"


async def created(  # noqa: PLR0913 (the new entry, its status, schedule and who made it)
    work: Write, kind: RevisionKind, entry_id: int, status: Status, scheduled: datetime | None = None, editor: str = ""
) -> Outcome:
    """What creating entry ``entry_id`` with ``status`` did: it went live (its first revision), or is a draft."""
    if scheduled is not None:
        moment = check_moment("scheduled", scheduled)
        await work.execute(entries.update().where(entries.c.id == entry_id).values(scheduled_at=moment))
    if status != "published":
        return "draft_saved"
    await keep_revision(work, kind, entry_id, editor, await snapshot(work, entry_id))
    return "went_live"


async def _apply(work: Write, entry_id: int, draft: WorkingDraft) -> None:
    """Write a working draft over the entry's live name and values."""
    if draft.name is not None:
        await update_entry(work, entry_id, name=draft.name, status=None)
    for locale, values in draft.values.items():
        await store_values(work, entry_id, locale, values)


_ALL_VALUES = sa.select(content_values.c.locale, content_values.c.fields).where(
    content_values.c.entry_id == sa.bindparam("id")
)


async def snapshot(reads: Reads, entry_id: int) -> dict[str, Any]:
    """The entry's live name and values in every locale, as a revision keeps them."""
    name = await reads.first(sa.select(entries.c.name).where(entries.c.id == sa.bindparam("id")), {"id": entry_id})
    values = {locale: _DECODE.decode(fields) for locale, fields in await reads.all(_ALL_VALUES, {"id": entry_id})}
    return {"name": name[0] if name else "", "values": dict(sorted(values.items()))}


async def restore_revision(work: Write, kind: RevisionKind, entry_id: int, number: int) -> Outcome:
    """Make revision ``number`` the entry's working draft (its own content, if never published).

    Raises ``NotFound`` for an unknown revision.
    """
    revision = await get_revision(work, kind, entry_id, number)
    kept = WorkingDraft(revision.snapshot.get("name"), revision.snapshot.get("values", {}))
    row = await _locked(work, entry_id)
    if row.status == "published":
        await work.execute(entries.update().where(entries.c.id == entry_id).values(draft=encode_draft(kept)))
    else:
        await _apply(work, entry_id, kept)
    return "draft_saved"


async def publish_entry(work: Write, kind: RevisionKind, entry_id: int, editor: str = "") -> Outcome:
    """Publish an entry: a draft goes live, a live entry's working draft replaces its live version."""
    return await change_entry(work, kind, entry_id, EntryChange(status="published"), _unchecked, editor)


def _unchecked(values: Values, _locale: str) -> Values:
    return values  # publishing writes values already checked when they were drafted


# Events


_FAMILIES: dict[str, str] = {"page": "page", "item": "collectionitem", "field": "contentfield"}


async def announce(
    work: Write, kind: RevisionKind, entry_id: int, outcome: Outcome | Literal["deleted"], locale: str = DEFAULT_LOCALE
) -> None:
    """Record the event of what a write did to an entry: its kind's create/update/delete, or a draft's."""
    row = (await work.execute(_ROW, {"id": entry_id})).first()
    if row is None:  # deleted: the caller passes the kind's delete only for a live entry
        return
    await _record(work, kind, entry_id, _Row(*row), outcome, locale)


async def announce_deleted(work: Write, kind: RevisionKind, entry: Entry) -> None:
    """Record the deletion of ``entry``: ``<kind>.delete`` if it was live, else ``draft.deleted``."""
    gone = _Row(kind, entry.scope, entry.slug, entry.name, entry.status, None, None)
    await _record(work, kind, entry.id, gone, "deleted", DEFAULT_LOCALE)


async def _record(  # noqa: PLR0913 (what the event says, named at the call)
    work: Write, kind: RevisionKind, entry_id: int, row: _Row, outcome: Outcome | Literal["deleted"], locale: str
) -> None:
    family = _FAMILIES[kind]
    public_id: object = entry_id if kind == "item" else row.slug
    resource_id = str(entry_id) if kind in ("page", "item") else (row.slug or "")[:80]
    if outcome == "draft_saved" or (outcome == "deleted" and row.status != "published"):
        event = "draft.saved" if outcome == "draft_saved" else "draft.deleted"
        payload: dict[str, Any] = {"type": family, "id": public_id, "live": row.status == "published"}
        payload["scheduled"] = iso(row.scheduled_at)
    else:
        action = {"went_live": "create", "live_changed": "update", "deleted": "delete"}[outcome]
        event = f"{family}.{'update' if kind == 'field' else action}"
        payload = {"id": public_id, "status": row.status}
    if kind == "page":
        payload["page_type"] = row.scope
    elif kind == "item":
        payload["collection"] = row.scope
    payload["locale"] = locale or None
    await record_event(work, event, resource_type=family, resource_id=resource_id, project_id=None, payload=payload)


# Scheduled publication

_DUE = (
    sa.select(entries.c.id)
    .where(entries.c.scheduled_at <= sa.bindparam("now"))
    .order_by(entries.c.scheduled_at, entries.c.id)
    .limit(sa.bindparam("limit"))
)


async def due_entries(reads: Reads, now: datetime, limit: int = 100) -> list[int]:
    """Ids of entries whose scheduled time has come, the longest due first."""
    return [row[0] for row in await reads.all(_DUE, {"now": now, "limit": limit})]


async def publish_scheduled(work: Write, entry_id: int, now: datetime) -> bool:
    """Publish entry ``entry_id`` if it is still due (another worker may have done it); clears its schedule."""
    claimed = await work.execute(
        entries.update().where(entries.c.id == entry_id, entries.c.scheduled_at <= now).values(scheduled_at=None)
    )
    if claimed.rowcount != 1:
        return False
    kind: RevisionKind = await work.scalar(sa.select(entries.c.kind).where(entries.c.id == entry_id)) or "page"
    outcome = await publish_entry(work, kind, entry_id, "schedule")
    await announce(work, kind, entry_id, outcome)
    return True


async def cancel_schedule(work: Write, entry_id: int) -> None:
    """Clear entry ``entry_id``'s schedule."""
    await work.execute(entries.update().where(entries.c.id == entry_id).values(scheduled_at=None))
