"""The schema editor: create and edit page types (``/content/page-types``) and collections (``/content/collections``).

A save goes through ``ghee.core.content.schemas`` (``create_schema``,
``update_schema``), as ``POST /v2/page_types/`` and ``PUT /v2/collections/<key>/``
do, so the same checks apply and the same events are sent. A refused save
shows core's reason above the form, which keeps what was typed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Request, get, post
from litestar.response import Redirect, Template

from ghee.core.content.schemas import ContentSchema, SchemaKind, create_schema, get_schema, list_schemas, update_schema
from ghee.dashboard.pages.schema_form import (
    BLANK_NESTED_ROWS,
    BLANK_ROWS,
    FieldRow,
    rows_from_form,
    rows_of_schema,
    schema_of_rows,
    target_options,
    type_options,
)
from ghee.dashboard.web import form_fields, problem_text, render
from ghee.db.database import Database
from ghee.db.reads import Reads
from ghee.errors import Invalid


@dataclass(frozen=True, slots=True)
class SchemaPages:
    """Where one kind of schema is edited, and where its entries are."""

    kind: SchemaKind
    label: str
    """``page type``, ``collection``."""
    editor: str
    """The editor's path, before ``/new`` or ``/<key>/edit``."""
    entries: str
    """The list of every page type (or collection); ``<entries>/<key>`` lists its pages (or items)."""
    entries_label: str
    tab: str
    """The content tab the editor is under."""


PAGE_TYPES = SchemaPages("page_type", "page type", "/content/page-types", "/content/pages", "Page types", "pages")
COLLECTIONS = SchemaPages(
    "collection", "collection", "/content/collections", "/collections", "Collections", "collections"
)


async def _editor(  # noqa: PLR0913 (the page and its notices)
    request: Request[Any, Any, Any],
    reads: Reads,
    pages: SchemaPages,
    original: ContentSchema | None,
    *,
    key: str,
    name: str,
    rows: list[FieldRow],
    error: str = "",
    error_field: str = "",
    saved: bool = False,
    status_code: int = 200,
) -> Template:
    targets = target_options(await list_schemas(reads, "page_type"), await list_schemas(reads, "collection"))
    return render(
        request,
        "pages/content_schema_edit.html",
        status_code=status_code,
        title=f"Edit {pages.label} “{original.name}”" if original else f"New {pages.label}",
        pages=pages,
        original=original,
        key=key,
        name=name,
        rows=rows,
        blank_rows=BLANK_ROWS,
        blank_nested_rows=BLANK_NESTED_ROWS,
        types=type_options(),
        targets=targets,
        error=error,
        error_field=error_field,
        saved=saved,
    )


async def _new(request: Request[Any, Any, Any], db: Database, pages: SchemaPages) -> Template:
    return await _editor(request, db.read(), pages, None, key="", name="", rows=[])


async def _edit(request: Request[Any, Any, Any], db: Database, pages: SchemaPages, key: str, saved: str) -> Template:
    reads = db.read()
    found = await get_schema(reads, pages.kind, key)
    return await _editor(
        request,
        reads,
        pages,
        found,
        key=found.key,
        name=found.name,
        rows=rows_of_schema(found.fields),
        saved=bool(saved),
    )


async def _save(
    request: Request[Any, Any, Any], db: Database, pages: SchemaPages, original: str | None
) -> Template | Redirect:
    """Create the schema (``original`` is ``None``) or replace its name and fields, in one transaction."""
    form = await form_fields(request)
    name = str(form.get("name") or "").strip()
    key = str(form.get("key") or "").strip() if original is None else original
    rows = rows_from_form(form.get("fields"))
    try:
        async with db.write() as work:
            if original is None:
                saved = await create_schema(work, pages.kind, key, name, schema_of_rows(rows))
            else:
                current = await get_schema(work, pages.kind, original)
                saved = await update_schema(work, current, name, schema_of_rows(rows))
    except Invalid as exc:
        reads = db.read()
        found = await get_schema(reads, pages.kind, original) if original is not None else None
        return await _editor(
            request,
            reads,
            pages,
            found,
            key=key,
            name=name,
            rows=rows,
            error=problem_text(exc),
            error_field=exc.field,
            status_code=400,
        )
    return Redirect(f"{pages.editor}/{saved.key}/edit?saved=1", status_code=303)


@get("/content/page-types/new")
async def new_page_type_page(request: Request[Any, Any, Any], db: Database) -> Template:
    """An empty page type: a name, a key, and rows for its fields."""
    return await _new(request, db, PAGE_TYPES)


@post("/content/page-types/new")
async def create_page_type_page(request: Request[Any, Any, Any], db: Database) -> Template | Redirect:
    """Create a page type (``pagetype.create``)."""
    return await _save(request, db, PAGE_TYPES, None)


@get("/content/page-types/{key:str}/edit")
async def edit_page_type_page(request: Request[Any, Any, Any], db: Database, key: str, saved: str = "") -> Template:
    """A page type's name and fields, to change."""
    return await _edit(request, db, PAGE_TYPES, key, saved)


@post("/content/page-types/{key:str}/edit")
async def update_page_type_page(request: Request[Any, Any, Any], db: Database, key: str) -> Template | Redirect:
    """Rename a page type and replace its fields (``pagetype.update``); its pages' values stay as stored."""
    return await _save(request, db, PAGE_TYPES, key)


@get("/content/collections/new")
async def new_collection_page(request: Request[Any, Any, Any], db: Database) -> Template:
    """An empty collection: a name, a key, and rows for its fields."""
    return await _new(request, db, COLLECTIONS)


@post("/content/collections/new")
async def create_collection_page(request: Request[Any, Any, Any], db: Database) -> Template | Redirect:
    """Create a collection (``collection.create``)."""
    return await _save(request, db, COLLECTIONS, None)


@get("/content/collections/{key:str}/edit")
async def edit_collection_page(request: Request[Any, Any, Any], db: Database, key: str, saved: str = "") -> Template:
    """A collection's name and fields, to change."""
    return await _edit(request, db, COLLECTIONS, key, saved)


@post("/content/collections/{key:str}/edit")
async def update_collection_page(request: Request[Any, Any, Any], db: Database, key: str) -> Template | Redirect:
    """Rename a collection and replace its fields (``collection.update``); its items' values stay as stored."""
    return await _save(request, db, COLLECTIONS, key)


ROUTES = [
    new_page_type_page,
    create_page_type_page,
    edit_page_type_page,
    update_page_type_page,
    new_collection_page,
    create_collection_page,
    edit_collection_page,
    update_collection_page,
]
