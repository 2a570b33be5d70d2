"""Collections (``/collections``): each collection's items in a table; add, edit and delete items by its schema.

References show by their entries' display text (``ghee.core.content.choices``), in the table and the editor.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Request, get, post
from litestar.params import Parameter
from litestar.response import Redirect, Template

from ghee.core.content.choices import display_field, item_label, reference_choices, reference_targets
from ghee.core.content.collections import ItemChange, create_items, delete_item, list_items, update_item
from ghee.core.content.entries import DEFAULT_LOCALE, Entry, ListQuery, Status, View, read_by_id
from ghee.core.content.fields import FieldSpec
from ghee.core.content.publishing import announce, restore_revision
from ghee.core.content.schemas import ContentSchema, get_schema, list_schemas
from ghee.core.paging import Window
from ghee.core.revisions import Revision, list_revisions
from ghee.core.users import User
from ghee.dashboard.nav import NavItem, add_nav
from ghee.dashboard.pages.content_fields import (
    Choices,
    FieldInput,
    form_inputs,
    inputs_for,
    reference_text,
    values_from_form,
)
from ghee.dashboard.web import form_fields, problem_text, render
from ghee.db.database import Database
from ghee.db.reads import Reads
from ghee.errors import Invalid, NotFound

ITEMS_PER_PAGE = 25
REVISIONS_SHOWN = 20
MAX_PAGE = 100_000
MAX_COLUMNS = 5
_CELL = 80

add_nav(NavItem("Collections", "/collections", order=60))


def _cell(spec: FieldSpec, value: object, choices: Choices) -> str:
    if value is None:
        return ""
    if spec.type == "reference":
        text = reference_text(spec, value, choices)
    else:
        text = str(value) if not isinstance(value, bool) else ("yes" if value else "no")
    return text if len(text) <= _CELL else text[: _CELL - 1] + "…"


async def _choices(reads: Reads, collection: ContentSchema) -> Choices:
    return await reference_choices(reads, reference_targets(collection.fields))


@get("/collections")
async def collections_page(request: Request[Any, Any, Any], db: Database) -> Template:
    """Every collection, by name."""
    found = await list_schemas(db.read(), "collection")
    return render(request, "pages/collections.html", title="Collections", collections=found)


@get("/collections/{key:str}")
async def items_page(
    request: Request[Any, Any, Any],
    db: Database,
    key: str,
    page: int = Parameter(default=1, ge=1, le=MAX_PAGE),
    deleted: str = Parameter(default="", max_length=1000),
) -> Template:
    """A collection's items (drafts included), oldest first, 25 a page; the first fields as columns."""
    reads = db.read()
    collection = await get_schema(reads, "collection", key)
    found = await list_items(reads, key, View(drafts=True), ListQuery(page=page, page_size=ITEMS_PER_PAGE, levels=0))
    shown = collection.fields[:MAX_COLUMNS]
    choices = await reference_choices(reads, reference_targets(shown))
    columns = [spec.key for spec in shown]
    rows = [(item, [_cell(spec, item.values.get(spec.key), choices) for spec in shown]) for item in found.items]
    return render(
        request,
        "pages/collection_items.html",
        title=collection.name,
        collection=collection,
        columns=columns,
        rows=rows,
        page=page,
        has_more=found.next_page is not None,
        count=found.count,
        deleted=deleted,
    )


def _item_editor(  # noqa: PLR0913 (the page and its notices)
    request: Request[Any, Any, Any],
    collection: ContentSchema,
    item_id: int | None,
    fields: list[FieldInput],
    status: str,
    *,
    item: Entry | None = None,
    revisions: list[Revision] | None = None,
    error: str = "",
    status_code: int = 200,
) -> Template:
    return render(
        request,
        "pages/collection_item_edit.html",
        status_code=status_code,
        title=f"{'Edit' if item_id else 'New'} item · {collection.name}",
        collection=collection,
        item_id=item_id,
        item=item,
        revisions=revisions or [],
        fields=fields,
        status=status,
        error=error,
    )


@get("/collections/{key:str}/new")
async def new_item_page(request: Request[Any, Any, Any], db: Database, key: str) -> Template:
    """An empty item of the collection."""
    reads = db.read()
    collection = await get_schema(reads, "collection", key)
    choices = await _choices(reads, collection)
    return _item_editor(request, collection, None, inputs_for(collection.fields, {}, choices=choices), "published")


@post("/collections/{key:str}/new")
async def create_item_page(
    request: Request[Any, Any, Any], db: Database, current_user: User, key: str
) -> Template | Redirect:
    """Add an item from the form."""
    form = await form_fields(request)
    collection = await get_schema(db.read(), "collection", key)
    status: Status = "published" if form.get("status") == "published" else "draft"
    try:
        values = values_from_form(collection.fields, form)
        async with db.write() as work:
            await create_items(work, key, status, [values], current_user.email)
    except Invalid as exc:
        return _item_editor(
            request,
            collection,
            None,
            form_inputs(collection.fields, form, await _choices(db.read(), collection)),
            status,
            error=problem_text(exc),
            status_code=400,
        )
    return Redirect(f"/collections/{key}", status_code=303)


@get("/collections/{key:str}/items/{item_id:int}")
async def edit_item_page(request: Request[Any, Any, Any], db: Database, key: str, item_id: int) -> Template:
    """An item's values, to change."""
    reads = db.read()
    collection = await get_schema(reads, "collection", key)
    item = await read_by_id(reads, "item", key, item_id, View(drafts=True))
    if item is None:
        raise NotFound("item", str(item_id))
    fields = inputs_for(collection.fields, item.values, choices=await _choices(reads, collection))
    revisions = (await list_revisions(reads, "item", item.id, Window(REVISIONS_SHOWN)))[0]
    return _item_editor(request, collection, item_id, fields, item.status, item=item, revisions=revisions)


@post("/collections/{key:str}/items/{item_id:int}")
async def update_item_page(
    request: Request[Any, Any, Any], db: Database, current_user: User, key: str, item_id: int
) -> Template | Redirect:
    """Replace an item's values (in the default locale); "Draft" on a live item keeps it live until published."""
    form = await form_fields(request)
    collection = await get_schema(db.read(), "collection", key)
    status: Status = "published" if form.get("status") == "published" else "draft"
    try:
        values = values_from_form(collection.fields, form)
        change = ItemChange(status=status, locale=DEFAULT_LOCALE, values=values, replace=True)
        async with db.write() as work:
            await update_item(work, key, item_id, change, current_user.email)
    except Invalid as exc:
        return _item_editor(
            request,
            collection,
            item_id,
            form_inputs(collection.fields, form, await _choices(db.read(), collection)),
            status,
            error=problem_text(exc),
            status_code=400,
        )
    return Redirect(f"/collections/{key}", status_code=303)


@post("/collections/{key:str}/items/{item_id:int}/revisions/{number:int}/restore")
async def restore_item_revision_page(db: Database, key: str, item_id: int, number: int) -> Redirect:
    """Make an old revision the item's draft (a live item keeps its live version until published)."""
    item = await read_by_id(db.read(), "item", key, item_id, View(drafts=True))
    if item is None:
        raise NotFound("item", str(item_id))
    async with db.write() as work:
        await announce(work, "item", item.id, await restore_revision(work, "item", item.id, number))
    return Redirect(f"/collections/{key}/items/{item_id}", status_code=303)


async def _named_item(reads: Reads, key: str, item_id: int) -> tuple[ContentSchema, str]:
    """The item's collection and the words naming the item; raises ``NotFound``."""
    collection = await get_schema(reads, "collection", key)
    item = await read_by_id(reads, "item", key, item_id, View(drafts=True))
    if item is None:
        raise NotFound("item", str(item_id))
    label = item_label(item, display_field(collection.fields))
    return collection, f"item {item_id}" if label == f"Item {item_id}" else f"item {item_id}, “{label}”"


@get("/collections/{key:str}/items/{item_id:int}/delete")
async def confirm_delete_item(request: Request[Any, Any, Any], db: Database, key: str, item_id: int) -> Template:
    """Ask before deleting an item."""
    collection, named = await _named_item(db.read(), key, item_id)
    return render(
        request,
        "pages/confirm.html",
        title=f"Delete an item · {collection.name}",
        question=f"Delete {named} from {collection.name}?",
        consequence="It goes in every locale, with its revisions. This cannot be undone.",
        action=f"/collections/{collection.key}/items/{item_id}/delete",
        verb="Delete item",
        cancel=f"/collections/{collection.key}",
    )


@post("/collections/{key:str}/items/{item_id:int}/delete")
async def delete_item_page(db: Database, key: str, item_id: int) -> Redirect:
    """Delete an item (in every locale), then say so on the list."""
    async with db.write() as work:
        _, named = await _named_item(work, key, item_id)
        await delete_item(work, key, item_id)
    return Redirect(f"/collections/{key}?" + urlencode({"deleted": named}), status_code=303)


ROUTES = [
    collections_page,
    items_page,
    new_item_page,
    create_item_page,
    edit_item_page,
    update_item_page,
    restore_item_revision_page,
    confirm_delete_item,
    delete_item_page,
]
