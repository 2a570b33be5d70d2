"""The ButterCMS dialect at ``/v2`` (seed 004): a headless content API over ghee's content tables.

Each area is a module of its own, listing its route handlers in ``ROUTES``.
Reads answer exactly 200, as ButterCMS's clients expect; writes answer 202
``{"status": "pending"}`` like ButterCMS's write API. ``/v2/x/`` and ``/v2/x``
are the same route (Litestar ignores a trailing slash). Successful reads carry
an ``ETag`` and answer 304 to a matching ``If-None-Match`` (``ghee.http.caching``).
"""

from __future__ import annotations

from litestar import Router
from litestar.middleware import DefineMiddleware

from ghee.dialects.buttercms import blog, media, pages
from ghee.dialects.buttercms.errors import render_problem
from ghee.http.answers import keep_answers
from ghee.http.auth import DEPENDENCIES, ApiRequest, authenticated
from ghee.http.caching import conditional_gets

router = Router(
    path="/v2",
    route_handlers=[*blog.ROUTES, *pages.ROUTES, *media.ROUTES],
    dependencies=DEPENDENCIES,
    before_request=authenticated,
    request_class=ApiRequest,
    middleware=[DefineMiddleware(conditional_gets), DefineMiddleware(keep_answers)],
    tags=["ButterCMS"],
)

media_files = media.files

__all__ = ["media_files", "render_problem", "router"]
