"""ButterCMS content fields and collections (``/v2/content``, ``/v2/collections``)."""

from __future__ import annotations

from typing import Annotated

from litestar import delete, get, patch, post, put
from litestar.handlers import HTTPRouteHandler
from litestar.params import Parameter

from ghee.core.content import collections, schemas
from ghee.core.content.collections import ItemChange
from ghee.core.content.entries import ListQuery, View, check_locale
from ghee.core.inputs import check_filter
from ghee.core.tokens import Principal, token_label
from ghee.db.database import Database
from ghee.dialects.buttercms.content_params import (
    DEFAULT_LEVELS,
    Flag,
    Levels,
    Locale,
    PageNumber,
    PageSize,
    field_filters,
)
from ghee.dialects.buttercms.content_shapes import (
    CollectionPage,
    ContentData,
    ContentFieldBody,
    ItemUpdateBody,
    NewItemsBody,
    NewSchemaBody,
    Pending,
    SchemaOne,
    SchemaUpdateBody,
    item_shape,
    meta_of,
    schema_one,
)
from ghee.dialects.buttercms.errors import ERRORS
from ghee.http.answers import kept
from ghee.http.auth import ApiRequest, requires

Keys = Annotated[
    str,
    Parameter(
        max_length=4000,
        description="Comma-separated keys; a collection's may be filtered: team[name=A],team[name=B]",
    ),
]
ItemId = Annotated[int, Parameter(ge=1, le=2**63 - 1)]


@get("/content", responses=ERRORS, opt=kept())
async def get_content(
    request: ApiRequest,
    keys: Keys | None = None,
    test: Flag = 0,
    locale: Locale = None,
    levels: Levels = DEFAULT_LEVELS,
) -> ContentData:
    """Content fields' values and collections' items, for every key asked for."""
    view = View(check_locale(locale), drafts=test == 1)
    found = await collections.get_content(request.reads, collections.parse_keys(keys or ""), view, levels)
    return ContentData(
        {
            key: [item_shape(item) for item in value.entries] if isinstance(value, collections.Items) else value
            for key, value in found.items()
        }
    )


@get("/content/{key:str}", responses=ERRORS, opt=kept())
async def list_collection(  # noqa: PLR0913 (one parameter per documented query argument)
    request: ApiRequest,
    key: str,
    page: PageNumber = 1,
    page_size: PageSize = 10,
    order: str | None = None,
    locale: Locale = None,
    preview: Flag = 0,
    test: Flag = 0,
    levels: Levels = DEFAULT_LEVELS,
) -> CollectionPage:
    """A collection's items, paged; filter with ``fields.<name>=<value>``."""
    view = View(check_locale(locale), drafts=1 in (preview, test))
    query = ListQuery(field_filters(request), check_filter("order", order), page, page_size, levels)
    found = await collections.list_items(request.reads, key, view, query)
    return CollectionPage(meta_of(found), {key: [item_shape(item) for item in found.items]})


@put("/content/{key:str}", responses=ERRORS, status_code=202, opt=requires("write"))
async def put_content_field(
    db: Database,
    principal: Principal,
    key: str,
    data: ContentFieldBody,
) -> Pending:
    """Set a content field's value (in ``locale``), creating the field if new."""
    locale = check_locale(data.locale)
    async with db.write() as work:
        editor = await token_label(work, principal.token_id)
        await collections.put_content_field(work, key, data.value, locale, data.status, editor)
    return Pending()


@post("/content", responses=ERRORS, status_code=202, opt=requires("write"))
async def create_items(
    db: Database,
    principal: Principal,
    data: NewItemsBody,
) -> Pending:
    """Add one item (``fields`` an object) or several (a list of objects) to collection ``key``."""
    items = data.fields if isinstance(data.fields, list) else [data.fields]
    async with db.write() as work:
        await collections.create_items(work, data.key, data.status, items, await token_label(work, principal.token_id))
    return Pending()


async def _update_item(  # noqa: PLR0913 (the caller, the item and the change)
    db: Database, principal: Principal, key: str, item_id: int, data: ItemUpdateBody, *, whole: bool
) -> Pending:
    change = ItemChange(data.status, check_locale(data.locale), data.fields, replace=whole)
    async with db.write() as work:
        await collections.update_item(work, key, item_id, change, await token_label(work, principal.token_id))
    return Pending()


@put("/content/{key:str}/{item_id:int}", responses=ERRORS, status_code=202, opt=requires("write"))
async def replace_item(
    db: Database,
    principal: Principal,
    key: str,
    item_id: ItemId,
    data: ItemUpdateBody,
) -> Pending:
    """Update a collection item; ``fields`` replace its values in ``locale``."""
    return await _update_item(db, principal, key, item_id, data, whole=True)


@patch("/content/{key:str}/{item_id:int}", responses=ERRORS, status_code=202, opt=requires("write"))
async def update_item(
    db: Database,
    principal: Principal,
    key: str,
    item_id: ItemId,
    data: ItemUpdateBody,
) -> Pending:
    """Update a collection item; ``fields`` are merged into its values in ``locale``."""
    return await _update_item(db, principal, key, item_id, data, whole=False)


@delete("/content/{key:str}/{item_id:int}", responses=ERRORS, status_code=204, opt=requires("write"))
async def delete_item(
    db: Database,
    key: str,
    item_id: ItemId,
) -> None:
    """Delete a collection item in every locale."""
    async with db.write() as work:
        await collections.delete_item(work, key, item_id)


# Collection schemas


@get("/collections/{key:str}", responses=ERRORS, opt=kept())
async def get_collection(request: ApiRequest, key: str) -> SchemaOne:
    """A collection and its field schema."""
    return schema_one(await schemas.get_schema(request.reads, "collection", key))


@post("/collections", responses=ERRORS, status_code=202, opt=requires("write"))
async def create_collection(
    db: Database,
    data: NewSchemaBody,
) -> Pending:
    """Create a collection with its field schema."""
    async with db.write() as work:
        await schemas.create_schema(work, "collection", data.key, data.name, data.fields)
    return Pending()


@put("/collections/{key:str}", responses=ERRORS, status_code=202, opt=requires("write"))
async def update_collection(
    db: Database,
    key: str,
    data: SchemaUpdateBody,
) -> Pending:
    """Rename a collection and/or replace its field schema."""
    async with db.write() as work:
        current = await schemas.get_schema(work, "collection", key)
        await schemas.update_schema(work, current, data.name, data.fields)
    return Pending()


ROUTES: list[HTTPRouteHandler] = [
    get_content,
    list_collection,
    put_content_field,
    create_items,
    replace_item,
    update_item,
    delete_item,
    get_collection,
    create_collection,
    update_collection,
]
