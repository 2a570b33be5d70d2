"""Images to upload, and an upload helper."""

from __future__ import annotations

import io

import httpx
from PIL import Image


def image_bytes(size: tuple[int, int], kind: str = "PNG", color: str | tuple[int, int, int] = "teal") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format=kind)
    return out.getvalue()


def upload(client: httpx.Client, content: bytes, name: str = "hero.png") -> httpx.Response:
    return client.post("/v2/media/", files={"file": (name, content, "application/octet-stream")})


def opened(response: httpx.Response) -> Image.Image:
    return Image.open(io.BytesIO(response.content))


def transformed(url: str, transform: str) -> str:
    """The URL of the rendering of the media at ``url`` by ``transform`` (``resize=width:30/output=...``)."""
    return url.replace("/media/", f"/media/{transform}/")
