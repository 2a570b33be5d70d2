"""Content (``/content``): blog posts (list, editor, preview) and pages (by page type, in any locale)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import msgspec
from litestar import Request, get, post
from litestar.datastructures import UploadFile
from litestar.params import Parameter
from litestar.response import Redirect, Template

from ghee.core import media
from ghee.core.blog.authors import list_authors
from ghee.core.blog.drafts import previewed
from ghee.core.blog.posts import Post, get_post, list_for_editing
from ghee.core.blog.slugs import slugify
from ghee.core.blog.writing import (
    AuthorRef,
    PostChanges,
    create_post,
    delete_post,
    restore_revision,
    unpublish_post,
    update_post,
)
from ghee.core.content.choices import reference_choices, reference_targets
from ghee.core.content.entries import (
    DEFAULT_LOCALE,
    ListQuery,
    Status,
    View,
    check_locale,
    locales_in_use,
)
from ghee.core.content.pages import NewPage, PageChange, create_page, get_page, list_pages, update_page
from ghee.core.content.publishing import announce, editing_values
from ghee.core.content.publishing import restore_revision as restore_entry_revision
from ghee.core.content.schemas import get_schema, list_schemas
from ghee.core.paging import Window
from ghee.core.patch_notes import PATCH_NOTES_TAG
from ghee.core.revisions import list_revisions
from ghee.core.rich_text import clean_html
from ghee.core.users import User
from ghee.dashboard.nav import NavItem, add_nav
from ghee.dashboard.pages.content_fields import form_inputs, inputs_for, values_from_form
from ghee.dashboard.web import form_fields, problem_text, render
from ghee.db.database import Database
from ghee.db.reads import Reads
from ghee.errors import Invalid
from ghee.http.services import services_of

POSTS_PER_PAGE = 20
PAGES_PER_PAGE = 20
MAX_PAGE = 100_000
_STATUSES = ("", "draft", "published")

add_nav(NavItem("Content", "/content", order=50))


@get("/content", sync_to_thread=False)
def content_home() -> Redirect:
    """Content opens on the posts."""
    return Redirect("/content/posts")


# Posts


@get("/content/posts")
async def posts_page(  # noqa: PLR0913 (one parameter per query argument)
    request: Request[Any, Any, Any],
    db: Database,
    status: str = "",
    q: str = "",
    patch_notes: str = "",
    page: int = Parameter(default=1, ge=1, le=MAX_PAGE),
    deleted: str = Parameter(default="", max_length=1000),
) -> Template:
    """Every post, newest first: filtered by status, searched by title or slug, patch notes hidden or not."""
    error = ""
    if status not in _STATUSES:
        status, error = "", "Status must be draft, published or all."
    hide = PATCH_NOTES_TAG if patch_notes == "hide" else None
    try:
        window = Window(POSTS_PER_PAGE, (page - 1) * POSTS_PER_PAGE)
        found = await list_for_editing(db.read(), status or None, q, window, hide_tag=hide)
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
            patch_notes=patch_notes,
            error=problem_text(exc),
            has_more=False,
            deleted="",
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
        patch_notes=patch_notes,
        error=error,
        deleted=deleted,
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


def _changes(form: PostForm, status: str, featured_image: str, scheduled: datetime | None) -> PostChanges:
    slug = form.slug.strip() or (slugify("slug", form.title) if form.title.strip() else "")
    return PostChanges(
        scheduled=scheduled,
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
    original: Post | None,
    error: str = "",
    error_field: str = "",
    saved: str = "",
    status_code: int = 200,
) -> Template:
    authors = await list_authors(reads)
    revisions = (await list_revisions(reads, "post", original.id, Window(REVISIONS_SHOWN)))[0] if original else []
    return render(
        request,
        "pages/content_post_edit.html",
        status_code=status_code,
        title=f"Edit “{form.title}”" if original else "New post",
        # The editor shows the body as HTML: clean what it is given (a row stored before bodies were
        # cleaned, or a refused form sent back), so it never holds more than a save would keep.
        form=msgspec.structs.replace(form, body=clean_html(form.body)),
        original=original.slug if original else None,
        post=original,
        revisions=revisions,
        authors=authors,
        error=error,
        error_field=error_field,
        saved=saved,
    )


REVISIONS_SHOWN = 20
_NOTICES = {
    "draft": "Draft saved.",
    "published": "Published.",
    "scheduled": "Scheduled.",
    "unpublished": "Unpublished: the post is a draft again.",
    "restored": "The revision is now the draft: publish it to make it live.",
}


@get("/content/posts/new")
async def new_post_page(request: Request[Any, Any, Any], db: Database) -> Template:
    """An empty editor."""
    return await _editor(request, db.read(), PostForm(), original=None)


@get("/content/posts/{slug:str}/edit")
async def edit_post_page(request: Request[Any, Any, Any], db: Database, slug: str, saved: str = "") -> Template:
    """The editor, filled with the post's working draft if it has one (drafts included)."""
    reads = db.read()
    found = await get_post(reads, slug, preview=True)
    form = _form_of(await previewed(reads, found))
    return await _editor(request, reads, form, original=found, saved=_NOTICES.get(saved, ""))


def _scheduled(text: str) -> datetime:
    """The editor's "Publish at" (UTC, ``datetime-local``); raises ``Invalid("scheduled")``."""
    try:
        return datetime.fromisoformat(text.strip()).replace(tzinfo=UTC)
    except ValueError:
        raise Invalid("scheduled", "must be a date and time (UTC)") from None


async def _save(request: Request[Any, Any, Any], db: Database, user: User, original: str | None) -> Template | Redirect:
    """Create or update a post from the editor, in one transaction: all of it is written, or nothing.

    "Save draft" keeps a live post live and a schedule as it is; "Publish" (or
    "Update") makes the editor's content live; "Schedule" publishes it at the
    time given; "Cancel schedule" keeps it a draft.
    """
    fields = await form_fields(request)
    form = _submitted(fields)
    action = str(fields.get("action") or "draft")
    status = "published" if action == "publish" else "draft"
    upload = fields.get("featured_image_file")
    media_dir = Path(services_of(request.app.state).settings.media_dir)
    image = (upload.filename, await upload.read()) if isinstance(upload, UploadFile) and upload.filename else None
    try:
        scheduled = _scheduled(str(fields.get("scheduled_at") or "")) if action == "schedule" else None
        async with db.write() as work:
            found = await get_post(work, original, preview=True) if original is not None else None
            if action == "draft" and found is not None and found.scheduled_at is not None:
                scheduled = found.scheduled_at.replace(tzinfo=UTC)  # saving a draft keeps its schedule
            featured = form.featured_image.strip()
            if image is not None:
                item = await media.upload(work, media_dir, *image)
                featured = f"{services_of(request.app.state).settings.site.public_url}/media/{item.handle}"
            changes = _changes(form, status, featured, scheduled)
            if found is None:
                saved = await create_post(work, changes, user.email)
            else:
                saved = await update_post(work, found, changes, user.email)
    except Invalid as exc:
        field = {"file": "featured_image", "file_name": "featured_image"}.get(exc.field, exc.field)
        return await _editor(
            request,
            db.read(),
            msgspec.structs.replace(form, status=status),
            original=await get_post(db.read(), original, preview=True) if original else None,
            error=problem_text(exc),
            error_field=field,
            status_code=400,
        )
    notice = "scheduled" if saved.scheduled_at is not None else status
    return Redirect(f"/content/posts/{saved.slug}/edit?saved={notice}", status_code=303)


@post("/content/posts/new", request_max_body_size=media.MAX_UPLOAD_BODY)
async def create_post_page(request: Request[Any, Any, Any], db: Database, current_user: User) -> Template | Redirect:
    """Write a new post as a draft, published, or scheduled."""
    return await _save(request, db, current_user, None)


@post("/content/posts/{slug:str}/edit", request_max_body_size=media.MAX_UPLOAD_BODY)
async def update_post_page(
    request: Request[Any, Any, Any], db: Database, current_user: User, slug: str
) -> Template | Redirect:
    """Save a post's changes: a draft (a live post stays live), published, or scheduled."""
    return await _save(request, db, current_user, slug)


@post("/content/posts/{slug:str}/unpublish")
async def unpublish_post_page(db: Database, slug: str) -> Redirect:
    """Take a live post offline: it is a draft again (``post.delete``)."""
    async with db.write() as work:
        found = await unpublish_post(work, await get_post(work, slug, preview=True))
    return Redirect(f"/content/posts/{found.slug}/edit?saved=unpublished", status_code=303)


@post("/content/posts/{slug:str}/revisions/{number:int}/restore")
async def restore_post_revision_page(
    request: Request[Any, Any, Any], db: Database, current_user: User, slug: str, number: int
) -> Template | Redirect:
    """Make an old revision the post's draft (a live post keeps its live version until published)."""
    try:
        async with db.write() as work:
            await restore_revision(work, await get_post(work, slug, preview=True), number, current_user.email)
    except Invalid as exc:
        found = await get_post(db.read(), slug, preview=True)
        form = _form_of(await previewed(db.read(), found))
        return await _editor(request, db.read(), form, original=found, error=problem_text(exc), status_code=400)
    return Redirect(f"/content/posts/{slug}/edit?saved=restored", status_code=303)


@get("/content/posts/{slug:str}/delete")
async def confirm_delete_post(request: Request[Any, Any, Any], db: Database, slug: str) -> Template:
    """Ask before deleting a post."""
    found = await get_post(db.read(), slug, preview=True)
    live = " It is live: the blog stops showing it at once." if found.status == "published" else ""
    return render(
        request,
        "pages/confirm.html",
        title=f"Delete {found.title}",
        question=f"Delete the post “{found.title}”?",
        consequence=f"Its text, drafts and revisions go with it.{live} This cannot be undone.",
        action=f"/content/posts/{found.slug}/delete",
        verb="Delete post",
        cancel=f"/content/posts/{found.slug}/edit",
    )


@post("/content/posts/{slug:str}/delete")
async def delete_post_page(db: Database, slug: str) -> Redirect:
    """Delete a post, then say so on the list."""
    async with db.write() as work:
        found = await get_post(work, slug, preview=True)
        await delete_post(work, found)
    return Redirect("/content/posts?" + urlencode({"deleted": found.title}), status_code=303)


@get("/content/posts/{slug:str}/preview")
async def preview_post_page(request: Request[Any, Any, Any], db: Database, slug: str) -> Template:
    """The post as the blog would show it once published (its working draft, if any); its body cleaned."""
    found = await previewed(db.read(), await get_post(db.read(), slug, preview=True))
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
    saved: str = "",
    status_code: int = 200,
) -> Template:
    reads = db.read()
    schema = await get_schema(reads, "page_type", page_type)
    locales = await locales_in_use(reads)
    title, fallback, entry, revisions = "", None, None, []
    values: dict[str, object] = {}
    if slug is not None:
        entry = await get_page(reads, page_type, slug, View(drafts=True), levels=0)  # its working draft, if any
        title = entry.name
        if locale == DEFAULT_LOCALE:
            values = entry.values
        else:
            values = await editing_values(reads, entry.id, locale)
            fallback = entry.values
        revisions = (await list_revisions(reads, "page", entry.id, Window(REVISIONS_SHOWN)))[0]
    choices = await reference_choices(reads, reference_targets(schema.fields))
    if form is not None:
        fields = form_inputs(schema.fields, form, choices)
        title = str(form.get("title", title))
    else:
        fields = inputs_for(schema.fields, values, fallback, choices)
    return render(
        request,
        "pages/content_page_edit.html",
        status_code=status_code,
        title=f"{title or 'New page'} · {schema.name}",
        schema=schema,
        slug=slug,
        entry=entry,
        revisions=revisions,
        page_title=title,
        locale=locale,
        locales=sorted({*locales, *([locale] if locale else [])}),
        fields=fields,
        error=error,
        saved=_NOTICES.get(saved, ""),
        form_slug=str((form or {}).get("slug", "")),
    )


def _page_action(form: dict[str, Any]) -> tuple[Status, datetime | None]:
    """The status and schedule the page editor's button asks for."""
    action = str(form.get("action") or "draft")
    if action == "schedule":
        return "draft", _scheduled(str(form.get("scheduled_at") or ""))
    return ("published" if action == "publish" else "draft"), None


@get("/content/pages/{page_type:str}/new")
async def new_page_page(request: Request[Any, Any, Any], db: Database, page_type: str) -> Template:
    """An empty page of the page type, in the default locale."""
    return await _page_editor(request, db, page_type, None, DEFAULT_LOCALE)


@post("/content/pages/{page_type:str}/new")
async def create_page_page(
    request: Request[Any, Any, Any], db: Database, current_user: User, page_type: str
) -> Template | Redirect:
    """Create a page from the form."""
    form = await form_fields(request)
    schema = await get_schema(db.read(), "page_type", page_type)
    try:
        values = values_from_form(schema.fields, form)
        status, scheduled = _page_action(form)
        slug = str(form.get("slug", "")).strip() or slugify("slug", str(form.get("title", "")))
        new = NewPage(page_type, slug, str(form.get("title", "")), status, values, scheduled)
        async with db.write() as work:
            await create_page(work, new, current_user.email)
    except Invalid as exc:
        return await _page_editor(
            request, db, page_type, None, DEFAULT_LOCALE, form=form, error=problem_text(exc), status_code=400
        )
    notice = "scheduled" if scheduled else status
    return Redirect(f"/content/pages/{page_type}/{slug}?saved={notice}", status_code=303)


@get("/content/pages/{page_type:str}/{slug:str}")
async def edit_page_page(  # noqa: PLR0913 (the page's query arguments)
    request: Request[Any, Any, Any], db: Database, page_type: str, slug: str, locale: str = "", saved: str = ""
) -> Template:
    """The page's fields in one locale (``?locale=``; the default locale's values show through as placeholders)."""
    return await _page_editor(request, db, page_type, slug, check_locale(locale.strip()), saved=saved)


@post("/content/pages/{page_type:str}/{slug:str}")
async def update_page_page(
    request: Request[Any, Any, Any], db: Database, current_user: User, page_type: str, slug: str
) -> Template | Redirect:
    """Save the page's values in the form's locale as a draft, published, or scheduled (title shared by all)."""
    form = await form_fields(request)
    schema = await get_schema(db.read(), "page_type", page_type)
    try:
        locale = check_locale(str(form.get("locale", "")).strip())
    except Invalid as exc:
        return await _page_editor(
            request, db, page_type, slug, DEFAULT_LOCALE, form=form, error=problem_text(exc), status_code=400
        )
    try:
        values = values_from_form(schema.fields, form)
        status, scheduled = _page_action(form)
        change = PageChange(
            title=str(form.get("title", "")) if locale == DEFAULT_LOCALE else None,
            status=status,
            locale=locale,
            values=values,
            replace=True,
            scheduled=scheduled,
        )
        async with db.write() as work:
            await update_page(work, page_type, slug, change, current_user.email)
    except Invalid as exc:
        return await _page_editor(
            request, db, page_type, slug, locale, form=form, error=problem_text(exc), status_code=400
        )
    notice = "scheduled" if scheduled else status
    query = f"?locale={locale}&saved={notice}" if locale else f"?saved={notice}"
    return Redirect(f"/content/pages/{page_type}/{slug}{query}", status_code=303)


@post("/content/pages/{page_type:str}/{slug:str}/revisions/{number:int}/restore")
async def restore_page_revision_page(db: Database, page_type: str, slug: str, number: int) -> Redirect:
    """Make an old revision the page's draft (a live page keeps its live version until published)."""
    entry = await get_page(db.read(), page_type, slug, View(drafts=True), levels=0)
    async with db.write() as work:
        outcome = await restore_entry_revision(work, "page", entry.id, number)
        await announce(work, "page", entry.id, outcome)
    return Redirect(f"/content/pages/{page_type}/{slug}?saved=restored", status_code=303)


ROUTES = [
    content_home,
    posts_page,
    new_post_page,
    create_post_page,
    edit_post_page,
    update_post_page,
    confirm_delete_post,
    delete_post_page,
    unpublish_post_page,
    restore_post_revision_page,
    preview_post_page,
    page_types_page,
    pages_page,
    new_page_page,
    create_page_page,
    edit_page_page,
    update_page_page,
    restore_page_revision_page,
]
