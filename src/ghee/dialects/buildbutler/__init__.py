"""The BuildButler dialect at ``/api/v1`` (seed 001): Jenkins connections, jobs, builds, analytics.

Each module holds one resource's routes and shapes and lists its handlers in
``ROUTES``; this package gathers them on one router.
"""

from litestar import Router
from litestar.middleware import DefineMiddleware

from ghee.dialects.buildbutler import analytics, builds, causes, connections, jobs, links
from ghee.dialects.buildbutler.errors import render_problem
from ghee.dialects.buildbutler.pushes import push_router
from ghee.http.answers import keep_answers
from ghee.http.auth import DEPENDENCIES, ApiRequest, authenticated

router = Router(
    path="/api/v1",
    route_handlers=[
        *connections.ROUTES,
        *jobs.ROUTES,
        *links.ROUTES,
        *builds.ROUTES,
        *causes.ROUTES,
        *analytics.ROUTES,
    ],
    before_request=authenticated,
    middleware=[DefineMiddleware(keep_answers)],
    dependencies=DEPENDENCIES,
    request_class=ApiRequest,
    tags=["BuildButler"],
)

__all__ = ["push_router", "render_problem", "router"]
