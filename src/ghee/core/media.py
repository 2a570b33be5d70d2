"""Media: uploaded images, stored on disk, and their renderings (resize, crop, format, quality).

An upload is named by a digest of its bytes (its *handle*), so uploading the
same file twice gives the same media. Transformations follow Filestack's URL
syntax, which ButterCMS's image API uses: ``resize=width:300,height:200,fit:crop``
and ``output=format:webp,quality:80``, applied in the order given, at most
``MAX_STEPS`` of them. Renderings are made and kept by ``ghee.core.media_renders``.

Sizes are limited where they are cheap to check: an upload's pixels from its
header, before anything is decoded; a rendering's steps when its URL is read
(and the size of each step's result from the original's header, before it is
decoded, in ``ghee.core.media_renders``).
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import os
import threading
from datetime import datetime
from pathlib import Path

import msgspec
import sqlalchemy as sa
from PIL import Image, UnidentifiedImageError

from ghee.clock import utcnow
from ghee.core.events import record_event
from ghee.core.inputs import check_label
from ghee.core.inserts import insert_unless_taken
from ghee.db.database import Write
from ghee.db.reads import Reads, Row, as_datetime
from ghee.db.tables import media
from ghee.errors import Invalid, NotFound

MAX_BYTES = 25 * 1024 * 1024
MAX_PIXELS = 50_000_000  # decompression bombs are refused, not rendered
MAX_SIDE = 4096
MAX_STEPS = 5  # a URL's transformations: each may decode and resize up to MAX_RENDER_PIXELS
MAX_RENDER_PIXELS = 16_000_000  # of every step's result (4096 on a side as well)
MAX_FILE_NAME = 255
MAX_UPLOAD_BODY = MAX_BYTES + 1024 * 1024
"""A request carrying one upload may be this large: the file and its multipart framing and form fields."""
# Pillow's format name -> (content type, file extension)
FORMATS = {
    "PNG": ("image/png", "png"),
    "JPEG": ("image/jpeg", "jpg"),
    "GIF": ("image/gif", "gif"),
    "WEBP": ("image/webp", "webp"),
}
_OUTPUTS = {"png": "PNG", "jpg": "JPEG", "jpeg": "JPEG", "gif": "GIF", "webp": "WEBP"}
_FITS = ("clip", "crop", "scale", "max")
_HANDLE_LENGTH = 24

# Pillow's own guard, process-wide: it warns past this and refuses past twice this. ghee
# refuses past it itself (``check_pixels``, from the header), so the warning is never reached
# and the refusal is a backstop for any image opened elsewhere.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS


class Media(msgspec.Struct, frozen=True):
    """One uploaded image."""

    id: int
    handle: str
    file_name: str
    content_type: str
    size_bytes: int
    width: int
    height: int
    created_at: datetime


class Resize(msgspec.Struct, frozen=True):
    width: int | None
    height: int | None
    fit: str


class Output(msgspec.Struct, frozen=True):
    format: str | None
    quality: int | None


Step = Resize | Output


def _handle_of(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()[:_HANDLE_LENGTH]


def check_pixels(field: str, width: int, height: int) -> None:
    """Raises ``Invalid`` naming ``field`` when an image of this size has more than ``MAX_PIXELS``."""
    if width * height > MAX_PIXELS:
        raise Invalid(
            field,
            f"is {width}x{height} ({width * height / 1e6:.1f} MP); "
            f"images may have at most {MAX_PIXELS // 1_000_000} megapixels",
        )


def _inspect(content: bytes) -> tuple[str, int, int]:
    """Pillow's format name, width and height; raises ``Invalid`` for anything but a sound image.

    The size comes from the header, and is checked before ``verify`` reads on.
    """
    try:
        with Image.open(io.BytesIO(content)) as image:
            kind, (width, height) = image.format, image.size
            check_pixels("file", width, height)
            image.verify()
    except Image.DecompressionBombError as exc:  # over twice the limit: Pillow refuses before telling the size
        raise Invalid("file", f"images may have at most {MAX_PIXELS // 1_000_000} megapixels") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise Invalid("file", "is not an image ghee can read (PNG, JPEG, GIF or WebP)") from exc
    if kind not in FORMATS:
        raise Invalid("file", f"{kind} images are not supported; send PNG, JPEG, GIF or WebP")
    return kind, width, height


async def upload(work: Write, root: Path, file_name: str, content: bytes) -> Media:
    """Store an image (or find it stored already); emits ``media.created`` when it is new.

    Raises ``Invalid`` for an empty, oversized or unreadable file.
    """
    file_name = check_label("file_name", Path(file_name or "upload").name, MAX_FILE_NAME)
    if not content:
        raise Invalid("file", "is empty")
    if len(content) > MAX_BYTES:
        raise Invalid("file", f"must be at most {MAX_BYTES // (1024 * 1024)} MB")
    kind, width, height = await asyncio.to_thread(_inspect, content)
    content_type, extension = FORMATS[kind]
    handle = _handle_of(content)
    await asyncio.to_thread(write_once, root / "originals" / f"{handle}.{extension}", content)
    now = utcnow()
    values = {
        "handle": handle,
        "file_name": file_name,
        "content_type": content_type,
        "size_bytes": len(content),
        "width": width,
        "height": height,
        "created_at": now,
    }
    row_id = await work.scalar(insert_unless_taken(work, media).values(**values).returning(media.c.id))
    if row_id is None:
        return await get_media(work, handle)
    stored = Media(id=row_id, **values)  # type: ignore[arg-type]
    await record_event(
        work,
        "media.created",
        resource_type="media",
        resource_id=handle,
        project_id=None,
        payload={"handle": handle, "file_name": file_name, "content_type": content_type},
    )
    return stored


def write_once(path: Path, content: bytes) -> None:
    """Write ``content`` to ``path`` unless a file is there already; a reader never sees half a file."""
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    # One partial file per writer: two threads may write the same file at once.
    partial = path.with_suffix(path.suffix + f".{os.getpid()}-{threading.get_ident()}.part")
    partial.write_bytes(content)
    partial.replace(path)  # atomic: a reader never sees half a file


COLUMNS = (
    media.c.id,
    media.c.handle,
    media.c.file_name,
    media.c.content_type,
    media.c.size_bytes,
    media.c.width,
    media.c.height,
    media.c.created_at,
)
"""A ``Media``'s columns, in its order (``media_from`` reads a row of them)."""
_ONE = sa.select(*COLUMNS).where(media.c.handle == sa.bindparam("handle"))


def media_from(row: Row) -> Media:
    """A ``Media`` from a row of its columns in ``Media``'s order."""
    row_id, handle, file_name, content_type, size_bytes, width, height, created_at = row
    return Media(row_id, handle, file_name, content_type, size_bytes, width, height, as_datetime(created_at))  # type: ignore[arg-type]


async def get_media(reads: Reads, handle: str) -> Media:
    """The media ``handle``; raises ``NotFound``."""
    if len(handle) != _HANDLE_LENGTH or not all(c in "0123456789abcdef" for c in handle):
        raise NotFound("media", handle)
    row = await reads.first(_ONE, {"handle": handle})
    if row is None:
        raise NotFound("media", handle)
    return media_from(row)


def parse_steps(segments: list[str]) -> list[Step]:
    """Filestack-style transformation segments as steps; raises ``Invalid`` naming the bad one, or too many."""
    if len(segments) > MAX_STEPS:
        raise Invalid("transform", f"at most {MAX_STEPS} transformations per URL, not {len(segments)}")
    steps: list[Step] = []
    for segment in segments:
        name, sep, argument_text = segment.partition("=")
        if not sep:
            raise Invalid("transform", f"{segment!r} is not a transformation like resize=width:200")
        arguments: dict[str, str] = {}
        for pair in argument_text.split(","):
            key, colon, value = pair.partition(":")
            if not colon or not key or not value:
                raise Invalid("transform", f"{pair!r} in {segment!r} is not a key:value pair")
            arguments[key] = value
        if name == "resize":
            steps.append(_resize(arguments))
        elif name == "output":
            steps.append(_output(arguments))
        else:
            raise Invalid("transform", f"unknown transformation {name!r}; use resize or output")
    return steps


def _number(arguments: dict[str, str], key: str, low: int, high: int) -> int | None:
    value = arguments.pop(key, None)
    if value is None:
        return None
    if not value.isascii() or not value.isdigit() or len(value) > len(str(high)) or not low <= int(value) <= high:
        raise Invalid("transform", f"{key} must be a whole number from {low} to {high}")
    return int(value)


def _resize(arguments: dict[str, str]) -> Resize:
    width = _number(arguments, "width", 1, MAX_SIDE)
    height = _number(arguments, "height", 1, MAX_SIDE)
    fit = arguments.pop("fit", "clip")
    if arguments:
        raise Invalid("transform", f"resize takes width, height and fit, not {', '.join(sorted(arguments))}")
    if width is None and height is None:
        raise Invalid("transform", "resize needs a width, a height or both")
    if fit not in _FITS:
        raise Invalid("transform", f"fit must be one of {', '.join(_FITS)}")
    return Resize(width, height, fit)


def _output(arguments: dict[str, str]) -> Output:
    wanted = arguments.pop("format", None)
    quality = _number(arguments, "quality", 1, 100)
    if arguments:
        raise Invalid("transform", f"output takes format and quality, not {', '.join(sorted(arguments))}")
    if wanted is not None and wanted.lower() not in _OUTPUTS:
        raise Invalid("transform", f"format must be one of {', '.join(sorted(_OUTPUTS))}")
    return Output(_OUTPUTS[wanted.lower()] if wanted else None, quality)


def original_path(root: Path, item: Media) -> Path:
    """Where the uploaded file is kept."""
    return root / "originals" / f"{item.handle}.{item.content_type.rsplit('/', 1)[1].replace('jpeg', 'jpg')}"
