"""Every access token (``/tokens``, admin): made with ``ghee token create`` or on someone's profile; revoke any.

A user's own tokens stay on their profile (``ghee.dashboard.pages.profile``);
this page is where an admin sees them all, whose each is, and what it may reach.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Request, get, post
from litestar.params import Parameter
from litestar.response import Redirect, Template

from ghee.clock import utcnow
from ghee.core.paging import Window
from ghee.core.projects import list_projects
from ghee.core.tokens import get_token, list_tokens, revoke_token
from ghee.core.users import emails_of
from ghee.dashboard.web import render, require_admin
from ghee.db.database import Database

TOKENS_PER_PAGE = 50
PROJECTS_LISTED = 200
"""Projects named in the list (by id beyond these)."""
_MAX_NAME = 200


@get("/tokens", guards=[require_admin])
async def all_tokens_page(
    request: Request[Any, Any, Any],
    db: Database,
    page: int = Parameter(default=1, ge=1, le=100_000),
    revoked: str = Parameter(default="", max_length=_MAX_NAME),
) -> Template:
    """Every token, newest first, revoked ones included, with its owner's e-mail ("CLI" for none)."""
    reads = db.read()
    found = await list_tokens(reads, Window(TOKENS_PER_PAGE, (page - 1) * TOKENS_PER_PAGE))
    owners = await emails_of(reads, {token.user_id for token in found.items if token.user_id is not None})
    projects = (await list_projects(reads, Window(PROJECTS_LISTED, 0))).items
    return render(
        request,
        "pages/tokens.html",
        title="Access tokens",
        tokens=found.items,
        has_more=found.has_more,
        page=page,
        owners=owners,
        project_names={project.id: project.name for project in projects},
        now=utcnow(),
        revoked=revoked,
    )


@get("/tokens/{token_id:str}/revoke", guards=[require_admin])
async def confirm_revoke_any(request: Request[Any, Any, Any], db: Database, token_id: str) -> Template:
    """Ask before revoking a token, whoever made it."""
    token = await get_token(db.read(), token_id)
    return render(
        request,
        "pages/confirm.html",
        title=f"Revoke {token.name}",
        question=f"Revoke the token “{token.name}” ({token.prefix}…)?",
        consequence="Every script or CI job using it is refused from its next request on. This cannot be undone.",
        action=f"/tokens/{token.public_id}/revoke",
        verb="Revoke token",
        cancel="/tokens",
    )


@post("/tokens/{token_id:str}/revoke", guards=[require_admin])
async def revoke_any_token(db: Database, token_id: str) -> Redirect:
    """Revoke a token, whoever made it, then say so on the list."""
    async with db.write() as work:
        token = await revoke_token(work, (await get_token(work, token_id)).public_id)
    return Redirect("/tokens?" + urlencode({"revoked": token.name}), status_code=303)


ROUTES = [all_tokens_page, confirm_revoke_any, revoke_any_token]
