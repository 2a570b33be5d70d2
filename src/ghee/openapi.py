"""The OpenAPI document at ``/openapi.json`` (and ``/docs``): Litestar's, completed with what a client needs.

Litestar describes routes and shapes; this adds, per operation, a readable
summary (the first line of the handler's docstring, not its code name), who
may call it (``x-ghee-scope``: the token scope it needs, or ``none`` with no
security for public routes such as feeds, media and git pushes), a
description for every parameter, the media types of downloads, the form body
beside every JSON body, and example requests and answers for one read and
one write of each dialect (``tests/test_openapi_document.py`` checks them
against real answers).
"""

from __future__ import annotations

import inspect
import re
from typing import Any

from litestar import Litestar
from litestar.routes import HTTPRoute

from ghee.http.auth import authenticated, need_of

_TYPED_PARAMETER = re.compile(r"\{(\w+):\w+\}")
_PARAMETERS = {
    "limit": "Results per page, 1 to 100 (more is taken as 100)",
    "offset": "How many results to skip",
    "page": "Page number, from 1",
    "page_size": "Results per page, 1 to 100 (more is taken as 100)",
    "per_page": "Results per page, 1 to 100 (more is taken as 100)",
    "preview": "1: show drafts and the working draft of live content",
    "test": "1: as preview (ButterCMS's test mode)",
    "locale": "The locale of localized content (e.g. en, fr)",
    "levels": "How deep references are expanded",
    "exclude_body": "true: leave each post's body out",
    "query": "Words to find; quote a phrase",
    "auth_token": "A token, for clients that cannot send an Authorization header",
    "slug": "The slug: the URL name",
    "status": "Only those in this state",
    "state": "Only those in this state",
    "branch": "Only builds of this branch",
    "since": "Only those from this moment on (ISO 8601)",
    "until": "Only those before this moment (ISO 8601)",
    "range": "The time range: 24h, 7d, 30d or 90d",
    "group_by": "Group the figures by job, folder, label or branch",
    "format": "The file format",
    "keys": "Comma-separated keys of the content fields",
    "path": "The file's path",
    "category_slug": "Only posts of this category",
    "tag_slug": "Only posts with this tag",
    "author_slug": "Only posts by this author",
}
_RANGE_HEADER = {
    "name": "Range",
    "in": "header",
    "required": False,
    "description": "`bytes=START-END` (or `bytes=START-`, `bytes=-LAST`): a part of the log, answered 206",
    "schema": {"type": "string"},
}


def document(app: Litestar, downloads: dict[str, tuple[str, ...]]) -> dict[str, Any]:
    """The OpenAPI 3.1 document of ``app``'s routes, completed as the module docstring says.

    ``downloads``: the media types each download route (by path) answers with.
    """
    document = app.openapi_schema.to_schema()
    paths: dict[str, dict[str, Any]] = document.get("paths", {})
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        operations = paths.get(_TYPED_PARAMETER.sub(r"{\1}", route.path), {})
        for handler in route.route_handlers:
            for method in handler.http_methods:
                operation = operations.get(method.lower())
                if operation is not None:
                    _describe(operation, handler)
    _download_types(paths, downloads)
    _form_bodies(paths)
    _header_schemas(paths)
    for (path, verb), (request, answers) in EXAMPLES.items():
        example_of = paths[path][verb]
        if request is not None:
            example_of["requestBody"]["content"]["application/json"]["example"] = request
        for status, example in answers.items():
            example_of["responses"][status].setdefault("content", {}).setdefault("application/json", {})
            example_of["responses"][status]["content"]["application/json"]["example"] = example
    return document


def _describe(operation: dict[str, Any], handler: Any) -> None:  # noqa: ANN401 (Litestar's handler type is generic)
    text = inspect.getdoc(handler.fn) or ""
    first = text.split("\n\n", 1)[0].replace("\n", " ").strip()
    operation["summary"] = first.split("; ", 1)[0].rstrip(".") or operation.get("summary", "")
    if handler.resolve_before_request() is authenticated:
        need = need_of(handler)
        scope = need.scope if need is not None else "read"
        who = f"A token with the `{scope}` scope or more"
        if need is not None and need.unbound:
            who += ", not bound to one project"
        operation["x-ghee-scope"] = scope
    else:
        who = "No token: public, or proven otherwise (a signature, a session)"
        operation["x-ghee-scope"] = "none"
        operation["security"] = []
    operation["description"] = f"{text}\n\n**Who may call it**: {who}.".strip()
    for parameter in operation.get("parameters", []):
        if not parameter.get("description"):
            parameter["description"] = _parameter_description(parameter["name"], parameter["in"])
    if "log" in operation.get("operationId", "").lower() and any(
        status == "206" for status in operation.get("responses", {})
    ):
        operation.setdefault("parameters", []).append(_RANGE_HEADER)


def _parameter_description(name: str, where: str) -> str:
    if name in _PARAMETERS:
        return _PARAMETERS[name]
    if name.endswith("_id"):
        return f"The {name.removesuffix('_id').replace('_', ' ')}'s id"
    if name.endswith("_slug"):
        return f"The {name.removesuffix('_slug').replace('_', ' ')}'s slug"
    return f"The `{name}` {'of the path' if where == 'path' else where + ' value'}"


def _download_types(paths: dict[str, dict[str, Any]], downloads: dict[str, tuple[str, ...]]) -> None:
    """List every media type a download route answers with (a Litestar route documents only one)."""
    for path, media_types in downloads.items():
        ok = paths.get(path, {}).get("get", {}).get("responses", {}).get("200")
        if ok is not None:
            ok["content"] = {media_type: {"schema": {}} for media_type in media_types}


def _form_bodies(paths: dict[str, dict[str, Any]]) -> None:
    """Declare the form-encoded variant next to every JSON request body (see ``ghee.http.encoding``)."""
    for operations in paths.values():
        for operation in operations.values():
            content = operation.get("requestBody", {}).get("content", {}) if isinstance(operation, dict) else {}
            if "application/json" in content:
                content.setdefault("application/x-www-form-urlencoded", content["application/json"])


def _header_schemas(paths: dict[str, dict[str, Any]]) -> None:
    """Give every answer header a schema (OpenAPI requires one; Litestar leaves documentation-only ones bare)."""
    for operations in paths.values():
        for operation in operations.values():
            for answer in operation.get("responses", {}).values() if isinstance(operation, dict) else ():
                for header in answer.get("headers", {}).values():
                    if "schema" not in header and "content" not in header:
                        header["schema"] = {"type": "string"}


_PROJECT = {"id": "proj_49zmy5zg", "name": "Skyforge", "engine": "unreal", "created_at": "2026-12-04T13:25:50Z"}
EXAMPLES: dict[tuple[str, str], tuple[dict[str, Any] | None, dict[str, Any]]] = {
    # ButterStack
    ("/v1/projects", "get"): (None, {"200": {"projects": [_PROJECT], "limit": 20, "offset": 0, "has_more": False}}),
    ("/v1/projects", "post"): ({"name": "Skyforge", "engine": "unreal"}, {"201": _PROJECT}),
    # buddybuild
    ("/v1/apps", "get"): (
        None,
        {
            "200": [
                {
                    "_id": "proj_49zmy5zg",
                    "app_name": "Skyforge",
                    "engine": "unreal",
                    "created_at": "2026-12-04T13:25:50Z",
                }
            ]
        },
    ),
    # BuildButler
    ("/api/v1/jobs", "get"): (
        None,
        {
            "200": {
                "data": [
                    {
                        "id": "j_2ztz2q51",
                        "name": "shaders",
                        "instance": "Ironpeak Jenkins",
                        "folder": "/skyforge",
                        "lastBuild": 30,
                        "lastResult": "FAILURE",
                        "successRate": 0.7333,
                        "url": "https://jenkins.ironpeak.example/job/skyforge/job/shaders/",
                        "flaky": False,
                        "project": "proj_49zmy5zg",
                        "deleted": False,
                    }
                ],
                "meta": {"page": 1, "per_page": 20, "total": 1},
            }
        },
    ),
    # ButterCMS
    ("/v2/posts", "get"): (
        None,
        {
            "200": {
                "meta": {"count": 1, "next_page": None, "previous_page": None},
                "data": [
                    {
                        "url": "https://skyforge.example/blog/skyforge-1-24-0-patch-notes",
                        "created": "2026-12-04T13:25:52Z",
                        "published": "2026-11-25T10:47:41Z",
                        "author": {
                            "first_name": "Tomas",
                            "last_name": "Lindqvist",
                            "email": "tomas.lindqvist@ironpeak.example",
                            "slug": "tomas-lindqvist",
                            "bio": "Lead designer; writes the patch notes.",
                            "title": "Lead Designer, Skyforge",
                            "linkedin_url": "",
                            "facebook_url": "",
                            "pinterest_url": "",
                            "instagram_url": "",
                            "twitter_handle": "",
                            "profile_image": "",
                        },
                        "categories": [{"name": "Patch Notes", "slug": "patch-notes"}],
                        "tags": [{"name": "Balance", "slug": "balance"}],
                        "featured_image": None,
                        "slug": "skyforge-1-24-0-patch-notes",
                        "title": "Skyforge 1.24.0 patch notes",
                        "body": "<p>Four changes, from balance to bug fixes.</p>",
                        "summary": "Skyforge 1.24.0: 4 changes, from balance to bug fixes.",
                        "seo_title": "Skyforge 1.24.0 patch notes | Ironpeak",
                        "meta_description": "Skyforge 1.24.0: 4 changes, from balance to bug fixes.",
                        "status": "published",
                    }
                ],
            }
        },
    ),
    ("/v2/posts", "post"): (
        {
            "title": "Skyforge 1.25.0 patch notes",
            "slug": "skyforge-1-25-0-patch-notes",
            "status": "draft",
            "body": "<p>Shorter queues in ranked.</p>",
            "categories": ["Patch Notes"],
            "tags": ["Skyforge"],
        },
        {},
    ),
}
"""Per ``(path, method)``: an example request body (or ``None``) and example answers by status."""
