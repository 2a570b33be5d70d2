"""The operator's routes: ``/healthz``, ``/readyz`` and ``/metrics``; no token, no rate limit, not in the API docs."""

from __future__ import annotations

import hmac
from typing import Any

import msgspec
from litestar import Request, Response, get
from litestar.datastructures import State
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from ghee.http.services import services_of
from ghee.ops.health import readiness
from ghee.ops.metrics import Metrics

_JSON = "application/json"
_ALIVE = msgspec.json.encode({"status": "ok"})
_EXPOSITION = CONTENT_TYPE_LATEST.removesuffix("; charset=utf-8")  # Litestar adds the charset of text types


def metrics_of(state: State) -> Metrics:
    """The metrics of the app whose state this is."""
    metrics: Metrics = state.metrics
    return metrics


@get("/healthz", include_in_schema=False, sync_to_thread=False)
def healthz() -> Response[bytes]:
    """The process is up and answering; touches nothing else."""
    return Response(_ALIVE, media_type=_JSON, headers={"Cache-Control": "no-store"})


@get("/readyz", include_in_schema=False)
async def readyz(request: Request[Any, Any, Any]) -> Response[bytes]:
    """200 when the database (and Redis, when configured) answers and the schema is current, else 503."""
    services = services_of(request.app.state)
    result = await readiness(services.db.engine, services.limiter, redis=services.settings.redis_url is not None)
    return Response(
        msgspec.json.encode(result),
        status_code=200 if result.ready else 503,
        media_type=_JSON,
        headers={"Cache-Control": "no-store"},
    )


def _bearer_matches(request: Request[Any, Any, Any], token: str) -> bool:
    scheme, _, value = request.headers.get("authorization", "").strip().partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(value.strip().encode(), token.encode())


@get("/metrics", include_in_schema=False)
async def metrics(request: Request[Any, Any, Any]) -> Response[bytes]:
    """Every worker's request metrics and the database's queue figures, in Prometheus' text format."""
    services = services_of(request.app.state)
    token = services.settings.metrics_token
    if token is not None and not _bearer_matches(request, token):
        return Response(
            msgspec.json.encode({"error": "unauthorized", "message": "/metrics needs GHEE_METRICS_TOKEN as a bearer"}),
            status_code=401,
            media_type=_JSON,
            headers={"WWW-Authenticate": "Bearer"},
        )
    collected = metrics_of(request.app.state)
    await collected.database.refresh(services.db.engine)
    return Response(
        generate_latest(collected.exposition),
        media_type=_EXPOSITION,
        headers={"Cache-Control": "no-store"},
    )


OPS_ROUTES = [healthz, readyz, metrics]
