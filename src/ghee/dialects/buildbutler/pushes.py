"""Jenkins' pushes to ghee (``POST /api/v1/connections/:id/notifications?secret=...``), on a router of their own.

The Notification plugin sends no token, so these routes skip the dialect's
token check (``ghee.http.auth.authenticated``): the connection's push secret
authenticates the request instead, before its body is read. What a push
means is ``ghee.integrations.jenkins.push``'s and the core's.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, Response, Router, post
from litestar.di import Provide
from litestar.openapi.datastructures import ResponseSpec

from ghee.core.connections import pushing_connection
from ghee.core.jobs.following import nudge_job
from ghee.db.database import Database
from ghee.dialects.buildbutler.errors import ERRORS, BuildButlerError
from ghee.http.services import provide_db
from ghee.integrations.jenkins.push import MAX_PUSH_BYTES, job_name_in, read_notification

_PUSH_ERRORS = {
    **{status: spec for status, spec in ERRORS.items() if status in (400, 401, 500, 503)},
    413: ResponseSpec(BuildButlerError, description="the body is larger than 256 KiB"),
}


class PushAccepted(msgspec.Struct):
    """The answer to a push: which job it named, and whether ghee knew that job."""

    job: str
    known: bool


@post(
    "/connections/{connection_id:str}/notifications",
    status_code=202,
    responses=_PUSH_ERRORS,
    request_max_body_size=MAX_PUSH_BYTES,
    security=[],
)
async def jenkins_notification(
    request: Request[Any, Any, Any], db: Database, connection_id: str, secret: str = ""
) -> Response[PushAccepted]:
    """Take a push from Jenkins' Notification plugin (JSON); the job is synced within a second.

    401 for a wrong or missing ``secret`` (checked before the body is read); 400 for a body that is not the
    plugin's JSON; 413 past 256 KiB.
    """
    row_id = await pushing_connection(db.read(), connection_id, secret)
    notification = read_notification(await request.body())
    full_name = job_name_in(notification.url)
    async with db.write() as work:
        known = await nudge_job(work, row_id, full_name)
    return Response(PushAccepted(full_name, known), status_code=202)


push_router = Router(
    path="/api/v1",
    route_handlers=[jenkins_notification],
    dependencies={"db": Provide(provide_db, sync_to_thread=False)},
    tags=["BuildButler"],
)
"""The routes Jenkins calls with a connection's push secret instead of a token."""
