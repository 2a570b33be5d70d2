"""Builds the ASGI app: services in the lifespan, the dialect routers, one error renderer per dialect."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import msgspec
from litestar import Litestar, Request, Response, get
from litestar.exceptions import NotFoundException
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme
from litestar.types import ControllerRouterHandler

from ghee import __version__, dashboard, openapi, reference
from ghee.config import Settings, get_settings
from ghee.core.media_renders import Renderer
from ghee.dashboard.web import not_found_page, wants_page
from ghee.db.database import Database
from ghee.dialects import buddybuild, buildbutler, buttercms, butterstack
from ghee.dialects.buttercms.media import IMAGE_TYPES
from ghee.http.answers import Answers
from ghee.http.auth import rate_limit_headers
from ghee.http.content_security import content_security_policy
from ghee.http.encoding import utf8_requests
from ghee.http.errors import ErrorStyles
from ghee.http.logs import configure_logging
from ghee.http.methods import serve_head
from ghee.http.observe import RequestObserver
from ghee.http.pagination import clamp_page_sizes
from ghee.http.ratelimit import RateLimiter, parse_limits
from ghee.http.services import Services
from ghee.ops.endpoints import OPS_ROUTES
from ghee.ops.metrics import create_metrics
from ghee.worker import start_in_process_worker


@get("/openapi.json", include_in_schema=False, sync_to_thread=False)
def openapi_json(request: Request[Any, Any, Any]) -> Response[bytes]:
    """The OpenAPI document describing every route of every dialect (built once per process)."""
    state = request.app.state
    if "openapi_json" not in state:
        downloads = {"/api/v1/analytics/export": buildbutler.analytics.EXPORT_MEDIA_TYPES, "/media/{path}": IMAGE_TYPES}
        state.openapi_json = msgspec.json.encode(openapi.document(request.app, downloads))
    return Response(state.openapi_json, media_type="application/json")


ROUTE_HANDLERS: tuple[ControllerRouterHandler, ...] = (
    *OPS_ROUTES,
    butterstack.router,
    butterstack.events_router,
    butterstack.git_push_router,
    buddybuild.router,
    buildbutler.router,
    buildbutler.push_router,
    buttercms.router,
    buttercms.media_files,
    buttercms.blog.RAW_FEEDS,
    openapi_json,
    dashboard.router,
)
"""Every route of every dialect and of the dashboard (tests walk them: tests/http/test_hostile_bodies.py)."""


def create_app(settings: Settings | None = None) -> Litestar:
    """The ghee ASGI application for ``settings`` (read from the environment by default)."""
    config = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        parse_limits(config.media.render_rate_limit)  # fail at start-up, not on the first rendering
        db = await Database.open(config.database_url)
        renders = Renderer(Path(config.media_dir), config.media)
        app.state.services = Services(
            settings=config,
            db=db,
            limiter=RateLimiter(config.rate_limit, config.redis_url),
            answers=Answers(config.answer_cache_mb * 1024 * 1024, app.state.metrics.answers),
            renders=renders,
        )
        background = start_in_process_worker(config, db)
        # What start-up made lives as long as the process: keep it out of the collector's full passes
        # (the PostgreSQL post list's p99 under load; measured: see bench/README.md, "The collector").
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            if background is not None:
                await background.stop()
            renders.close()
            await db.close()

    styles = ErrorStyles(default=butterstack.render_problem)
    styles.add("/v1", butterstack.render_problem)
    styles.add("/v1/apps", buddybuild.render_problem)
    styles.add("/api/v1", buildbutler.render_problem)
    styles.add("/v2", buttercms.render_problem)
    styles.add("/media", buttercms.render_problem)
    styles.add("/feeds", buttercms.render_problem)
    styles.add("/sitemap.xml", buttercms.render_problem)

    def handle(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
        # A browser at an address no route serves, outside the APIs, gets the dashboard's page, not JSON.
        if isinstance(exc, NotFoundException) and not styles.has_style(request.url.path) and wants_page(request):
            return not_found_page(request)
        return styles.handler(request, exc)

    app = Litestar(
        route_handlers=list(ROUTE_HANDLERS),
        template_config=dashboard.template_config(),
        lifespan=[lifespan],
        exception_handlers={Exception: handle},
        middleware=[DefineMiddleware(utf8_requests), DefineMiddleware(clamp_page_sizes)],
        before_send=[rate_limit_headers, content_security_policy],
        openapi_config=OpenAPIConfig(
            title="ghee",
            version=__version__,
            description="Self-hosted build, release and content hub: the ButterStack (/v1), "
            "buddybuild (/v1/apps), BuildButler (/api/v1) and ButterCMS-style (/v2) APIs over one data model.",
            render_plugins=[reference.ReferencePage()],
            openapi_router=reference.reference_router(),
            components=Components(
                security_schemes={
                    "bearer": SecurityScheme(type="http", scheme="bearer", description="A ghee personal access token"),
                    "auth_token": SecurityScheme(type="apiKey", name="auth_token", security_scheme_in="query"),
                }
            ),
            security=[{"bearer": []}, {"auth_token": []}],
        ),
        logging_config=None,
        debug=False,
    )
    configure_logging()
    metrics = create_metrics(config.metrics_dir)
    app.state.metrics = metrics
    app.asgi_handler = RequestObserver(serve_head(app.asgi_handler), metrics.http, config.access_log)
    return app
