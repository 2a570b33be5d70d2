"""Media: ``POST /v2/media/`` uploads an image; ``/media/...`` serves it, transformed Filestack-style.

``/media/<handle>`` is the original; ``/media/resize=width:300,height:200,fit:crop/output=format:webp/<handle>``
a rendering. Files are public (web pages embed them without a token) and
never change under a URL, so they are served with a year-long, immutable
``Cache-Control``. What a rendering may cost is bounded in ``ghee.core.media_renders``;
how many new ones a client may ask for, here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, Router, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.handlers import HTTPRouteHandler
from litestar.params import Body
from litestar.response import File

from ghee.clock import iso
from ghee.core import media
from ghee.db.database import Database
from ghee.dialects.buttercms.errors import ERRORS
from ghee.errors import Invalid
from ghee.http.auth import requires
from ghee.http.services import services_of

_IMMUTABLE = "public, max-age=31536000, immutable"

IMAGE_TYPES = tuple(content_type for content_type, _ in media.FORMATS.values())
"""What ``/media/...`` answers; the OpenAPI document lists them all (see ``ghee.app``)."""


@dataclass
class MediaUpload:
    file: list[UploadFile]  # one part, please: several parts named "file" are refused below


class MediaShape(msgspec.Struct):
    id: str
    url: str
    file_name: str
    content_type: str
    size: int
    width: int
    height: int
    uploaded_at: str


class MediaCreated(msgspec.Struct):
    data: MediaShape


def _root(request: Request[Any, Any, Any]) -> Path:
    return Path(services_of(request.app.state).settings.media_dir)


@post(
    "/media",
    status_code=201,
    responses=ERRORS,
    request_max_body_size=media.MAX_UPLOAD_BODY,
    opt=requires("write"),
)
async def upload_media(
    request: Request[Any, Any, Any],
    db: Database,
    data: Annotated[MediaUpload, Body(media_type=RequestEncodingType.MULTI_PART)],
) -> MediaCreated:
    """Upload an image (multipart field ``file``: PNG, JPEG, GIF or WebP, up to 25 MB)."""
    if len(data.file) != 1:
        raise Invalid("file", f"send one part named file, not {len(data.file)}")
    [upload] = data.file
    if not upload.filename.strip():
        raise Invalid("file", "the file part needs a filename")
    content = await upload.read()
    async with db.write() as work:
        item = await media.upload(work, _root(request), upload.filename, content)
    url = f"{services_of(request.app.state).settings.site.public_url}/media/{item.handle}"
    return MediaCreated(
        MediaShape(
            item.handle,
            url,
            item.file_name,
            item.content_type,
            item.size_bytes,
            item.width,
            item.height,
            iso(item.created_at) or "",
        )
    )


ROUTES: list[HTTPRouteHandler] = [upload_media]


@get("/{path:path}", responses=ERRORS)
async def media_file(request: Request[Any, Any, Any], path: str) -> Response[bytes] | File:
    """An uploaded image, transformed by the path's leading segments (``resize=...``, ``output=...``).

    A new rendering counts against its client's rendering limit; a kept one does not.
    """
    *segments, handle = path.strip("/").split("/")
    services = services_of(request.app.state)
    item = await media.get_media(services.db.read(), handle)
    steps = media.parse_steps(segments)
    if not steps:
        return File(
            media.original_path(_root(request), item),
            media_type=item.content_type,
            content_disposition_type="inline",
            headers={"Cache-Control": _IMMUTABLE},
        )
    rendering = await services.renders.kept(item, steps)
    if rendering is None:
        client = request.client.host if request.client else "unknown"
        await services.limiter.hit(f"render:{client}", services.settings.media.render_rate_limit)
        rendering = await services.renders.render(item, steps)
    return Response(
        rendering.content,
        media_type=rendering.content_type,
        headers={"Cache-Control": _IMMUTABLE, "Content-Disposition": "inline"},
    )


files = Router(path="/media", route_handlers=[media_file], tags=["ButterCMS"])
"""The public file routes (no token), registered next to the ``/v2`` router."""
