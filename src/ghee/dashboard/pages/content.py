"""Content (``/content``): blog posts (list, editor, preview) and pages (by page type, in any locale)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec
from litestar import Request, get, post
from litestar.datastructures import UploadFile
from litestar.params import Parameter
from litestar.response import Redirect, Template

from ghee.core import media
from ghee.core.blog.authors import list_authors
from ghee.core.blog.posts import Post, get_post, list_for_editing
from ghee.core.blog.slugs import slugify
from ghee.core.blog.writing import AuthorRef, PostChanges, create_post, delete_post, update_post
from ghee.core.content.entries import (
    DEFAULT_LOCALE,
    ListQuery,
    Status,
    View,
    check_locale,
    locales_in_use,
    stored_values,
)
from ghee.core.content.pages import NewPage, PageChange, create_page, get_page, list_pages, update_page
from ghee.core.content.schemas import get_schema, list_schemas
from ghee.core.paging import Window
from ghee.core.rich_text import clean_html
from ghee.dashboard.nav import NavItem, add_nav
from ghee.dashboard.pages.content_fields import form_inputs, inputs_for, values_from_form
from ghee.dashboard.web import form_fields, render
from ghee.db.database import Database
from ghee.db.reads import Reads
from ghee.errors import Invalid
from ghee.http.services import services_of

POSTS_PER_PAGE = 20
PAGES_PER_PAGE = 20
MAX_PAGE = 100_000
_STATUSES = ("", "draft", "published")

add_nav(NavItem("Content", "/content", order=50))


def _problem(exc: Invalid) -> str:
    return f"{exc.field.replace('_', ' ').capitalize()} {exc.problem}."


@get("/content", sync_to_thread=False)
def content_home() -> Redirect:
    """Content opens on the posts."""
    return Redirect("/content/posts")


# Posts


@get("/content/posts")
async def posts_page(
    request: Request[Any, Any, Any],
    db: Database,
    status: str = "",
    q: str = "",
    page: int = Parameter(default=1, ge=1, le=MAX_PAGE),
) -> Template:
    """Every post, newest first: filtered by status, searched by title or slug, 20 a page."""
    error = ""
    if status not in _STATUSES:
        status, error = "", "Status must be draft, published or all."
    try:
        found = await list_for_editing(
            db.read(), status or None, q, Window(POSTS_PER_PAGE, (page - 1) * POSTS_PER_PAGE)
        )
    except Invalid as exc:
        return render(
            request,
            "pages/content_posts.html",
            status_code=400,
            title="Posts",
            posts=[],
            count=0,
            page=1,
            status=status,
            q="",
            error=_problem(exc),
            has_more=False,
        )
    return render(
        request,
        "pages/content_posts.html",
        status_code=400 if error else 200,
        title="Posts",
        posts=found.items,
        count=found.count,
        page=page,
        has_more=page * POSTS_PER_PAGE < found.count,
        status=status,
        q=q,
        error=error,
    )


class PostForm(msgspec.Struct, frozen=True):
    """The editor's fields as text, as shown and as submitted."""

    title: str = ""
    slug: str = ""
    body: str = ""
    summary: str = ""
    seo_title: str = ""
    meta_description: str = ""
    featured_image: str = ""
    author: str = ""
    categories: str = ""
    tags: str = ""
    status: str = "draft"


def _form_of(found: Post) -> PostForm:
    return PostForm(
        title=found.title,
        slug=found.slug,
        body=found.body,
        summary=found.summary,
        seo_title=found.seo_title,
        meta_description=found.meta_description,
        featured_image=found.featured_image or "",
        author=found.author.slug if found.author else "",
        categories=", ".join(term.name for term in found.categories),
        tags=", ".join(term.name for term in found.tags),
        status=found.status,
    )


def _submitted(fields: dict[str, Any]) -> PostForm:
    text = {name: str(fields.get(name) or "") for name in PostForm.__struct_fields__ if name != "status"}
    return PostForm(**text)


def _names(text: str) -> list[str]:
    return [name.strip() for name in text.split(",") if name.strip()]


def _changes(form: PostForm, status: str, featured_image: str) -> PostChanges:
    slug = form.slug.strip() or (slugify("slug", form.title) if form.title.strip() else "")
    return PostChanges(
        slug=slug or None,
        title=form.title,
        body=form.body,  # core cleans it (core/blog/writing.py)
        summary=form.summary,
        seo_title=form.seo_title,
        meta_description=form.meta_description,
        featured_image=featured_image,
        status=status,
        author=AuthorRef(slug=form.author) if form.author else None,
        categories=_names(form.categories),
        tags=_names(form.tags),
    )


async def _editor(  # noqa: PLR0913 (the page and its notices)
    request: Request[Any, Any, Any],
    reads: Reads,
    form: PostForm,
    *,
    original: str | None,
    error: str = "",
    error_field: str = "",
    saved: str = "",
    status_code: int = 200,
) -> Template:
    authors = await list_authors(reads)
    return render(
        request,
        "pages/content_post_edit.html",
        status_code=status_code,
        title=f"Edit “{form.title}”" if original else "New post",
        # The editor shows the body as HTML: clean what it is given (a row stored before bodies were
        # cleaned, or a refused form sent back), so it never holds more than a save would keep.
        form=msgspec.structs.replace(form, body=clean_html(form.body)),
        original=original,
        authors=authors,
        error=error,
        error_field=error_field,
        saved=saved,
    )


@get("/content/posts/new")
async def new_post_page(request: Request[Any, Any, Any], db: Database) -> Template:
    """An empty editor."""
    return await _editor(request, db.read(), PostForm(), original=None)


@get("/content/posts/{slug:str}/edit")
async def edit_post_page(request: Request[Any, Any, Any], db: Database, slug: str, saved: str = "") -> Template:
    """The editor, filled with the post (drafts included)."""
    found = await get_post(db.read(), slug, preview=True)
    notice = {"draft": "Draft saved.", "published": "Published."}.get(saved, "")
    return await _editor(request, db.read(), _form_of(found), original=found.slug, saved=notice)


async def _save(request: Request[Any, Any, Any], db: Database, original: str | None) -> Template | Redirect:
    """Create or update a post from the editor, in one transaction: all of it is written, or nothing."""
    fields = await form_fields(request)
    form = _submitted(fields)
    status = "published" if fields.get("action") == "publish" else "draft"
    upload = fields.get("featured_image_file")
    media_dir = Path(services_of(request.app.state).settings.media_dir)
    image = (upload.filename, await upload.read()) if isinstance(upload, UploadFile) and upload.filename else None
    try:
        async with db.write() as work:
            featured = form.featured_image.strip()
            if image is not None:
                item = await media.upload(work, media_dir, *image)
                featured = f"{str(request.base_url).rstrip('/')}/media/{item.handle}"
            changes = _changes(form, status, featured)
            if original is None:
                saved = await create_post(work, changes)
            else:
                found = await get_post(work, original, preview=True)
                saved = await update_post(work, found, changes)
    except Invalid as exc:
        field = {"file": "featured_image", "file_name": "featured_image"}.get(exc.field, exc.field)
        return await _editor(
            request,
            db.read(),
            msgspec.structs.replace(form, status=status),
            original=original,
            error=_problem(exc),
            error_field=field,
            status_code=400,
        )
    return Redirect(f"/content/posts/{saved.slug}/edit?saved={saved.status}", status_code=303)


_UPLOAD_LIMIT = media.MAX_BYTES + 1024 * 1024


@post("/content/posts/new", request_max_body_size=_UPLOAD_LIMIT)
async def create_post_page(request: Request[Any, Any, Any], db: Database) -> Template | Redirect:
    """Write a new post as a draft, or published."""
    return await _save(request, db, None)


@post("/content/posts/{slug:str}/edit", request_max_body_size=_UPLOAD_LIMIT)
async def update_post_page(request: Request[Any, Any, Any], db: Database, slug: str) -> Template | Redirect:
    """Save a post's changes, as a draft or published."""
    return await _save(request, db, slug)


@post("/content/posts/{slug:str}/delete")
async def delete_post_page(db: Database, slug: str) -> Redirect:
    """Delete a post."""
    async with db.write() as work:
        await delete_post(work, await get_post(work, slug, preview=True))
    return Redirect("/content/posts", status_code=303)


@get("/content/posts/{slug:str}/preview")
async def preview_post_page(request: Request[Any, Any, Any], db: Database, slug: str) -> Template:
    """The post (a draft too) as the blog shows it; its body cleaned, whoever wrote it."""
    found = await get_post(db.read(), slug, preview=True)
    return render(
        request,
        "pages/content_post_preview.html",
        title=f"Preview: {found.title}",
        post=found,
        body=clean_html(found.body),
    )


# Pages


@get("/content/pages")
async def page_types_page(request: Request[Any, Any, Any], db: Database) -> Template:
    """The page types, each linking to its pages."""
    types = await list_schemas(db.read(), "page_type")
    return render(request, "pages/content_page_types.html", title="Pages", page_types=types)


@get("/content/pages/{page_type:str}")
async def pages_page(
    request: Request[Any, Any, Any],
    db: Database,
    page_type: str,
    page: int = Parameter(default=1, ge=1, le=MAX_PAGE),
) -> Template:
    """The pages of a page type, drafts included, 20 a page."""
    reads = db.read()
    schema = await get_schema(reads, "page_type", page_type)
    found = await list_pages(
        reads, page_type, View(drafts=True), ListQuery(page=page, page_size=PAGES_PER_PAGE, levels=0)
    )
    return render(
        request,
        "pages/content_pages.html",
        title=schema.name,
        schema=schema,
        pages=found.items,
        page=page,
        has_more=found.next_page is not None,
        count=found.count,
    )


async def _page_editor(  # noqa: PLR0913 (the page and its notices)
    request: Request[Any, Any, Any],
    db: Database,
    page_type: str,
    slug: str | None,
    locale: str,
    *,
    form: dict[str, Any] | None = None,
    error: str = "",
    saved: bool = False,
    status_code: int = 200,
) -> Template:
    reads = db.read()
    schema = await get_schema(reads, "page_type", page_type)
    locales = await locales_in_use(reads)
    title, status, fallback = "", "draft", None
    values: dict[str, object] = {}
    if slug is not None:
        entry = await get_page(reads, page_type, slug, View(drafts=True), levels=0)
        title, status = entry.name, entry.status
        if locale == DEFAULT_LOCALE:
            values = entry.values
        else:
            async with db.write() as work:
                values = await stored_values(work, entry.id, locale) or {}
            fallback = entry.values
    if form is not None:
        fields = form_inputs(schema.fields, form)
        title, status = str(form.get("title", title)), str(form.get("status", status))
    else:
        fields = inputs_for(schema.fields, values, fallback)
    return render(
        request,
        "pages/content_page_edit.html",
        status_code=status_code,
        title=f"{title or 'New page'} · {schema.name}",
        schema=schema,
        slug=slug,
        page_title=title,
        status=status,
        locale=locale,
        locales=sorted({*locales, *([locale] if locale else [])}),
        fields=fields,
        error=error,
        saved=saved,
        form_slug=str((form or {}).get("slug", "")),
    )


@get("/content/pages/{page_type:str}/new")
async def new_page_page(request: Request[Any, Any, Any], db: Database, page_type: str) -> Template:
    """An empty page of the page type, in the default locale."""
    return await _page_editor(request, db, page_type, None, DEFAULT_LOCALE)


@post("/content/pages/{page_type:str}/new")
async def create_page_page(request: Request[Any, Any, Any], db: Database, page_type: str) -> Template | Redirect:
    """Create a page from the form."""
    form = await form_fields(request)
    schema = await get_schema(db.read(), "page_type", page_type)
    try:
        values = values_from_form(schema.fields, form)
        status: Status = "published" if form.get("status") == "published" else "draft"
        slug = str(form.get("slug", "")).strip() or slugify("slug", str(form.get("title", "")))
        async with db.write() as work:
            await create_page(work, NewPage(page_type, slug, str(form.get("title", "")), status, values))
    except Invalid as exc:
        return await _page_editor(
            request, db, page_type, None, DEFAULT_LOCALE, form=form, error=_problem(exc), status_code=400
        )
    return Redirect(f"/content/pages/{page_type}/{slug}?saved=1", status_code=303)


@get("/content/pages/{page_type:str}/{slug:str}")
async def edit_page_page(  # noqa: PLR0913 (the page's query arguments)
    request: Request[Any, Any, Any], db: Database, page_type: str, slug: str, locale: str = "", saved: str = ""
) -> Template:
    """The page's fields in one locale (``?locale=``; the default locale's values show through as placeholders)."""
    return await _page_editor(request, db, page_type, slug, check_locale(locale.strip()), saved=saved == "1")


@post("/content/pages/{page_type:str}/{slug:str}")
async def update_page_page(
    request: Request[Any, Any, Any], db: Database, page_type: str, slug: str
) -> Template | Redirect:
    """Save the page's values in the form's locale (its title and status are shared by every locale)."""
    form = await form_fields(request)
    schema = await get_schema(db.read(), "page_type", page_type)
    try:
        locale = check_locale(str(form.get("locale", "")).strip())
    except Invalid as exc:
        return await _page_editor(
            request, db, page_type, slug, DEFAULT_LOCALE, form=form, error=_problem(exc), status_code=400
        )
    try:
        values = values_from_form(schema.fields, form)
        change = PageChange(
            title=str(form.get("title", "")) if locale == DEFAULT_LOCALE else None,
            status="published" if form.get("status") == "published" else "draft",
            locale=locale,
            values=values,
            replace=True,
        )
        async with db.write() as work:
            await update_page(work, page_type, slug, change)
    except Invalid as exc:
        return await _page_editor(request, db, page_type, slug, locale, form=form, error=_problem(exc), status_code=400)
    query = f"?locale={locale}&saved=1" if locale else "?saved=1"
    return Redirect(f"/content/pages/{page_type}/{slug}{query}", status_code=303)


ROUTES = [
    content_home,
    posts_page,
    new_post_page,
    create_post_page,
    edit_post_page,
    update_post_page,
    delete_post_page,
    preview_post_page,
    page_types_page,
    pages_page,
    new_page_page,
    create_page_page,
    edit_page_page,
    update_page_page,
]
