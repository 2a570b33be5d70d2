"""Entries (pages, collection items, content fields) and their values per locale.

A list of entries is read whole, one statement for a page type or a
collection, then filtered, ordered and paged in Python: filters and ordering
apply to field values in the caller's locale after fallback, which SQL on two
databases' JSON dialects would make far more complex, and a page type or
collection holds hundreds of entries, not millions.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import msgspec
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from ghee.clock import utcnow
from ghee.core.content.fields import Values
from ghee.core.inputs import check_label
from ghee.core.inserts import insert_unless_taken
from ghee.db.database import Write
from ghee.db.functions import in_json_list, json_list
from ghee.db.reads import Reads, Row, as_datetime
from ghee.db.tables import content_entries as entries
from ghee.db.tables import content_values
from ghee.errors import Invalid

EntryKind = Literal["page", "item", "field"]
Status = Literal["draft", "published"]
DEFAULT_LOCALE = ""
_LOCALE = re.compile(r"[A-Za-z0-9_-]{1,20}")

_DECODE = msgspec.json.Decoder(dict[str, object])
_ENCODER = msgspec.json.Encoder()


def check_locale(locale: str | None) -> str:
    """The stored locale key for ``?locale=`` (``""``, the default, when absent); raises ``Invalid("locale")``."""
    if locale is None or locale == "":
        return DEFAULT_LOCALE
    if not _LOCALE.fullmatch(locale):
        raise Invalid("locale", "must be 1 to 20 letters, digits, '_' or '-'")
    return locale


@dataclass(frozen=True, slots=True)
class View:
    """How entries are read: in which locale, and whether drafts show (``preview=1``, ``test=1``).

    With ``drafts``, entries never published show, and a live entry's working
    draft shows over it (``ghee.core.content.publishing``); writers read
    entries as stored (``STORED``): drafts shown, working drafts not applied.
    """

    locale: str = DEFAULT_LOCALE
    drafts: bool = False
    working: bool = True

    @property
    def params(self) -> dict[str, object]:
        """The bind parameters every entry read takes."""
        return {
            "locale": self.locale,
            "hidden": "" if self.drafts else "draft",
            "working": self.drafts and self.working,
        }


@dataclass(frozen=True, slots=True)
class Entry:
    """One entry with its values in the locale read (the default locale's filling the gaps)."""

    id: int
    scope: str
    slug: str | None
    name: str
    status: str
    updated_at: datetime
    published_at: datetime | None
    values: Values
    scheduled_at: datetime | None = None
    """When the worker publishes it (its working draft, if it is live)."""
    has_draft: bool = False
    """A live entry with a working draft."""


STORED = View(drafts=True, working=False)
"""Entries as writers read them: drafts shown, live entries' working drafts not applied."""

_COLUMNS = (
    entries.c.id,
    entries.c.scope,
    entries.c.slug,
    entries.c.name,
    entries.c.status,
    entries.c.updated_at,
    entries.c.published_at,
    entries.c.scheduled_at,
    entries.c.draft.is_not(None),
    # The working draft's text only for a preview: other reads never carry it.
    sa.case((sa.bindparam("working", type_=sa.Boolean()), entries.c.draft)),
    content_values.c.locale,
    content_values.c.fields,
)
_KIND = (
    sa.select(*_COLUMNS)
    .join(content_values, content_values.c.entry_id == entries.c.id)
    .where(
        entries.c.kind == sa.bindparam("kind"),
        entries.c.status != sa.bindparam("hidden"),
        sa.or_(content_values.c.locale == DEFAULT_LOCALE, content_values.c.locale == sa.bindparam("locale")),
    )
    .order_by(entries.c.id, content_values.c.locale)
)
_SCOPE = _KIND.where(entries.c.scope == sa.bindparam("scope"))
_ONE = _SCOPE.where(entries.c.slug == sa.bindparam("slug"))
_BY_ID = _SCOPE.where(entries.c.id == sa.bindparam("entry_id"))


class WorkingDraft(msgspec.Struct, frozen=True):
    """A live entry's working draft: a new name, and new values by locale (each locale's whole set)."""

    name: str | None = None
    values: dict[str, Values] = {}


_WORKING = msgspec.json.Decoder(WorkingDraft)


def decode_draft(stored: str | bytes | None) -> WorkingDraft:
    """A working draft from its stored form (an empty one for ``NULL``)."""
    return WorkingDraft() if stored is None else _WORKING.decode(stored)


def encode_draft(draft: WorkingDraft) -> str:
    """The stored form of a working draft."""
    return _ENCODER.encode(draft).decode()


def _merge(rows: Sequence[Row], locale: str) -> list[Entry]:
    """Entries from rows ordered by id then locale: the default locale's values first, the translation over them.

    A working draft (read only for previews) replaces the live values of each locale it holds.
    """
    merged: list[Entry] = []
    draft: WorkingDraft | None = None
    for row in rows:
        (
            row_id,
            scope,
            slug,
            name,
            status,
            updated_at,
            published_at,
            scheduled_at,
            has_draft,
            working,
            row_locale,
            stored,
        ) = row
        if merged and merged[-1].id == row_id:
            if draft is None or row_locale not in draft.values:
                merged[-1].values.update(_DECODE.decode(stored))
            continue
        draft = decode_draft(working) if working is not None else None
        values = _DECODE.decode(stored) if draft is None or DEFAULT_LOCALE not in draft.values else {}
        if draft is not None:
            values.update(draft.values.get(DEFAULT_LOCALE, {}))
            if locale != DEFAULT_LOCALE:
                values.update(draft.values.get(locale, {}))
            name = draft.name if draft.name is not None else name
        merged.append(
            Entry(
                row_id,
                scope,
                slug,
                name,
                status,
                as_datetime(updated_at),  # type: ignore[arg-type]
                as_datetime(published_at),
                values,
                as_datetime(scheduled_at),
                bool(has_draft),
            )
        )
    return merged


async def read_scope(reads: Reads, kind: EntryKind, scope: str, view: View) -> list[Entry]:
    """Every entry of a page type or collection visible in ``view``, oldest first."""
    return _merge(await reads.all(_SCOPE, {"kind": kind, "scope": scope, **view.params}), view.locale)


async def read_kind(reads: Reads, kind: EntryKind, view: View) -> list[Entry]:
    """Every entry of a kind (every page, of every type) visible in ``view``, oldest first."""
    return _merge(await reads.all(_KIND, {"kind": kind, **view.params}), view.locale)


async def read_one(reads: Reads, kind: EntryKind, scope: str, slug: str, view: View) -> Entry | None:
    """The entry ``slug`` of ``scope`` visible in ``view``, or ``None``."""
    found = _merge(await reads.all(_ONE, {"kind": kind, "scope": scope, "slug": slug, **view.params}), view.locale)
    return found[0] if found else None


_SLUGS = _SCOPE.where(in_json_list(entries.c.slug, sa.bindparam("slugs")))


async def read_slugs(reads: Reads, kind: EntryKind, scope: str, slugs: list[str], view: View) -> dict[str, Entry]:
    """The entries among ``slugs`` of ``scope`` visible in ``view``, by slug, in one statement."""
    if not slugs:
        return {}
    params = {"kind": kind, "scope": scope, "slugs": json_list(slugs), **view.params}
    found = _merge(await reads.all(_SLUGS, params), view.locale)
    return {entry.slug: entry for entry in found if entry.slug is not None}


async def read_by_id(reads: Reads, kind: EntryKind, scope: str, entry_id: int, view: View) -> Entry | None:
    """The entry with row id ``entry_id`` of ``scope`` visible in ``view``, or ``None``."""
    params = {"kind": kind, "scope": scope, "entry_id": entry_id, **view.params}
    found = _merge(await reads.all(_BY_ID, params), view.locale)
    return found[0] if found else None


# Choosing, ordering and paging a scope's entries


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    return _ENCODER.encode(value).decode()


def matches(entry: Entry, filters: Sequence[tuple[str, str]]) -> bool:
    """Whether every ``(field key, value)`` filter holds: the field's value, or one item of a list, reads as it."""
    for key, wanted in filters:
        value = entry.values.get(key)
        candidates = value if isinstance(value, list) else [value]
        if not any(candidate is not None and _text(candidate) == wanted for candidate in candidates):
            return False
    return True


_ATTRIBUTES = {"slug", "name", "published", "updated"}


def _sort_key(entry: Entry, field: str) -> tuple[int, int, object]:
    value: object
    if field in _ATTRIBUTES and field not in entry.values:
        value = {
            "slug": entry.slug,
            "name": entry.name,
            "published": entry.published_at,
            "updated": entry.updated_at,
        }[field]
    else:
        value = entry.values.get(field)
    if value is None:
        return (1, 0, 0)  # missing values sort last ascending, first descending
    if isinstance(value, bool | int | float):
        return (0, 0, value)  # not float(): a JSON integer may be too large for one
    if isinstance(value, datetime):
        return (0, 1, value.isoformat())
    return (0, 1, _text(value).casefold())


def order_entries(found: list[Entry], order: str | None) -> list[Entry]:
    """``found`` ordered by a field (or ``slug``, ``name``, ``published``, ``updated``); ``-`` for descending."""
    if not order:
        return found
    field = order.removeprefix("-")
    return sorted(found, key=lambda entry: _sort_key(entry, field), reverse=order.startswith("-"))


@dataclass(frozen=True, slots=True)
class ListQuery:
    """What a list of pages or collection items asks for (``fields.<key>=`` filters, ``order``, a page, ``levels``)."""

    filters: tuple[tuple[str, str], ...] = ()
    order: str | None = None
    page: int = 1
    page_size: int = 10
    levels: int = 2


@dataclass(frozen=True, slots=True)
class PageOf:
    """One page of a list: its entries, how many there are in all, and the neighbouring page numbers."""

    items: list[Entry]
    count: int
    next_page: int | None
    previous_page: int | None


def page_of(found: list[Entry], page: int, page_size: int) -> PageOf:
    """Page ``page`` (from 1) of ``page_size`` entries."""
    start = (page - 1) * page_size
    items = found[start : start + page_size]
    next_page = page + 1 if start + page_size < len(found) else None
    previous_page = page - 1 if page > 1 else None
    return PageOf(items, len(found), next_page, previous_page)


# Writes


def check_status(status: str) -> Status:
    """``draft`` or ``published``; raises ``Invalid("status")``."""
    if status not in ("draft", "published"):
        raise Invalid("status", "must be draft or published")
    return status  # type: ignore[return-value]


async def insert_entry(  # noqa: PLR0913 (every column of a new entry is named at the call)
    work: Write, kind: EntryKind, scope: str, slug: str | None, name: str, status: Status
) -> int | None:
    """Insert an entry row; its id, or ``None`` when ``slug`` is taken in ``scope``."""
    now = utcnow()
    entry_id: int | None = await work.scalar(
        insert_unless_taken(work, entries)
        .values(
            kind=kind,
            scope=scope,
            slug=slug,
            name=check_label("name", name, 200) if name else "",
            status=status,
            created_at=now,
            updated_at=now,
            published_at=now if status == "published" else None,
        )
        .returning(entries.c.id)
    )
    return entry_id


async def update_entry(work: Write, entry_id: int, *, name: str | None, status: Status | None) -> None:
    """Touch an entry: a new name or status; ``published_at`` is set the first time it is published."""
    now = utcnow()
    changes: dict[str, object] = {"updated_at": now}
    if name is not None:
        changes["name"] = check_label("name", name, 200)
    if status is not None:
        changes["status"] = status
        if status == "published":
            changes["published_at"] = sa.func.coalesce(entries.c.published_at, now)
    await work.execute(entries.update().where(entries.c.id == entry_id).values(**changes))


_STORED = sa.select(content_values.c.fields).where(
    content_values.c.entry_id == sa.bindparam("entry_id"), content_values.c.locale == sa.bindparam("locale")
)


async def stored_values(work: Write, entry_id: int, locale: str) -> Values | None:
    """The values stored for exactly ``locale`` (no fallback), or ``None``."""
    stored = await work.scalar(_STORED, {"entry_id": entry_id, "locale": locale})
    return None if stored is None else _DECODE.decode(stored)


async def store_values(work: Write, entry_id: int, locale: str, values: Values) -> None:
    """Replace the values of ``entry_id`` in ``locale`` (an upsert, so concurrent writers cannot clash on the key)."""
    insert = postgresql.insert if work.dialect.name == "postgresql" else sqlite.insert
    statement = insert(content_values).values(entry_id=entry_id, locale=locale, fields=_ENCODER.encode(values).decode())
    await work.execute(
        statement.on_conflict_do_update(
            index_elements=[content_values.c.entry_id, content_values.c.locale],
            set_={"fields": statement.excluded.fields},
        )
    )


async def delete_entry(work: Write, entry_id: int) -> None:
    """Delete an entry and its values in every locale."""
    await work.execute(content_values.delete().where(content_values.c.entry_id == entry_id))
    await work.execute(entries.delete().where(entries.c.id == entry_id))


_LOCALES = (
    sa.select(content_values.c.locale)
    .where(content_values.c.locale != DEFAULT_LOCALE)
    .distinct()
    .order_by(content_values.c.locale)
)


async def locales_in_use(reads: Reads) -> list[str]:
    """The locales some entry has values in, besides the default one."""
    return [row[0] for row in await reads.all(_LOCALES, {})]
