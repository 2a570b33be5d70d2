"""Wire shapes of ButterCMS pages, content fields and collections (seed 004), and request bodies of their writes."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

import msgspec

from ghee.clock import iso
from ghee.core.content.entries import Entry, PageOf
from ghee.core.content.fields import schema_shape
from ghee.core.content.references import SINGLE_PAGES, Linked
from ghee.core.content.schemas import ContentSchema

Status = Literal["draft", "published"]


class Meta(msgspec.Struct):
    """Pagination of a list."""

    count: int
    next_page: int | None
    previous_page: int | None


class ButtercmsPage(msgspec.Struct):
    """A page: ``slug`` and ``fields`` (as in the seed), with its name, type, status and dates."""

    slug: str
    name: str
    page_type: str | None
    status: str
    published: str | None
    updated: str | None
    fields: dict[str, Any]


class PageList(msgspec.Struct):
    """``GET /v2/pages/<page_type>/``."""

    meta: Meta
    data: list[ButtercmsPage]


class PageOne(msgspec.Struct):
    """``GET /v2/pages/<page_type>/<slug>/``."""

    data: ButtercmsPage


class ContentData(msgspec.Struct):
    """``GET /v2/content/?keys=...``: each key's value, or a collection's items."""

    data: dict[str, Any]


class CollectionPage(msgspec.Struct):
    """``GET /v2/content/<key>/``: ``{"data": {"<key>": [items]}, "meta": {...}}``."""

    meta: Meta
    data: dict[str, list[dict[str, Any]]]


class Pending(msgspec.Struct):
    """What every write answers (202), as ButterCMS's write API does."""

    status: str = "pending"


class ButtercmsSchema(msgspec.Struct):
    """A page type or collection: its key, name and field schema."""

    key: str
    name: str
    fields: list[dict[str, Any]]


class SchemaOne(msgspec.Struct):
    """``GET /v2/page_types/<key>/``, ``GET /v2/collections/<key>/``."""

    data: ButtercmsSchema


# Request bodies


class NewPageBody(msgspec.Struct, forbid_unknown_fields=True):
    """``POST /v2/pages/``: a page in the default locale; ``page_type`` ``*`` (the default) makes a single page."""

    title: str
    slug: str
    page_type: str = SINGLE_PAGES
    status: Status = "draft"
    fields: dict[str, Any] = msgspec.field(default_factory=dict)
    scheduled: datetime | None = None


class PageUpdateBody(msgspec.Struct, forbid_unknown_fields=True):
    """``PUT``/``PATCH /v2/pages/<page_type>/<slug>/``: ``fields`` in ``locale`` (default locale if absent)."""

    title: str | None = None
    status: Status | None = None
    locale: str | None = None
    fields: dict[str, Any] | None = None
    scheduled: datetime | None = None


class NewItemsBody(msgspec.Struct, forbid_unknown_fields=True):
    """``POST /v2/content/``: one item (``fields`` an object) or several (a list) for collection ``key``."""

    key: str
    fields: list[dict[str, Any]] | dict[str, Any]
    status: Status = "draft"


class ItemUpdateBody(msgspec.Struct, forbid_unknown_fields=True):
    """``PUT``/``PATCH /v2/content/<key>/<id>/``."""

    status: Status | None = None
    locale: str | None = None
    fields: dict[str, Any] | None = None


class ContentFieldBody(msgspec.Struct, forbid_unknown_fields=True):
    """``PUT /v2/content/<key>/``: a content field's value in ``locale``."""

    value: Any
    status: Status = "published"
    locale: str | None = None


class NewSchemaBody(msgspec.Struct, forbid_unknown_fields=True):
    """``POST /v2/page_types/``, ``POST /v2/collections/``."""

    key: str
    name: str
    fields: list[dict[str, Any]] = msgspec.field(default_factory=list)


class SchemaUpdateBody(msgspec.Struct, forbid_unknown_fields=True):
    """``PUT``/``PATCH /v2/page_types/<key>/`` and ``/v2/collections/<key>/``."""

    name: str | None = None
    fields: list[dict[str, Any]] | None = None


# Rendering


def _value(value: object) -> Any:  # noqa: ANN401 (decoded JSON of any shape)
    if isinstance(value, Linked):
        return linked_shape(value)
    if isinstance(value, list):
        return [_value(item) for item in value]
    if isinstance(value, dict):
        return {key: _value(item) for key, item in value.items()}
    return value


def fields_shape(values: dict[str, object]) -> dict[str, Any]:
    """Field values as JSON, referenced entries rendered in place."""
    return {key: _value(value) for key, value in values.items()}


def linked_shape(linked: Linked) -> dict[str, Any]:
    """A referenced page, or a referenced collection item."""
    if linked.kind == "page":
        return msgspec.to_builtins(page_shape(linked.entry))  # type: ignore[no-any-return]
    return item_shape(linked.entry)


def page_shape(entry: Entry) -> ButtercmsPage:
    """A page as ButterCMS shows it."""
    return ButtercmsPage(
        slug=entry.slug or "",
        name=entry.name,
        page_type=None if entry.scope == SINGLE_PAGES else entry.scope,
        status=entry.status,
        published=iso(entry.published_at),
        updated=iso(entry.updated_at),
        fields=fields_shape(entry.values),
    )


def item_shape(entry: Entry) -> dict[str, Any]:
    """A collection item: its values, and ``meta.id``."""
    return {"meta": {"id": entry.id}, **fields_shape(entry.values)}


def meta_of(page: PageOf) -> Meta:
    """The ``meta`` of a paged list."""
    return Meta(count=page.count, next_page=page.next_page, previous_page=page.previous_page)


def schema_one(schema: ContentSchema) -> SchemaOne:
    """A page type or collection as the API shows it."""
    return SchemaOne(ButtercmsSchema(schema.key, schema.name, schema_shape(schema.fields)))
