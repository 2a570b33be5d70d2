"""My Profile: a user's own personal access tokens (``/profile/tokens``) and password (``/profile/password``)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Request, get, post
from litestar.params import Parameter
from litestar.response import Redirect, Template

from ghee.clock import utcnow
from ghee.core.paging import Window
from ghee.core.projects import Project, get_project, list_projects
from ghee.core.scopes import SCOPES
from ghee.core.tokens import (
    create_token,
    expiry_from,
    get_user_token,
    list_user_tokens,
    revoke_all_user_tokens,
    revoke_user_token,
)
from ghee.core.users import SignInFailed, User, authenticate_user, close_user_sessions, set_password
from ghee.dashboard.flash import Flash, forget_flash, keep_flash, take_flash
from ghee.dashboard.nav import NavItem, add_nav
from ghee.dashboard.web import form_fields, render
from ghee.db.database import Database
from ghee.db.reads import Reads
from ghee.errors import Invalid, NotFound

TOKENS_PER_PAGE = 50
PROJECTS_LISTED = 200
"""Projects offered in the token form (by name), and named in the list."""
EXPIRIES = (("", "never"), ("7d", "in 7 days"), ("30d", "in 30 days"), ("90d", "in 90 days"), ("365d", "in a year"))
"""The token form's expiry choices: ``expiry_from`` text, and what the form says."""
_MAX_NAME = 200
_MAX_PASSWORD = 1024

add_nav(NavItem("Profile", "/profile/tokens", order=90))


def scopes_for(user: User) -> tuple[str, ...]:
    """The scopes ``user`` may give a token: only an admin user makes admin tokens."""
    return SCOPES if user.is_admin else tuple(scope for scope in SCOPES if scope != "admin")


async def _tokens_page(  # noqa: PLR0913 (the page and its one-off notices)
    request: Request[Any, Any, Any],
    reads: Reads,
    user: User,
    page: int,
    *,
    created: tuple[str, str] | None = None,
    revoked: str = "",
    error: str = "",
    status_code: int = 200,
) -> Template:
    tokens = await list_user_tokens(reads, user.id, Window(TOKENS_PER_PAGE, (page - 1) * TOKENS_PER_PAGE))
    projects = (await list_projects(reads, Window(PROJECTS_LISTED, 0))).items
    return render(
        request,
        "pages/profile_tokens.html",
        status_code=status_code,
        title="Access tokens",
        tokens=tokens.items,
        has_more=tokens.has_more,
        page=page,
        scopes=scopes_for(user),
        projects=projects,
        project_names={project.id: project.name for project in projects},
        expiries=EXPIRIES,
        now=utcnow(),
        created=created,
        revoked=revoked,
        error=error,
    )


@get("/profile", sync_to_thread=False)
def profile() -> Redirect:
    """The profile area opens on its only page so far, the access tokens."""
    return Redirect("/profile/tokens")


@get("/profile/tokens")
async def tokens_page(
    request: Request[Any, Any, Any],
    db: Database,
    current_user: User,
    page: int = Parameter(default=1, ge=1, le=100_000),
    revoked: str = Parameter(default="", max_length=_MAX_NAME),
) -> Template:
    """The signed-in user's tokens, newest first, and the form to make one; a token just made is shown this once."""
    flash = take_flash(request, "token")
    created = (flash.name, flash.secret) if flash is not None else None
    shown = await _tokens_page(request, db.read(), current_user, page, created=created, revoked=revoked)
    forget_flash(request, shown)
    return shown


@post("/profile/tokens")
async def create_token_page(request: Request[Any, Any, Any], db: Database, current_user: User) -> Template | Redirect:
    """Make a token for the signed-in user, then redirect to the list, which shows its secret this once."""
    form = await form_fields(request)
    name = str(form.get("name", ""))[:_MAX_NAME]
    scope = str(form.get("scope", ""))
    if scope not in scopes_for(current_user):
        return await _tokens_page(
            request,
            db.read(),
            current_user,
            1,
            error=f"Scope must be one of {', '.join(scopes_for(current_user))}.",
            status_code=400,
        )
    project_id = str(form.get("project", ""))[:_MAX_NAME]
    expires = str(form.get("expires", ""))[:_MAX_NAME]  # one of EXPIRIES; expiry_from refuses what it cannot read
    try:
        async with db.write() as work:
            project = await _project(work, project_id)
            token, secret = await create_token(
                work,
                name=name,
                scope=scope,
                user_id=current_user.id,
                project_id=project.id if project is not None else None,
                expires_at=expiry_from(expires, utcnow()) if expires else None,
            )
    except Invalid as exc:
        error = f"The {exc.field} {exc.problem}."
        return await _tokens_page(request, db.read(), current_user, 1, error=error, status_code=400)
    made = Redirect("/profile/tokens", status_code=303)
    keep_flash(request, made, Flash("token", token.name, secret))
    return made


async def _project(reads: Reads, public_id: str) -> Project | None:
    """The project a new token is bound to (none chosen: ``None``, every project); ``Invalid`` if there is none such."""
    if not public_id:
        return None
    try:
        return await get_project(reads, public_id)
    except NotFound as exc:
        raise Invalid("project", "is not one of this installation's") from exc


@get("/profile/tokens/{token_id:str}/revoke")
async def confirm_revoke(request: Request[Any, Any, Any], db: Database, current_user: User, token_id: str) -> Template:
    """Ask before revoking one of the signed-in user's tokens (another user's is not found)."""
    token = await get_user_token(db.read(), current_user.id, token_id)
    return render(
        request,
        "pages/confirm.html",
        title=f"Revoke {token.name}",
        question=f"Revoke the token “{token.name}”?",
        consequence="Every script or CI job using it is refused from its next request on. This cannot be undone.",
        action=f"/profile/tokens/{token.public_id}/revoke",
        verb="Revoke token",
        cancel="/profile/tokens",
    )


@post("/profile/tokens/{token_id:str}/revoke")
async def revoke_token_page(db: Database, current_user: User, token_id: str) -> Redirect:
    """Revoke one of the signed-in user's tokens (another user's is not found), then say so on the list."""
    async with db.write() as work:
        token = await revoke_user_token(work, current_user.id, token_id)
    return Redirect("/profile/tokens?" + urlencode({"revoked": token.name}), status_code=303)


def _password_page(request: Request[Any, Any, Any], *, error: str = "", status_code: int = 200) -> Template:
    return render(request, "pages/profile_password.html", status_code=status_code, title="Password", error=error)


@get("/profile/password", sync_to_thread=False)
def password_page(request: Request[Any, Any, Any]) -> Template:
    """The form changing the signed-in user's password."""
    return _password_page(request)


@post("/profile/password")
async def change_password_page(
    request: Request[Any, Any, Any], db: Database, current_user: User
) -> Template | Redirect:
    """Check the current password, set the new one, end every session and, if asked, revoke every token.

    The user signs in again with the new password.
    """
    form = await form_fields(request)
    current = str(form.get("current_password", ""))[:_MAX_PASSWORD]
    new = str(form.get("new_password", ""))[:_MAX_PASSWORD]
    if new != str(form.get("confirm_password", ""))[:_MAX_PASSWORD]:
        return _password_page(request, error="The new password and its confirmation differ.", status_code=400)
    try:
        async with db.write() as work:
            await authenticate_user(work, current_user.email, current)
            await set_password(work, current_user.id, new)
            await close_user_sessions(work, current_user.id)
            revoked = await revoke_all_user_tokens(work, current_user.id) if form.get("revoke_tokens") else None
    except SignInFailed:
        return _password_page(request, error="The current password is not right.", status_code=400)
    except Invalid as exc:
        return _password_page(request, error=f"The new password {exc.problem}.", status_code=400)
    said = "changed" if revoked is None else f"changed-revoked-{revoked}"
    return Redirect(f"/login?{urlencode({'next': '/profile/tokens', 'password': said})}", status_code=303)


ROUTES = [
    profile,
    tokens_page,
    create_token_page,
    confirm_revoke,
    revoke_token_page,
    password_page,
    change_password_page,
]
