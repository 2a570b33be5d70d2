"""The dashboard's static files, served under a content-hashed name so browsers may keep them for a year."""

from __future__ import annotations

import hashlib
from pathlib import Path

import msgspec
from litestar import Response, get
from litestar.exceptions import NotFoundException

STATIC_DIR = Path(__file__).parent / "static"
_MEDIA_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}
_FOREVER = "public, max-age=31536000, immutable"


class Asset(msgspec.Struct, frozen=True):
    """One static file: its hashed URL, bytes and media type."""

    url: str
    body: bytes
    media_type: str


def _load() -> tuple[dict[str, Asset], dict[str, Asset]]:
    by_name: dict[str, Asset] = {}
    by_hashed: dict[str, Asset] = {}
    for path in sorted(STATIC_DIR.iterdir()):
        if path.suffix not in _MEDIA_TYPES:
            continue
        body = path.read_bytes()
        hashed = f"{path.stem}.{hashlib.sha256(body).hexdigest()[:12]}{path.suffix}"
        asset = Asset(url=f"/static/{hashed}", body=body, media_type=_MEDIA_TYPES[path.suffix])
        by_name[path.name] = by_hashed[hashed] = asset
    return by_name, by_hashed


# Read once at import: the files ship with the package and never change while it runs.
ASSETS, _HASHED = _load()


def static_url(name: str) -> str:
    """The URL of static file ``name`` (``app.css``), with its content hash in it."""
    return ASSETS[name].url


@get("/static/{filename:str}", sync_to_thread=False, opt={"public": True, "sessionless": True})
def static_file(filename: str) -> Response[bytes]:
    """A static file by hashed name; an old hash is a 404, never another version's content."""
    asset = _HASHED.get(filename)
    if asset is None:
        raise NotFoundException
    return Response(asset.body, media_type=asset.media_type, headers={"cache-control": _FOREVER})
