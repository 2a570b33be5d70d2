"""Files that ship with the package, served under a content-hashed name so browsers may keep them for a year.

A file's URL carries the first 12 hex digits of its SHA-256: a new version is
a new URL, so an answer can say ``immutable`` and an old URL is a 404, never
another version's content.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import msgspec
from litestar import Response
from litestar.exceptions import NotFoundException

MEDIA_TYPES = {".css": "text/css", ".js": "text/javascript"}
"""The files served, by suffix, and their media type (Litestar adds ``; charset=utf-8`` to every ``text/`` one)."""

FOREVER = "public, max-age=31536000, immutable"


class StaticFile(msgspec.Struct, frozen=True):
    """One file: its hashed URL, bytes and media type."""

    url: str
    body: bytes
    media_type: str


class StaticFiles:
    """The ``.css`` and ``.js`` files of one folder, read once (they never change while ghee runs)."""

    def __init__(self, folder: Path, prefix: str) -> None:
        """Read every servable file of ``folder`` (not its subfolders); ``prefix`` is the URL they are under."""
        self._by_name: dict[str, StaticFile] = {}
        self._by_hashed: dict[str, StaticFile] = {}
        for path in sorted(folder.iterdir()):
            if path.suffix not in MEDIA_TYPES:
                continue
            body = path.read_bytes()
            hashed = f"{path.stem}.{hashlib.sha256(body).hexdigest()[:12]}{path.suffix}"
            found = StaticFile(url=f"{prefix}/{hashed}", body=body, media_type=MEDIA_TYPES[path.suffix])
            self._by_name[path.name] = self._by_hashed[hashed] = found

    def url(self, name: str) -> str:
        """The URL of file ``name`` (``app.css``), with its content hash in it; ``KeyError`` if there is none."""
        return self._by_name[name].url

    def answer(self, hashed: str) -> Response[bytes]:
        """The file of hashed name ``hashed``, to be kept a year; raises ``NotFoundException`` for any other name."""
        found = self._by_hashed.get(hashed)
        if found is None:
            raise NotFoundException
        return Response(found.body, media_type=found.media_type, headers={"cache-control": FOREVER})
