"""Pages: entries of a page type (or single pages, page type ``*``), read with filters, order, locale and levels."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from ghee.core.content import publishing
from ghee.core.content.entries import (
    DEFAULT_LOCALE,
    STORED,
    Entry,
    ListQuery,
    PageOf,
    Status,
    View,
    insert_entry,
    matches,
    order_entries,
    page_of,
    read_kind,
    read_one,
    read_scope,
    store_values,
)
from ghee.core.content.fields import Schema, Values, check_depth, check_values
from ghee.core.content.publishing import EntryChange
from ghee.core.content.references import SINGLE_PAGES, Resolver
from ghee.core.content.schemas import check_key, find_schema, known_key
from ghee.core.inputs import check_label
from ghee.db.database import Write
from ghee.db.reads import Reads
from ghee.errors import Invalid, NotFound

MAX_QUERY = 200


async def _schema(reads: Reads, page_type: str) -> Schema | None:
    if page_type == SINGLE_PAGES:
        return None
    found = await find_schema(reads, "page_type", page_type)
    if found is None:
        raise NotFound("page_type", page_type)
    return found.fields


async def _expanded(resolver: Resolver, schema: Schema | None, items: list[Entry], levels: int) -> list[Entry]:
    return [replace(entry, values=await resolver.expand(schema, entry.values, levels)) for entry in items]


async def list_pages(reads: Reads, page_type: str, view: View, query: ListQuery) -> PageOf:
    """One page of a page type's pages (``*``: single pages); raises ``NotFound`` for an unknown page type."""
    schema = await _schema(reads, page_type)
    found = [entry for entry in await read_scope(reads, "page", page_type, view) if matches(entry, query.filters)]
    chosen = page_of(order_entries(found, query.order), query.page, query.page_size)
    items = await _expanded(Resolver(reads, view), schema, chosen.items, query.levels)
    return replace(chosen, items=items)


async def get_page(reads: Reads, page_type: str, slug: str, view: View, levels: int) -> Entry:
    """The page ``slug`` of ``page_type``; raises ``NotFound`` for an unknown page type or page (or a hidden draft)."""
    schema = await _schema(reads, page_type)
    entry = await read_one(reads, "page", page_type, known_key("page", slug), view)
    if entry is None:
        raise NotFound("page", slug)
    return replace(entry, values=await Resolver(reads, view).expand(schema, entry.values, levels))


def _mentions(value: object, needle: str) -> bool:
    if isinstance(value, str):
        return needle in value.casefold()
    if isinstance(value, list):
        return any(_mentions(item, needle) for item in value)
    if isinstance(value, dict):
        return any(_mentions(item, needle) for item in value.values())
    return False


async def search_pages(  # noqa: PLR0913 (one parameter per documented query argument)
    reads: Reads, text: str, page_type: str | None, view: View, page: int, page_size: int, levels: int
) -> PageOf:
    """Pages whose slug, name or any text value contains ``text`` (case-insensitive), oldest first.

    Raises ``Invalid("query")`` for a blank or overlong query, ``NotFound`` for an unknown page type.
    """
    needle = check_label("query", text, MAX_QUERY).casefold()
    if page_type is not None:
        await _schema(reads, page_type)
        candidates = await read_scope(reads, "page", page_type, view)
    else:
        candidates = await read_kind(reads, "page", view)
    found = [
        entry
        for entry in candidates
        if needle in (entry.slug or "").casefold() or needle in entry.name.casefold() or _mentions(entry.values, needle)
    ]
    chosen = page_of(found, page, page_size)
    resolver = Resolver(reads, view)
    items = [
        replace(
            entry, values=await resolver.expand(await resolver.schema_of("page", entry.scope), entry.values, levels)
        )
        for entry in chosen.items
    ]
    return replace(chosen, items=items)


# Writes


@dataclass(frozen=True, slots=True)
class NewPage:
    """A page to create, with its default-locale values; ``scheduled`` has the worker publish it then."""

    page_type: str
    slug: str
    title: str
    status: Status
    values: Values
    scheduled: datetime | None = None


@dataclass(frozen=True, slots=True)
class PageChange:
    """An update of a page: any of a new title, status, values in one locale (merged or replacing), a schedule."""

    title: str | None = None
    status: Status | None = None
    locale: str = DEFAULT_LOCALE
    values: Values | None = None
    replace: bool = False
    scheduled: datetime | None = None


async def _writable_schema(work: Write, page_type: str) -> Schema | None:
    if page_type == SINGLE_PAGES:
        return None
    found = await find_schema(work, "page_type", check_key("page_type", page_type))
    if found is None:
        raise Invalid("page_type", "no such page type")
    return found.fields


def _checked(schema: Schema | None, values: Values, locale: str) -> Values:
    if schema is None:  # a single page: any JSON values, within reason
        check_depth("fields", values)
        return values
    return check_values(schema, values, complete=locale == DEFAULT_LOCALE)


async def create_page(work: Write, new: NewPage, editor: str = "") -> int:
    """Create a page in the default locale; returns its row id. ``page.create`` if published, else ``draft.saved``.

    Raises ``Invalid`` for an unknown page type, a bad or taken slug, a bad title or values off the schema.
    """
    schema = await _writable_schema(work, new.page_type)
    slug = check_key("slug", new.slug)
    values = _checked(schema, new.values, DEFAULT_LOCALE)
    status: Status = "draft" if new.scheduled is not None else new.status
    entry_id = await insert_entry(work, "page", new.page_type, slug, check_label("title", new.title, 200), status)
    if entry_id is None:
        raise Invalid("slug", "a page of this page type with this slug already exists")
    await store_values(work, entry_id, DEFAULT_LOCALE, values)
    outcome = await publishing.created(work, "page", entry_id, status, new.scheduled, editor)
    await publishing.announce(work, "page", entry_id, outcome)
    return entry_id


async def update_page(work: Write, page_type: str, slug: str, change: PageChange, editor: str = "") -> None:
    """Update a page as ``ghee.core.content.publishing`` says (a live page's draft keeps it live).

    Raises ``NotFound`` for an unknown page type or page, ``Invalid`` for a bad title or values off the schema.
    """
    schema = await _schema(work, page_type)
    entry = await read_one(work, "page", page_type, known_key("page", slug), STORED)
    if entry is None:
        raise NotFound("page", slug)
    title = None if change.title is None else check_label("title", change.title, 200)

    def check(values: Values, locale: str) -> Values:
        return _checked(schema, values, locale)

    written = EntryChange(title, change.status, change.locale, change.values, change.replace, change.scheduled)
    outcome = await publishing.change_entry(work, "page", entry.id, written, check, editor)
    await publishing.announce(work, "page", entry.id, outcome, change.locale)
