"""Git hosts' push webhooks (``POST /v1/projects/:id/git/push``), on a router of their own.

GitHub, GitLab, Gitea and Forgejo send no ghee token, so this route skips the
dialect's token check (``ghee.http.auth.authenticated``): the project's git
push secret authenticates the request instead, checked before the body is
parsed (``ghee.integrations.git.signatures``). What a push means is
``ghee.integrations.git.pushes``' and the core's.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, Router, post
from litestar.di import Provide
from litestar.openapi.datastructures import ResponseSpec

from ghee.core.changelists import record_changelist
from ghee.core.git_push_secrets import stored_git_push_secret
from ghee.core.projects import project_row_id
from ghee.db.database import Database
from ghee.db.sealing import sealer_for
from ghee.dialects.butterstack.shapes import ButterstackError
from ghee.errors import NotFound, SignatureInvalid
from ghee.http.services import provide_db, services_of
from ghee.integrations.git.pushes import MAX_PUSH_BYTES, PUSH_EVENTS, event_of, read_push
from ghee.integrations.git.signatures import GITLAB, check_signature, check_token, scheme_of

_ERRORS = {
    status: ResponseSpec(data_container=ButterstackError, description=text, generate_examples=False)
    for status, text in {
        400: "The body is not a push event's JSON, or a commit breaks a changelist's rules",
        401: "The signature or token does not match the project's git push secret (or there is none)",
        409: "Other changelists kept taking the next number; the host retries",
        413: "The body is larger than 8 MiB",
        503: "Database unavailable",
    }.items()
}


class GitPushReceived(msgspec.Struct):
    """The answer to a push: the event, the changelists its commits are (in push order), how many are new."""

    event: str
    changelists: list[str]
    created: int


@post(
    "/projects/{project_id:str}/git/push",
    status_code=200,
    responses=_ERRORS,
    request_max_body_size=MAX_PUSH_BYTES,
    security=[],
)
async def receive_git_push(request: Request[Any, Any, Any], db: Database, project_id: str) -> GitPushReceived:
    """Take a push webhook from GitHub, GitLab, Gitea or Forgejo; each commit becomes a changelist.

    401 for a signature (``X-Hub-Signature-256``, ``X-Gitea-Signature``) or
    token (``X-Gitlab-Token``) that does not match the project's git push
    secret, checked before the body is parsed; 400 for a body that is not a
    push's JSON; 413 past 8 MiB. A re-delivered push answers 200 and changes
    nothing; other events (``ping``, tag pushes) are acknowledged and ignored.
    """
    headers = request.headers
    scheme = scheme_of(headers)
    try:
        row_id = project_row_id(project_id)
    except NotFound:
        raise SignatureInvalid(scheme) from None
    secret = await stored_git_push_secret(db.read(), sealer_for(services_of(request.app.state).settings), row_id)
    if scheme == GITLAB:
        check_token(headers, secret)
        body = await request.body()
    else:
        body = await request.body()
        check_signature(scheme, headers.get(scheme.lower(), ""), body, secret)
    event = event_of(headers)
    if event not in PUSH_EVENTS:
        return GitPushReceived(event, [], 0)
    commits = read_push(body)
    async with db.write() as work:
        recorded = [await record_changelist(work, row_id, commit) for commit in commits]
    return GitPushReceived(event, [changelist.public_id for changelist, _ in recorded], sum(new for _, new in recorded))


push_router = Router(
    path="/v1",
    route_handlers=[receive_git_push],
    dependencies={"db": Provide(provide_db, sync_to_thread=False)},
    tags=["ButterStack"],
)
"""The route git hosts call with a project's git push secret instead of a token."""
