"""Blog authors and terms (``/content/authors``, ``/content/terms/<categories|tags>``): list, create, edit.

Everything goes through the same core as ButterCMS's write API
(``ghee.core.blog.authors``, ``ghee.core.blog.taxonomy``), so the same checks
and events apply. An author's avatar is a URL, or an image uploaded here into
the media library.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar import Request, get, post
from litestar.datastructures import UploadFile
from litestar.response import Redirect, Template

from ghee.core import media
from ghee.core.blog.authors import PROFILE_FIELDS, Author, AuthorChanges, create_author, get_author, list_authors
from ghee.core.blog.authors import update_author as change_author
from ghee.core.blog.taxonomy import CATEGORIES, TAGS, Vocabulary, create_term, get_term, list_terms, update_term
from ghee.dashboard.web import form_fields, problem_text, render
from ghee.db.database import Database
from ghee.errors import Invalid, NotFound
from ghee.http.services import services_of

_VOCABULARIES = {"categories": CATEGORIES, "tags": TAGS}


# Authors


@get("/content/authors")
async def authors_page(request: Request[Any, Any, Any], db: Database) -> Template:
    """Every author, by name, with their avatar."""
    found = await list_authors(db.read())
    return render(request, "pages/content_authors.html", title="Authors", authors=found)


def _author_editor(  # noqa: PLR0913 (the page and its notices)
    request: Request[Any, Any, Any],
    values: dict[str, str],
    *,
    original: str | None,
    error: str = "",
    error_field: str = "",
    saved: bool = False,
    status_code: int = 200,
) -> Template:
    name = f"{values.get('first_name', '')} {values.get('last_name', '')}".strip()
    return render(
        request,
        "pages/content_author_edit.html",
        status_code=status_code,
        title=f"Author: {name}" if original else "New author",
        values=values,
        original=original,
        error=error,
        error_field=error_field,
        saved=saved,
    )


def _values_of(author: Author) -> dict[str, str]:
    return {"slug": author.slug, **{name: getattr(author, name) for name in PROFILE_FIELDS}}


@get("/content/authors/new")
async def new_author_page(request: Request[Any, Any, Any]) -> Template:
    """An empty author form."""
    return _author_editor(request, {}, original=None)


@get("/content/authors/{slug:str}")
async def edit_author_page(request: Request[Any, Any, Any], db: Database, slug: str, saved: str = "") -> Template:
    """An author's profile, to edit."""
    return _author_editor(request, _values_of(await get_author(db.read(), slug)), original=slug, saved=saved == "1")


async def _save_author(request: Request[Any, Any, Any], db: Database, original: str | None) -> Template | Redirect:
    fields = await form_fields(request)
    values = {name: str(fields.get(name) or "") for name in ("slug", *PROFILE_FIELDS)}
    upload = fields.get("profile_image_file")
    image = (upload.filename, await upload.read()) if isinstance(upload, UploadFile) and upload.filename else None
    settings = services_of(request.app.state).settings
    try:
        async with db.write() as work:
            if image is not None:
                item = await media.upload(work, Path(settings.media_dir), *image)
                values["profile_image"] = f"{settings.site.public_url}/media/{item.handle}"
            slug = values["slug"].strip()
            changes = AuthorChanges(**{**values, "slug": slug or None})
            if original is None:
                author = await create_author(work, changes)
            else:
                author = await change_author(work, await get_author(work, original), changes)
    except Invalid as exc:
        field = "profile_image" if exc.field in ("file", "file_name") else exc.field
        return _author_editor(
            request, values, original=original, error=problem_text(exc), error_field=field, status_code=400
        )
    return Redirect(f"/content/authors/{author.slug}?saved=1", status_code=303)


@post("/content/authors/new", request_max_body_size=media.MAX_UPLOAD_BODY)
async def create_author_page(request: Request[Any, Any, Any], db: Database) -> Template | Redirect:
    """Add an author (``author.create``)."""
    return await _save_author(request, db, None)


@post("/content/authors/{slug:str}", request_max_body_size=media.MAX_UPLOAD_BODY)
async def update_author_page(request: Request[Any, Any, Any], db: Database, slug: str) -> Template | Redirect:
    """Change an author's profile (``author.update``)."""
    return await _save_author(request, db, slug)


# Categories and tags


def _vocabulary(kind: str) -> Vocabulary:
    vocabulary = _VOCABULARIES.get(kind)
    if vocabulary is None:
        raise NotFound("page", kind)
    return vocabulary


async def _terms_page(  # noqa: PLR0913 (the page and its notices)
    request: Request[Any, Any, Any],
    db: Database,
    kind: str,
    *,
    error: str = "",
    form: dict[str, str] | None = None,
    saved: str = "",
    status_code: int = 200,
) -> Template:
    vocabulary = _vocabulary(kind)
    return render(
        request,
        "pages/content_terms.html",
        status_code=status_code,
        title=kind.capitalize(),
        kind=kind,
        singular=vocabulary.kind,
        terms=await list_terms(db.read(), vocabulary),
        error=error,
        form=form or {},
        saved=saved,
    )


@get("/content/terms/{kind:str}")
async def terms_page(request: Request[Any, Any, Any], db: Database, kind: str, saved: str = "") -> Template:
    """Every category (or tag), by name, with a form to add one and to rename each."""
    return await _terms_page(request, db, kind, saved=saved)


@post("/content/terms/{kind:str}")
async def create_term_page(request: Request[Any, Any, Any], db: Database, kind: str) -> Template | Redirect:
    """Add a category or tag (its slug made from the name unless given)."""
    vocabulary = _vocabulary(kind)
    fields = await form_fields(request)
    form = {"name": str(fields.get("name") or ""), "slug": str(fields.get("slug") or "").strip()}
    try:
        async with db.write() as work:
            term = await create_term(work, vocabulary, form["name"], form["slug"] or None)
    except Invalid as exc:
        return await _terms_page(request, db, kind, error=problem_text(exc), form=form, status_code=400)
    return Redirect(f"/content/terms/{kind}?saved={term.slug}", status_code=303)


@post("/content/terms/{kind:str}/{slug:str}")
async def update_term_page(request: Request[Any, Any, Any], db: Database, kind: str, slug: str) -> Template | Redirect:
    """Rename a category or tag, or change its slug."""
    vocabulary = _vocabulary(kind)
    fields = await form_fields(request)
    name, new_slug = str(fields.get("name") or ""), str(fields.get("slug") or "").strip()
    try:
        async with db.write() as work:
            term = await update_term(work, vocabulary, await get_term(work, vocabulary, slug), name, new_slug or None)
    except Invalid as exc:
        return await _terms_page(request, db, kind, error=problem_text(exc), status_code=400)
    return Redirect(f"/content/terms/{kind}?saved={term.slug}", status_code=303)


ROUTES = [
    authors_page,
    new_author_page,
    edit_author_page,
    create_author_page,
    update_author_page,
    terms_page,
    create_term_page,
    update_term_page,
]
