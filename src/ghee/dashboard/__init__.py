"""The browser dashboard at ``/``: server-rendered pages over the same core as the APIs.

A page is one module under ``pages/`` (its routes in ``ROUTES``, its
navigation entry added with ``add_nav``) and one template under
``templates/pages/``; list the module in ``PAGES`` below. See
docs/dashboard.md, "Adding a page".
"""

from __future__ import annotations

from litestar import Router

from ghee.dashboard.assets import static_file
from ghee.dashboard.pages import (
    asset_review,
    auth,
    blog_people,
    causes,
    connections,
    content,
    health,
    home,
    live,
    media_library,
    profile,
    schemas,
    sources,
    users,
    webhooks,
)
from ghee.dashboard.pages import builds as project_builds
from ghee.dashboard.pages import collections as content_collections
from ghee.dashboard.pages import tokens as all_tokens
from ghee.dashboard.templating import template_config
from ghee.dashboard.web import CONTENT_SECURITY_POLICY, DEPENDENCIES, EXCEPTION_HANDLERS, load_session
from ghee.http.content_security import CSP_OPT

PAGES = (
    home,
    auth,
    profile,
    live,
    project_builds,
    asset_review,
    health,
    causes,
    connections,
    webhooks,
    users,
    all_tokens,
    sources,
    content,
    blog_people,
    media_library,
    content_collections,
    schemas,
)

router = Router(
    path="/",
    route_handlers=[static_file, *(handler for page in PAGES for handler in page.ROUTES)],
    guards=[load_session],
    dependencies=DEPENDENCIES,
    exception_handlers=EXCEPTION_HANDLERS,
    include_in_schema=False,
    opt={CSP_OPT: CONTENT_SECURITY_POLICY},
)
"""Every dashboard route, behind the session and CSRF guard, its answers carrying the dashboard's CSP."""

__all__ = ["router", "template_config"]
