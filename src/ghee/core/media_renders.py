"""Renderings of uploaded images: made on a few threads of their own, within a time and size budget, kept.

Anyone may ask for a rendering (web pages embed them without a token), so
what one costs is bounded, whoever asks:

- its size: at most ``MAX_STEPS`` steps (``ghee.core.media``), and every
  step's result at most ``MAX_SIDE`` on a side and ``MAX_RENDER_PIXELS`` in
  all, checked from the original's header before anything is decoded;
- its time: it waits for a thread and renders within ``render_seconds``, else
  the request answers ``TimedOut`` (a job not yet started is dropped, one
  running stops at its next step);
- who waits: it runs on ``render_threads`` threads of its own, so other
  requests (sign-in, uploads, kept files) never queue behind it;
- the disk: it is kept in a ``RenderCache`` within its budget.

How often a client may ask for new renderings is the caller's to limit
(``render_rate_limit``): kept renderings cost nothing and are not counted.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import msgspec
from PIL import ExifTags, Image, ImageOps

from ghee.config import MediaSettings
from ghee.core.media import (
    FORMATS,
    MAX_RENDER_PIXELS,
    MAX_SIDE,
    Media,
    Output,
    Resize,
    Step,
    check_pixels,
    original_path,
)
from ghee.core.media_cache import RenderCache
from ghee.errors import Invalid, TimedOut

_WORK = "image rendering"
_SIDEWAYS = {5, 6, 7, 8}  # EXIF orientations that swap width and height


class Rendering(msgspec.Struct, frozen=True):
    """A rendering to send: its bytes and content type."""

    content: bytes
    content_type: str


class _Deadline(msgspec.Struct, frozen=True):
    """When a rendering's time is up, and its budget (for the error)."""

    at: float
    seconds: float

    def check(self) -> None:
        """Raises ``TimedOut`` once the time is up (the request has then answered, or is about to)."""
        if time.monotonic() > self.at:
            raise TimedOut(_WORK, self.seconds)


class Renderer:
    """Makes and keeps the renderings of the originals under ``root``; one per process, closed with it."""

    def __init__(self, root: Path, settings: MediaSettings) -> None:
        self._root = root
        self._cache = RenderCache(root / "renders", settings.render_cache_mb * 1024 * 1024)
        self._seconds = settings.render_seconds
        self._threads = ThreadPoolExecutor(settings.render_threads, thread_name_prefix="ghee-render")

    def close(self) -> None:
        """Drop renderings not started; those running finish on their own."""
        self._threads.shutdown(wait=False, cancel_futures=True)

    async def kept(self, item: Media, steps: list[Step]) -> Rendering | None:
        """The rendering of ``item`` by ``steps`` if it is kept, else ``None``."""
        kind, path = self._target(item, steps)
        content = await asyncio.to_thread(self._cache.read, path)
        return None if content is None else Rendering(content, FORMATS[kind][0])

    async def render(self, item: Media, steps: list[Step]) -> Rendering:
        """Make the rendering of ``item`` by ``steps`` and keep it.

        Raises ``Invalid`` when a step's result would be too large (or the
        original is), ``TimedOut`` past the time budget.
        """
        kind, path = self._target(item, steps)
        deadline = _Deadline(time.monotonic() + self._seconds, self._seconds)
        job = self._threads.submit(self._make, original_path(self._root, item), path, steps, kind, deadline)
        try:
            async with asyncio.timeout(self._seconds):
                content = await asyncio.wrap_future(job)  # cancelled on timeout: a job not started never runs
        except TimeoutError as exc:
            raise TimedOut(_WORK, self._seconds) from exc
        return Rendering(content, FORMATS[kind][0])

    def _target(self, item: Media, steps: list[Step]) -> tuple[str, Path]:
        """The Pillow format of the rendering and where it is kept."""
        wanted = next((s.format for s in reversed(steps) if isinstance(s, Output) and s.format), None)
        kind = wanted or next(k for k, (content_type, _) in FORMATS.items() if content_type == item.content_type)
        key = hashlib.sha256(msgspec.json.encode(steps)).hexdigest()[:24]
        return kind, self._cache.path_for(item.handle, key, FORMATS[kind][1])

    def _make(self, source: Path, target: Path, steps: list[Step], kind: str, deadline: _Deadline) -> bytes:
        """On a render thread: the rendering's bytes, kept unless it ran out of time."""
        deadline.check()
        content = _render(source, steps, kind, deadline)
        deadline.check()
        self._cache.keep(target, content)
        return content


def _render(source: Path, steps: list[Step], kind: str, deadline: _Deadline) -> bytes:
    with Image.open(source) as opened:
        width, height = opened.size
        check_pixels("media", width, height)  # an original kept before the limit held
        sideways = opened.getexif().get(ExifTags.Base.Orientation) in _SIDEWAYS
        planned_sizes((height, width) if sideways else (width, height), steps)
        image = ImageOps.exif_transpose(opened) or opened
        image.load()
    quality: int | None = None
    for step in steps:
        deadline.check()
        if isinstance(step, Resize):
            image = _resized(image, step)
        elif step.quality is not None:
            quality = step.quality
    if kind == "JPEG" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    out = io.BytesIO()
    options = {"quality": quality} if quality is not None and kind in ("JPEG", "WEBP") else {}
    image.save(out, format=kind, **options)
    return out.getvalue()


def planned_sizes(size: tuple[int, int], steps: list[Step]) -> list[tuple[int, int]]:
    """The size after each resize step, starting from ``size``; raises ``Invalid`` when one is too large."""
    sizes: list[tuple[int, int]] = []
    for step in steps:
        if isinstance(step, Resize):
            size = _step_size(size, step)
            _check_size(size)
            sizes.append(size)
    return sizes


def _check_size(size: tuple[int, int]) -> None:
    width, height = size
    if max(width, height) > MAX_SIDE:
        raise Invalid(
            "transform", f"would make a {width}x{height} image; renderings may be at most {MAX_SIDE} pixels on a side"
        )
    if width * height > MAX_RENDER_PIXELS:
        raise Invalid(
            "transform",
            f"would make a {width}x{height} image ({width * height / 1e6:.1f} MP); "
            f"renderings may have at most {MAX_RENDER_PIXELS // 1_000_000} megapixels",
        )


def _box(size: tuple[int, int], step: Resize) -> tuple[int, int]:
    """The box a resize fits into: a missing side follows the image's aspect ratio."""
    width, height = size
    box_width = step.width or max(1, round(width * (step.height or height) / height))
    box_height = step.height or max(1, round(height * (step.width or width) / width))
    return box_width, box_height


def _step_size(size: tuple[int, int], step: Resize) -> tuple[int, int]:
    """The size a resize step makes of an image of ``size`` (the arithmetic of Pillow's ``ImageOps.contain``)."""
    width, height = size
    box_width, box_height = _box(size, step)
    if step.fit in ("scale", "crop"):
        return box_width, box_height
    if step.fit == "max" and width <= box_width and height <= box_height:
        return size  # never enlarged
    if width / height > box_width / box_height:
        return box_width, max(1, round(height / width * box_width))
    if width / height < box_width / box_height:
        return max(1, round(width / height * box_height)), box_height
    return box_width, box_height


def _resized(image: Image.Image, step: Resize) -> Image.Image:
    size = _step_size(image.size, step)
    if size == image.size and step.fit == "max":
        return image
    if step.fit == "crop":
        return ImageOps.fit(image, size, Image.Resampling.LANCZOS)
    return image.resize(size, Image.Resampling.LANCZOS)
