"""The media library (``/content/media``): upload images, browse them, copy or reuse them, delete unused ones.

``/content/media.json`` lists the same images for the post editor's image
picker, which inserts one into a body by its URL.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import msgspec
from litestar import Request, get, post
from litestar.datastructures import UploadFile
from litestar.params import Parameter
from litestar.response import Redirect, Template

from ghee.core import media
from ghee.core.media_library import delete_media, list_media, remove_original, uses_of
from ghee.core.paging import Window
from ghee.dashboard.web import form_fields, render
from ghee.db.database import Database
from ghee.errors import Conflict, Invalid
from ghee.http.services import services_of

PER_PAGE = 24
MAX_PAGE = 100_000


class LibraryImage(msgspec.Struct, frozen=True):
    """One image as the library and the editor's picker show it."""

    handle: str
    url: str
    thumbnail: str
    file_name: str
    width: int
    height: int
    size_bytes: int


def _shown(item: media.Media, public_url: str) -> LibraryImage:
    url = f"{public_url}/media/{item.handle}"
    thumbnail = f"/media/resize=width:240,height:160,fit:max/{item.handle}"  # a rendering, kept after the first
    return LibraryImage(item.handle, url, thumbnail, item.file_name, item.width, item.height, item.size_bytes)


async def _library(  # noqa: PLR0913 (the page and its notices)
    request: Request[Any, Any, Any],
    db: Database,
    page: int,
    *,
    error: str = "",
    saved: str = "",
    deleted: str = "",
    status_code: int = 200,
) -> Template:
    found = await list_media(db.read(), Window(PER_PAGE, (page - 1) * PER_PAGE))
    public_url = services_of(request.app.state).settings.site.public_url
    return render(
        request,
        "pages/content_media.html",
        status_code=status_code,
        title="Media",
        images=[_shown(item, public_url) for item in found.items],
        page=page,
        has_more=found.has_more,
        error=error,
        saved=saved,
        deleted=deleted,
    )


@get("/content/media")
async def media_page(
    request: Request[Any, Any, Any],
    db: Database,
    saved: str = "",
    deleted: str = Parameter(default="", max_length=1000),
    page: int = Parameter(default=1, ge=1, le=MAX_PAGE),
) -> Template:
    """Uploaded images, newest first, 24 a page."""
    return await _library(request, db, page, saved=saved, deleted=deleted)


@get("/content/media.json")
async def media_json(
    request: Request[Any, Any, Any], db: Database, page: int = Parameter(default=1, ge=1, le=MAX_PAGE)
) -> dict[str, Any]:
    """The same images for the editor's picker: ``{"images": [...], "has_more": bool}``."""
    found = await list_media(db.read(), Window(PER_PAGE, (page - 1) * PER_PAGE))
    public_url = services_of(request.app.state).settings.site.public_url
    return {"images": [_shown(item, public_url) for item in found.items], "has_more": found.has_more}


@post("/content/media", request_max_body_size=media.MAX_UPLOAD_BODY)
async def upload_media_page(request: Request[Any, Any, Any], db: Database) -> Template | Redirect:
    """Add an image to the library (the same image twice is kept once)."""
    fields = await form_fields(request)
    upload = fields.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return await _library(request, db, 1, error="Choose an image to upload.", status_code=400)
    try:
        async with db.write() as work:
            item = await media.upload(
                work, Path(services_of(request.app.state).settings.media_dir), upload.filename, await upload.read()
            )
    except Invalid as exc:
        return await _library(request, db, 1, error=f"The file {exc.problem}.", status_code=400)
    return Redirect(f"/content/media?saved={item.handle}", status_code=303)


@get("/content/media/{handle:str}/delete")
async def confirm_delete_media(request: Request[Any, Any, Any], db: Database, handle: str) -> Template:
    """Ask before deleting an image (one in use is refused when asked to go, with where it is used)."""
    item = await media.get_media(db.read(), handle)
    return render(
        request,
        "pages/confirm.html",
        title=f"Delete {item.file_name}",
        question=f"Delete the image “{item.file_name}”?",
        consequence="Its file goes and its URL stops working. An image in use is not deleted. This cannot be undone.",
        action=f"/content/media/{item.handle}/delete",
        verb="Delete image",
        cancel="/content/media",
    )


@post("/content/media/{handle:str}/delete")
async def delete_media_page(request: Request[Any, Any, Any], db: Database, handle: str) -> Template | Redirect:
    """Delete an image nothing uses, then say so on the library; one in use stays, and the page says where."""
    try:
        async with db.write() as work:
            item = await delete_media(work, handle)
    except Conflict as exc:
        return await _library(request, db, 1, error=f"Not deleted: {exc.reason}.", status_code=409)
    await remove_original(Path(services_of(request.app.state).settings.media_dir), item)
    return Redirect("/content/media?" + urlencode({"deleted": item.file_name}), status_code=303)


@get("/content/media/{handle:str}")
async def media_uses_page(request: Request[Any, Any, Any], db: Database, handle: str) -> Template:
    """One image: its URL to copy, and everything that shows it."""
    reads = db.read()
    item = await media.get_media(reads, handle)
    public_url = services_of(request.app.state).settings.site.public_url
    return render(
        request,
        "pages/content_media_item.html",
        title=item.file_name,
        image=_shown(item, public_url),
        uses=await uses_of(reads, handle),
    )


ROUTES = [media_page, media_json, upload_media_page, confirm_delete_media, delete_media_page, media_uses_page]
