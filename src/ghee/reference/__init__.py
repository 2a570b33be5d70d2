"""``/docs``: the API reference, served entirely by ghee, so it works with no network beyond ghee itself.

The viewer is Swagger UI, its files vendored from the npm package at the
version ``vendored.json`` records (``make swagger-ui`` refreshes them, checked
against the package's digest). They are served under ``/docs/assets/`` with
content-hashed names, kept a year; the page and its scripts load nothing from
another host, which its Content-Security-Policy enforces.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from litestar import Request, Response, Router, get
from litestar.openapi.plugins import OpenAPIRenderPlugin

from ghee.http.content_security import CSP_OPT
from ghee.http.static_files import StaticFiles

_FILES = StaticFiles(Path(__file__).parent / "static", "/docs/assets")

_POLICY = (
    "default-src 'none'",
    "script-src 'self'",  # the bundle and reference.js: no inline script, no eval
    "style-src 'self'",
    "img-src 'self' data:",  # swagger-ui.css draws its icons as data: SVGs
    "connect-src 'self'",  # the document, and "Try it out" against this same ghee
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
)
CONTENT_SECURITY_POLICY = "; ".join(_POLICY)
"""The ``Content-Security-Policy`` of ``/docs`` and its files (docs/security.md)."""


def asset_url(name: str) -> str:
    """The URL of the page's file ``name`` (``swagger-ui.css``), with its content hash in it."""
    return _FILES.url(name)


@get("/assets/{filename:str}", sync_to_thread=False)
def reference_asset(filename: str) -> Response[bytes]:
    """A file of the reference page by hashed name; an old hash is a 404."""
    return _FILES.answer(filename)


class ReferencePage(OpenAPIRenderPlugin):
    """The page at ``/docs``: Swagger UI reading the completed document of ``/openapi.json``."""

    def __init__(self) -> None:
        super().__init__(path="/", favicon="", style="")

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:  # noqa: ARG002 (Litestar's signature)
        title = html.escape(f"{openapi_schema['info']['title']} API reference")
        return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="stylesheet" href="{asset_url("swagger-ui.css")}">
</head>
<body>
<noscript>The reference needs JavaScript; its document is <a href="/openapi.json">/openapi.json</a>.</noscript>
<div id="reference" data-document="/openapi.json"></div>
<script src="{asset_url("swagger-ui-bundle.js")}"></script>
<script src="{asset_url("reference.js")}"></script>
</body>
</html>
""".encode()


def reference_router() -> Router:
    """The router Litestar's OpenAPI config serves ``/docs`` on: the page's files, and its policy on every answer."""
    return Router(
        "/docs",
        route_handlers=[reference_asset],
        include_in_schema=False,
        opt={CSP_OPT: CONTENT_SECURITY_POLICY},
    )
