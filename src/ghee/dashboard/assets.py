"""The dashboard's static files, served under a content-hashed name so browsers may keep them for a year."""

from __future__ import annotations

from pathlib import Path

from litestar import Response, get

from ghee.http.static_files import StaticFiles

STATIC_DIR = Path(__file__).parent / "static"

_FILES = StaticFiles(STATIC_DIR, "/static")


def static_url(name: str) -> str:
    """The URL of static file ``name`` (``app.css``), with its content hash in it."""
    return _FILES.url(name)


@get("/static/{filename:str}", sync_to_thread=False, opt={"public": True, "sessionless": True})
def static_file(filename: str) -> Response[bytes]:
    """A static file by hashed name; an old hash is a 404, never another version's content."""
    return _FILES.answer(filename)
