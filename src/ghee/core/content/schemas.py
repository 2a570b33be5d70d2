"""Page types and collections: a key, a name and a field schema each."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

import sqlalchemy as sa

from ghee.clock import utcnow
from ghee.core.content.fields import Schema, decode_schema, encode_schema, parse_schema, schema_shape
from ghee.core.events import record_event
from ghee.core.inputs import check_label
from ghee.core.inserts import insert_unless_taken
from ghee.db.database import Write
from ghee.db.functions import in_json_list, json_list
from ghee.db.reads import Reads
from ghee.db.tables import content_schemas
from ghee.errors import Invalid, NotFound

SchemaKind = Literal["page_type", "collection"]
_KEY = re.compile(r"[A-Za-z0-9_-]{1,100}")
_EVENT_PREFIX = {"page_type": "pagetype", "collection": "collection"}


@dataclass(frozen=True, slots=True)
class ContentSchema:
    """A page type or a collection."""

    kind: SchemaKind
    key: str
    name: str
    fields: Schema


def check_key(field: str, key: str) -> str:
    """An API key (slug) of a page type, collection or content field; raises ``Invalid(field)``."""
    if not _KEY.fullmatch(key):
        raise Invalid(field, "must be 1 to 100 letters, digits, '_' or '-'")
    return key


def known_key(kind: str, key: str) -> str:
    """``key`` from a URL, if it could name something; raises ``NotFound(kind)`` (without a query) if not."""
    if not _KEY.fullmatch(key):
        raise NotFound(kind, key)
    return key


_ONE = sa.select(content_schemas.c.name, content_schemas.c.fields).where(
    content_schemas.c.kind == sa.bindparam("kind"), content_schemas.c.key == sa.bindparam("key")
)


async def find_schema(reads: Reads, kind: SchemaKind, key: str) -> ContentSchema | None:
    """The page type or collection ``key``, or ``None``."""
    if not _KEY.fullmatch(key):
        return None
    row = await reads.first(_ONE, {"kind": kind, "key": key})
    if row is None:
        return None
    return ContentSchema(kind, key, row[0], decode_schema(row[1]))


_KEYED = sa.select(content_schemas.c.key, content_schemas.c.name, content_schemas.c.fields).where(
    content_schemas.c.kind == sa.bindparam("kind"), in_json_list(content_schemas.c.key, sa.bindparam("keys"))
)


async def find_schemas(reads: Reads, kind: SchemaKind, keys: list[str]) -> dict[str, ContentSchema]:
    """The page types or collections among ``keys``, by key, in one statement (what is not one is left out)."""
    wanted = [key for key in keys if _KEY.fullmatch(key)]
    if not wanted:
        return {}
    rows = await reads.all(_KEYED, {"kind": kind, "keys": json_list(wanted)})
    return {key: ContentSchema(kind, key, name, decode_schema(fields)) for key, name, fields in rows}


async def get_schema(reads: Reads, kind: SchemaKind, key: str) -> ContentSchema:
    """The page type or collection ``key``; raises ``NotFound``."""
    found = await find_schema(reads, kind, key)
    if found is None:
        raise NotFound(kind, key)
    return found


async def create_schema(work: Write, kind: SchemaKind, key: str, name: str, fields: object) -> ContentSchema:
    """Create a page type or collection; emits ``pagetype.create`` or ``collection.create``.

    Raises ``Invalid`` for a bad key, name or schema, or a key already taken.
    """
    schema = ContentSchema(kind, check_key("key", key), check_label("name", name, 200), parse_schema(fields))
    now = utcnow()
    row_id = await work.scalar(
        insert_unless_taken(work, content_schemas)
        .values(
            kind=kind,
            key=schema.key,
            name=schema.name,
            fields=encode_schema(schema.fields),
            created_at=now,
            updated_at=now,
        )
        .returning(content_schemas.c.id)
    )
    if row_id is None:
        raise Invalid("key", f"a {kind.replace('_', ' ')} with this key already exists")
    await _record(work, "create", schema)
    return schema


async def update_schema(work: Write, current: ContentSchema, name: str | None, fields: object | None) -> ContentSchema:
    """Rename a page type or collection and/or replace its schema; emits ``pagetype.update`` or ``collection.update``.

    Values stored before are not checked again. Raises ``Invalid`` for a bad name or schema.
    """
    schema = ContentSchema(
        current.kind,
        current.key,
        current.name if name is None else check_label("name", name, 200),
        current.fields if fields is None else parse_schema(fields),
    )
    await work.execute(
        content_schemas.update()
        .where(content_schemas.c.kind == schema.kind, content_schemas.c.key == schema.key)
        .values(name=schema.name, fields=encode_schema(schema.fields), updated_at=utcnow())
    )
    await _record(work, "update", schema)
    return schema


async def _record(work: Write, action: str, schema: ContentSchema) -> None:
    await record_event(
        work,
        f"{_EVENT_PREFIX[schema.kind]}.{action}",
        resource_type=schema.kind,
        resource_id=schema.key,
        project_id=None,
        payload={"id": schema.key, "name": schema.name, "fields": schema_shape(schema.fields)},
    )


_ALL = (
    sa.select(content_schemas.c.key, content_schemas.c.name, content_schemas.c.fields)
    .where(content_schemas.c.kind == sa.bindparam("kind"))
    .order_by(content_schemas.c.name, content_schemas.c.key)
)


async def list_schemas(reads: Reads, kind: SchemaKind) -> list[ContentSchema]:
    """Every page type (or every collection), by name."""
    return [
        ContentSchema(kind, key, name, decode_schema(fields))
        for key, name, fields in await reads.all(_ALL, {"kind": kind})
    ]
