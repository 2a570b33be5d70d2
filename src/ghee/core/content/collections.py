"""Collections (lists of items following a schema), content fields (single values), and ``/content`` key queries."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from ghee.core.content import publishing
from ghee.core.content.entries import (
    DEFAULT_LOCALE,
    STORED,
    Entry,
    ListQuery,
    PageOf,
    Status,
    View,
    delete_entry,
    insert_entry,
    matches,
    order_entries,
    page_of,
    read_by_id,
    read_one,
    read_scope,
    read_slugs,
    store_values,
)
from ghee.core.content.fields import Values, check_depth, check_values
from ghee.core.content.publishing import EntryChange
from ghee.core.content.references import Resolver
from ghee.core.content.schemas import ContentSchema, check_key, find_schema, find_schemas, get_schema
from ghee.core.revisions import forget_revisions
from ghee.db.database import Write
from ghee.db.reads import Reads
from ghee.errors import Conflict, Invalid, NotFound

MAX_KEYS = 50
MAX_ITEMS_PER_WRITE = 100
_FIELD_SCOPE = ""  # content fields share one scope; their key is the entry's slug
# one key of ?keys=: "team" or "team[name=Elon Musk]"
_KEY_TERM = re.compile(r"([^,\[\]=]+)(?:\[([^\[\]=]+)=([^\[\]]*)\])?")


@dataclass(frozen=True, slots=True)
class KeyQuery:
    """One key asked for, with the ``[property=value]`` filters given for it (any of them may match)."""

    key: str
    filters: tuple[tuple[str, str], ...] = ()


def parse_keys(keys: str) -> list[KeyQuery]:
    """``title,team[name=A],team[name=B]`` as one ``KeyQuery`` per key, in order; raises ``Invalid("keys")``."""
    if not keys:
        raise Invalid("keys", "is required")
    terms: list[tuple[str, tuple[str, str] | None]] = []
    position = 0
    while position < len(keys):
        term = _KEY_TERM.match(keys, position)
        end = term.end() if term else position
        if term is None or (end < len(keys) and keys[end] != ","):
            raise Invalid("keys", "must be comma-separated keys, each optionally filtered as key[property=value]")
        key, prop, value = term.group(1).strip(), term.group(2), term.group(3)
        terms.append((check_key("keys", key), None if prop is None else (prop.strip(), value)))
        position = end + 1
    if not terms or len(terms) > MAX_KEYS:
        raise Invalid("keys", f"must name 1 to {MAX_KEYS} keys")
    queries: dict[str, list[tuple[str, str]] | None] = {}
    for key, condition in terms:
        if condition is None or queries.get(key, []) is None:
            queries[key] = None  # asked for unfiltered at least once: every item
        else:
            queries.setdefault(key, []).append(condition)  # type: ignore[union-attr]
    return [KeyQuery(key, tuple(conditions or ())) for key, conditions in queries.items()]


@dataclass(frozen=True, slots=True)
class Items:
    """A collection's items, as ``get_content`` answers for a collection's key (values expanded)."""

    entries: list[Entry]


ContentValue = Items | object
"""A collection's ``Items``, or a content field's value."""


async def get_content(reads: Reads, queries: list[KeyQuery], view: View, levels: int) -> dict[str, ContentValue]:
    """Each key's content: a collection's items (filtered when asked), or a content field's value.

    Raises ``NotFound`` for a key that is neither (or a content field the view hides),
    ``Invalid("keys")`` for a filter on a content field.
    """
    resolver = Resolver(reads, view)
    content: dict[str, ContentValue] = {}
    # Two statements find what every key names, however many keys are asked for.
    keys = list(dict.fromkeys(query.key for query in queries))
    collections = await find_schemas(reads, "collection", keys)
    fields = await read_slugs(reads, "field", _FIELD_SCOPE, [k for k in keys if k not in collections], view)
    for query in queries:
        collection = collections.get(query.key)
        if collection is not None:
            items = await read_scope(reads, "item", query.key, view)
            if query.filters:
                items = [item for item in items if any(matches(item, [condition]) for condition in query.filters)]
            content[query.key] = Items(
                [replace(item, values=await resolver.expand(collection.fields, item.values, levels)) for item in items]
            )
            continue
        if query.filters:
            raise Invalid("keys", f"{query.key!r} is not a collection, so it cannot be filtered")
        field = fields.get(query.key)
        if field is None:
            raise NotFound("content", query.key)
        content[query.key] = field.values.get("value")
    return content


async def list_items(reads: Reads, key: str, view: View, query: ListQuery) -> PageOf:
    """One page of a collection's items; raises ``NotFound`` for an unknown collection."""
    collection = await get_schema(reads, "collection", key)
    found = [item for item in await read_scope(reads, "item", key, view) if matches(item, query.filters)]
    chosen = page_of(order_entries(found, query.order), query.page, query.page_size)
    resolver = Resolver(reads, view)
    items = [
        replace(item, values=await resolver.expand(collection.fields, item.values, query.levels))
        for item in chosen.items
    ]
    return replace(chosen, items=items)


# Writes


async def _writable_collection(work: Write, key: str) -> ContentSchema:
    found = await find_schema(work, "collection", check_key("key", key))
    if found is None:
        raise Invalid("key", "no such collection")
    return found


async def create_items(work: Write, key: str, status: Status, items: list[Values], editor: str = "") -> list[int]:
    """Add items to a collection in the default locale; returns their ids.

    Each sends ``collectionitem.create`` if published, ``draft.saved`` if not.
    Raises ``Invalid`` for an unknown collection, no items or too many, or values off the schema.
    """
    collection = await _writable_collection(work, key)
    if not 1 <= len(items) <= MAX_ITEMS_PER_WRITE:
        raise Invalid("fields", f"must hold 1 to {MAX_ITEMS_PER_WRITE} items")
    ids: list[int] = []
    for values in items:
        checked = check_values(collection.fields, values, complete=True)
        item_id = await insert_entry(work, "item", key, None, "", status)
        assert item_id is not None  # noqa: S101 (items have no slug, so no unique key to clash on)
        await store_values(work, item_id, DEFAULT_LOCALE, checked)
        await publishing.announce(
            work, "item", item_id, await publishing.created(work, "item", item_id, status, None, editor)
        )
        ids.append(item_id)
    return ids


@dataclass(frozen=True, slots=True)
class ItemChange:
    """An update of a collection item: a new status, and/or values in one locale (merged or replacing)."""

    status: Status | None = None
    locale: str = DEFAULT_LOCALE
    values: Values | None = None
    replace: bool = False


async def _item(work: Write, key: str, item_id: int) -> tuple[ContentSchema, Entry]:
    collection = await get_schema(work, "collection", key)
    item = await read_by_id(work, "item", key, item_id, STORED)
    if item is None:
        raise NotFound("item", str(item_id))
    return collection, item


async def update_item(work: Write, key: str, item_id: int, change: ItemChange, editor: str = "") -> None:
    """Update a collection item as ``ghee.core.content.publishing`` says (a live item's draft keeps it live).

    Raises ``NotFound`` for an unknown collection or item, ``Invalid`` for values off the schema.
    """
    collection, item = await _item(work, key, item_id)

    def check(values: Values, locale: str) -> Values:
        return check_values(collection.fields, values, complete=locale == DEFAULT_LOCALE)

    written = EntryChange(None, change.status, change.locale, change.values, change.replace)
    outcome = await publishing.change_entry(work, "item", item.id, written, check, editor)
    await publishing.announce(work, "item", item.id, outcome, change.locale)


async def delete_item(work: Write, key: str, item_id: int) -> None:
    """Delete a collection item in every locale: ``collectionitem.delete`` if it was live; raises ``NotFound``."""
    _, item = await _item(work, key, item_id)
    await delete_entry(work, item.id)
    await forget_revisions(work, "item", item.id)
    await publishing.announce_deleted(work, "item", item)


async def put_content_field(  # noqa: PLR0913 (the field, its value, locale, status and who sets it)
    work: Write, key: str, value: object, locale: str, status: Status, editor: str = ""
) -> None:
    """Set a content field's value in one locale, creating the field if new.

    ``contentfield.update`` when the live value changes; ``status: "draft"`` on
    a live field drafts the value and keeps the live one (``draft.saved``).
    Raises ``Invalid("key")`` for a bad key or the key of a collection, ``Invalid("value")`` for a null value.
    """
    key = check_key("key", key)
    if await find_schema(work, "collection", key) is not None:
        raise Invalid("key", "names a collection; write its items instead")
    if value is None:
        raise Invalid("value", "is required")
    check_depth("value", value)
    field = await read_one(work, "field", _FIELD_SCOPE, key, STORED)
    if field is None:
        if locale != DEFAULT_LOCALE:
            raise Invalid("locale", "a content field is created in the default locale first")
        field_id = await insert_entry(work, "field", _FIELD_SCOPE, key, "", status)
        if field_id is not None:
            await store_values(work, field_id, locale, {"value": value})
            outcome = await publishing.created(work, "field", field_id, status, None, editor)
            await publishing.announce(work, "field", field_id, outcome, locale)
            return
        # Another request created it first (PostgreSQL waited for it to commit): set that one.
        field = await read_one(work, "field", _FIELD_SCOPE, key, STORED)
        if field is None:
            raise Conflict(f"content field {key!r} is being created by another request; try again")
    written = EntryChange(None, status, locale, {"value": value}, replace=True)
    outcome = await publishing.change_entry(work, "field", field.id, written, _as_given, editor)
    await publishing.announce(work, "field", field.id, outcome, locale)


def _as_given(values: Values, _locale: str) -> Values:
    return values  # a content field holds any JSON value (its depth checked above)
