"""Images to upload, an upload helper, and held originals: a render reading one waits until the test lets it."""

from __future__ import annotations

import errno
import io
import os
import random
import time
from pathlib import Path

import httpx
import pytest
from PIL import Image

HANG_GUARD = 60.0
"""Seconds before a request that should answer is taken to hang (a failure, not a measurement)."""


def image_bytes(size: tuple[int, int], kind: str = "PNG", color: str | tuple[int, int, int] = "teal") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format=kind)
    return out.getvalue()


def noise_png(size: tuple[int, int], seed: int = 15) -> bytes:
    """A PNG of random pixels: it does not compress, so its renderings are about 3 bytes a pixel."""
    pixels = random.Random(seed).randbytes(size[0] * size[1] * 3)  # noqa: S311 (pixels, not secrets)
    out = io.BytesIO()
    Image.frombytes("RGB", size, pixels).save(out, format="PNG")
    return out.getvalue()


def upload(client: httpx.Client, content: bytes, name: str = "hero.png") -> httpx.Response:
    return client.post("/v2/media/", files={"file": (name, content, "application/octet-stream")})


def opened(response: httpx.Response) -> Image.Image:
    return Image.open(io.BytesIO(response.content))


def transformed(url: str, transform: str) -> str:
    """The URL of the rendering of the media at ``url`` by ``transform`` (``resize=width:30/output=...``)."""
    return url.replace("/media/", f"/media/{transform}/")


def kept_bytes(media_dir: Path) -> int:
    """The bytes of every rendering kept under ``media_dir``."""
    return sum(path.stat().st_size for path in (media_dir / "renders").rglob("*") if path.is_file())


class HeldOriginal:
    """An uploaded original swapped for a named pipe: a render opening it waits until ``release``.

    A reader blocked on the pipe shows as one: opening the write end without
    blocking succeeds only then (``ENXIO`` before), so the test knows a render
    is in progress without measuring time. Releasing writes the image through
    the pipe, then puts the file back for later requests.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.content = path.read_bytes()
        path.unlink()
        os.mkfifo(path)
        self._writer: int | None = None
        self.released = False

    def reader_waiting(self) -> bool:
        """Whether a render has opened the pipe (and now waits for the image)."""
        if self._writer is None:
            try:
                self._writer = os.open(self.path, os.O_WRONLY | os.O_NONBLOCK)
            except OSError as exc:
                if exc.errno != errno.ENXIO:
                    raise
                return False
        return True

    def release(self) -> None:
        """Send the image to the waiting render and put the file back."""
        assert self._writer is not None, "release() needs a render waiting on the pipe"
        os.set_blocking(self._writer, True)
        os.write(self._writer, self.content)
        os.close(self._writer)
        self._writer = None
        restored = self.path.with_name(self.path.name + ".restored")
        restored.write_bytes(self.content)
        restored.replace(self.path)  # atomic: a later render finds the pipe or the file, never nothing
        self.released = True


def release_all(held: list[HeldOriginal]) -> None:
    """Release every held original as a render comes to read it; fail if one never comes."""
    deadline = time.monotonic() + HANG_GUARD
    while not all(each.released for each in held):
        if time.monotonic() > deadline:
            pytest.fail("a held render never came to read its original", pytrace=False)
        for each in held:
            if not each.released and each.reader_waiting():
                each.release()
        time.sleep(0.01)


def wait_for_readers(held: list[HeldOriginal], count: int) -> None:
    """Wait until ``count`` renders are reading held originals; fail if they never do."""
    deadline = time.monotonic() + HANG_GUARD
    while sum(each.reader_waiting() for each in held) < count:
        if time.monotonic() > deadline:
            pytest.fail(f"fewer than {count} renders came to read their originals", pytrace=False)
        time.sleep(0.01)
