"""ButterCMS pages and page types (``/v2/pages``, ``/v2/page_types``); collections and content fields in ``content``."""

from __future__ import annotations

from typing import Annotated

from litestar import get, patch, post, put
from litestar.handlers import HTTPRouteHandler
from litestar.params import QueryParameter

from ghee.core.content import pages, schemas
from ghee.core.content.entries import ListQuery, View, check_locale
from ghee.core.content.pages import NewPage, PageChange
from ghee.core.inputs import check_filter
from ghee.core.tokens import Principal, token_label
from ghee.db.database import Database
from ghee.dialects.buttercms import content
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
    NewPageBody,
    NewSchemaBody,
    PageList,
    PageOne,
    PageUpdateBody,
    Pending,
    SchemaOne,
    SchemaUpdateBody,
    meta_of,
    page_shape,
    schema_one,
)
from ghee.dialects.buttercms.errors import ERRORS
from ghee.http.answers import kept
from ghee.http.auth import ApiRequest, requires

# "query" names Litestar's own query-string argument, so the parameter takes another name in Python.
SearchText = Annotated[
    str | None,
    QueryParameter(name="query", description=f"Text to look for (required, 1 to {pages.MAX_QUERY} characters)"),
]


@get("/pages/search", responses=ERRORS, opt=kept())
async def search_pages(  # noqa: PLR0913 (one parameter per documented query argument)
    request: ApiRequest,
    text: SearchText = None,
    page_type: str | None = None,
    locale: Locale = None,
    preview: Flag = 0,
    page: PageNumber = 1,
    page_size: PageSize = 10,
    levels: Levels = DEFAULT_LEVELS,
) -> PageList:
    """Pages whose slug, name or any text field contains ``query`` (case-insensitive), oldest first."""
    view = View(check_locale(locale), drafts=preview == 1)
    found = await pages.search_pages(request.reads, text or "", page_type, view, page, page_size, levels)
    return PageList(meta_of(found), [page_shape(entry) for entry in found.items])


@get("/pages/{page_type:str}", responses=ERRORS, opt=kept())
async def list_pages(  # noqa: PLR0913 (one parameter per documented query argument)
    request: ApiRequest,
    page_type: str,
    preview: Flag = 0,
    order: str | None = None,
    page: PageNumber = 1,
    page_size: PageSize = 10,
    locale: Locale = None,
    levels: Levels = DEFAULT_LEVELS,
) -> PageList:
    """Pages of a page type (``*``: single pages); filter with ``fields.<key>=<value>``, any number of times."""
    view = View(check_locale(locale), drafts=preview == 1)
    query = ListQuery(field_filters(request), check_filter("order", order), page, page_size, levels)
    found = await pages.list_pages(request.reads, page_type, view, query)
    return PageList(meta_of(found), [page_shape(entry) for entry in found.items])


@get("/pages/{page_type:str}/{slug:str}", responses=ERRORS, opt=kept())
async def get_page(  # noqa: PLR0913 (one parameter per documented query argument)
    request: ApiRequest,
    page_type: str,
    slug: str,
    preview: Flag = 0,
    locale: Locale = None,
    levels: Levels = DEFAULT_LEVELS,
) -> PageOne:
    """One page by page type and slug."""
    view = View(check_locale(locale), drafts=preview == 1)
    return PageOne(page_shape(await pages.get_page(request.reads, page_type, slug, view, levels)))


@post("/pages", responses=ERRORS, status_code=202, opt=requires("write"))
async def create_page(
    db: Database,
    principal: Principal,
    data: NewPageBody,
) -> Pending:
    """Create a page in the default locale (``page_type`` ``*`` for a single page); ``scheduled`` publishes it then."""
    new = NewPage(data.page_type, data.slug, data.title, data.status, data.fields, data.scheduled)
    async with db.write() as work:
        await pages.create_page(work, new, await token_label(work, principal.token_id))
    return Pending()


async def _update_page(  # noqa: PLR0913 (the caller, the page and the change)
    db: Database, principal: Principal, page_type: str, slug: str, data: PageUpdateBody, *, whole: bool
) -> Pending:
    locale = check_locale(data.locale)
    change = PageChange(data.title, data.status, locale, data.fields, replace=whole, scheduled=data.scheduled)
    async with db.write() as work:
        await pages.update_page(work, page_type, slug, change, await token_label(work, principal.token_id))
    return Pending()


@put("/pages/{page_type:str}/{slug:str}", responses=ERRORS, status_code=202, opt=requires("write"))
async def replace_page(
    db: Database,
    principal: Principal,
    page_type: str,
    slug: str,
    data: PageUpdateBody,
) -> Pending:
    """Update a page; ``fields`` replace its values in ``locale`` (``status: "draft"`` keeps a live page live)."""
    return await _update_page(db, principal, page_type, slug, data, whole=True)


@patch("/pages/{page_type:str}/{slug:str}", responses=ERRORS, status_code=202, opt=requires("write"))
async def update_page(
    db: Database,
    principal: Principal,
    page_type: str,
    slug: str,
    data: PageUpdateBody,
) -> Pending:
    """Update a page; ``fields`` are merged into the page's values in ``locale`` (``status: "draft"`` keeps it live)."""
    return await _update_page(db, principal, page_type, slug, data, whole=False)


# Page types


@get("/page_types/{key:str}", responses=ERRORS, opt=kept())
async def get_page_type(request: ApiRequest, key: str) -> SchemaOne:
    """A page type and its field schema."""
    return schema_one(await schemas.get_schema(request.reads, "page_type", key))


@post("/page_types", responses=ERRORS, status_code=202, opt=requires("write"))
async def create_page_type(
    db: Database,
    data: NewSchemaBody,
) -> Pending:
    """Create a page type with its field schema."""
    async with db.write() as work:
        await schemas.create_schema(work, "page_type", data.key, data.name, data.fields)
    return Pending()


@put("/page_types/{key:str}", responses=ERRORS, status_code=202, opt=requires("write"))
async def update_page_type(
    db: Database,
    key: str,
    data: SchemaUpdateBody,
) -> Pending:
    """Rename a page type and/or replace its field schema."""
    async with db.write() as work:
        current = await schemas.get_schema(work, "page_type", key)
        await schemas.update_schema(work, current, data.name, data.fields)
    return Pending()


ROUTES: list[HTTPRouteHandler] = [
    search_pages,
    list_pages,
    get_page,
    create_page,
    replace_page,
    update_page,
    get_page_type,
    create_page_type,
    update_page_type,
    *content.ROUTES,
]
