"""Pushes from Jenkins: the JSON its Notification plugin posts when a build is queued, starts or ends.

Each connection has its own push URL, ``/api/v1/connections/conn_.../notifications?secret=...``
(an admin makes one with ``POST /api/v1/connections/conn_.../push-secret``).
The secret is checked before the body is read; a good push marks the job
for the follower (``ghee.integrations.jenkins.follow``), which syncs it
within a second, and answers 202 at once. A push naming a job ghee does not
know yet makes the connection's next pass due now.

The plugin posts ``{"name", "display_name", "url": "job/folder/job/name/",
"build": {"number", "queue_id", "phase", "status", "url", "full_url", "scm",
"parameters", "log", ...}}`` (its ``JobState`` and ``BuildState``, named in
snake case); only ``url`` is needed to find the job, and the rest is synced
from Jenkins itself, so a forged body can do no more than cause a sync.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlsplit

import msgspec
from litestar import Request, Response, post
from litestar.di import Provide

from ghee.core.connections import pushing_connection
from ghee.core.jobs.following import nudge_job
from ghee.db.database import Database
from ghee.errors import Invalid
from ghee.http.services import provide_db

MAX_PUSH_BYTES = 256 * 1024  # the plugin adds log lines only when asked; ghee reads none of them
MAX_DEPTH = 50  # job folders nested in a pushed job's URL
PHASES = frozenset({"QUEUED", "STARTED", "COMPLETED", "FINALIZED", "NONE"})


class PushedBuild(msgspec.Struct):
    """What of the plugin's ``BuildState`` ghee reads (for the answer; the build itself is synced)."""

    number: int | None = None
    phase: str | None = None
    status: str | None = None


class Notification(msgspec.Struct):
    """What of the plugin's ``JobState`` ghee reads."""

    url: str = ""
    name: str = ""
    build: PushedBuild | None = None


class PushAccepted(msgspec.Struct):
    """The answer to a push: which job it named, and whether ghee knew that job."""

    job: str
    known: bool


def push_url(base_url: str, connection_id: str, secret: str) -> str:
    """The URL Jenkins' Notification plugin posts to for connection ``connection_id``."""
    return f"{base_url.rstrip('/')}/api/v1/connections/{connection_id}/notifications?secret={secret}"


def job_name_in(url: str) -> str:
    """The full name (``folder/name``) of the job at ``url`` (``job/folder/job/name/``, relative or absolute).

    Raises ``Invalid`` unless the path is a chain of ``job/<name>`` pairs.
    """
    parts = [part for part in urlsplit(url).path.split("/") if part]
    if not parts or len(parts) % 2 or len(parts) > 2 * MAX_DEPTH or any(p != "job" for p in parts[::2]):
        raise Invalid("url", "must be the job's URL as Jenkins names it, like 'job/folder/job/name/'")
    # Jenkins escapes each name once in a URL (a branch job "feature%2Fx" is "feature%252Fx").
    return "/".join(unquote(name) for name in parts[1::2])


def read_notification(body: bytes) -> Notification:
    """The plugin's JSON; raises ``Invalid`` when it is not."""
    try:
        return msgspec.json.decode(body, type=Notification)
    except (msgspec.DecodeError, RecursionError) as exc:
        raise Invalid("body", f"must be the Notification plugin's JSON: {str(exc)[:200]}") from None


@post(
    "/api/v1/connections/{connection_id:str}/notifications",
    status_code=202,
    request_max_body_size=MAX_PUSH_BYTES,
    dependencies={"db": Provide(provide_db, sync_to_thread=False)},
    tags=["BuildButler"],
)
async def jenkins_notification(
    request: Request[Any, Any, Any], db: Database, connection_id: str, secret: str = ""
) -> Response[PushAccepted]:
    """Take a push from Jenkins' Notification plugin (JSON); the job is synced within a second.

    401 for a wrong or missing secret (checked before the body is read), 400 for a body that is not the plugin's JSON.
    """
    row_id = await pushing_connection(db.read(), connection_id, secret)
    notification = read_notification(await request.body())
    full_name = job_name_in(notification.url)
    async with db.write() as work:
        known = await nudge_job(work, row_id, full_name)
    return Response(PushAccepted(full_name, known), status_code=202)
