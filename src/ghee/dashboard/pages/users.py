"""Users (``/users``, admin): who signs in, made, disabled, enabled, deleted or given a new password here.

The rules (no admin disables or deletes themselves, one active admin always
stays) are ``ghee.core.users``'; this module asks first on the shared confirm
page, and a password is shown once through the sealed ``ghee_flash`` cookie,
never in a URL.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Request, get, post
from litestar.params import Parameter
from litestar.response import Redirect, Template

from ghee.core.paging import Window
from ghee.core.users import (
    LastActiveAdmin,
    OwnAccount,
    User,
    create_user,
    delete_user,
    disable_user,
    enable_user,
    generate_password,
    get_user,
    list_users,
    reset_password,
    user_row_id,
)
from ghee.dashboard.flash import Flash, forget_flash, keep_flash, take_flash
from ghee.dashboard.nav import NavItem, add_nav
from ghee.dashboard.web import form_fields, render, require_admin
from ghee.db.database import Database
from ghee.errors import Conflict, Invalid

USERS_PER_PAGE = 50
_MAX_FIELD = 1024
_NOTICES = ("made", "disabled", "enabled", "deleted", "reset")

add_nav(NavItem("Users", "/users", order=85, admin_only=True))


async def _list_page(  # noqa: PLR0913 (the page and its one-off notices)
    request: Request[Any, Any, Any],
    db: Database,
    page: int = 1,
    *,
    notice: tuple[str, str] | None = None,
    password: Flash | None = None,
    error: str = "",
    form: dict[str, str] | None = None,
    status_code: int = 200,
) -> Template:
    found = await list_users(db.read(), Window(USERS_PER_PAGE, (page - 1) * USERS_PER_PAGE))
    return render(
        request,
        "pages/users.html",
        status_code=status_code,
        title="Users",
        users=found.items,
        has_more=found.has_more,
        page=page,
        notice=notice,
        password=password,
        error=error,
        form=form or {},
    )


@get("/users", guards=[require_admin])
async def users_page(
    request: Request[Any, Any, Any],
    db: Database,
    page: int = Parameter(default=1, ge=1, le=100_000),
    done: str = Parameter(default="", max_length=20),
    email: str = Parameter(default="", max_length=_MAX_FIELD),
) -> Template:
    """Every user by e-mail and the form to add one; a password just made or reset is shown this once."""
    notice = (done, email) if done in _NOTICES and email else None
    password = take_flash(request, "user-password")
    shown = await _list_page(request, db, page, notice=notice, password=password)
    forget_flash(request, shown)
    return shown


def _done(request: Request[Any, Any, Any], done: str, user: User, password: str = "") -> Redirect:
    """The redirect to the list, which says what was ``done`` to ``user`` and shows ``password`` once if given."""
    redirect = Redirect("/users?" + urlencode({"done": done, "email": user.email}), status_code=303)
    if password:
        keep_flash(request, redirect, Flash("user-password", user.email, password))
    return redirect


@post("/users", guards=[require_admin])
async def create_user_page(request: Request[Any, Any, Any], db: Database) -> Template | Redirect:
    """Add a user with the typed password, or a generated one; the list then shows it this once."""
    fields = await form_fields(request)
    form = {name: str(fields.get(name, ""))[:_MAX_FIELD] for name in ("email", "name")}
    password = str(fields.get("password", ""))[:_MAX_FIELD] or generate_password()
    try:
        async with db.write() as work:
            user = await create_user(
                work, email=form["email"], name=form["name"], password=password, is_admin=bool(fields.get("is_admin"))
            )
    except Invalid as exc:
        return await _list_page(request, db, error=f"The {exc.field} {exc.problem}.", form=form, status_code=400)
    except Conflict as exc:
        return await _list_page(
            request, db, error=f"{exc.reason[:1].upper()}{exc.reason[1:]}.", form=form, status_code=409
        )
    return _done(request, "made", user, password)


def _sentence(exc: Conflict) -> str:
    return f"{exc.reason[:1].upper()}{exc.reason[1:]}."


async def _refused(request: Request[Any, Any, Any], db: Database, exc: Conflict) -> Template:
    """The list with why an action was refused (``OwnAccount``, ``LastActiveAdmin``)."""
    return await _list_page(request, db, error=_sentence(exc), status_code=409)


_CONFIRM = {
    "disable": (
        "Disable {email}?",
        "They cannot sign in, their sessions end now, and their tokens are refused until they are enabled again.",
        "Disable user",
    ),
    "delete": (
        "Delete {email}?",
        (
            "Their sessions end and their access tokens are revoked and deleted with them: every script or CI job "
            "using one is refused from its next request on. This cannot be undone."
        ),
        "Delete user",
    ),
    "reset-password": (
        "Give {email} a new password?",
        (
            "A new password is generated and shown to you once; their old one stops working and their sessions end. "
            "Their access tokens keep working."
        ),
        "Reset password",
    ),
}


async def _confirm(request: Request[Any, Any, Any], db: Database, user_id: str, action: str) -> Template:
    user = await get_user(db.read(), user_row_id(user_id))
    question, consequence, verb = _CONFIRM[action]
    return render(
        request,
        "pages/confirm.html",
        title=f"{verb} · {user.email}",
        question=question.format(email=user.email),
        consequence=consequence,
        action=f"/users/{user.public_id}/{action}",
        verb=verb,
        cancel="/users",
    )


@get("/users/{user_id:str}/disable", guards=[require_admin])
async def confirm_disable(request: Request[Any, Any, Any], db: Database, user_id: str) -> Template:
    """Ask before disabling a user."""
    return await _confirm(request, db, user_id, "disable")


@post("/users/{user_id:str}/disable", guards=[require_admin])
async def disable_user_page(
    request: Request[Any, Any, Any], db: Database, current_user: User, user_id: str
) -> Template | Redirect:
    """Disable a user (never oneself, nor the last active admin), then say so on the list."""
    try:
        async with db.write() as work:
            user = await disable_user(work, user_row_id(user_id), actor_id=current_user.id)
    except (OwnAccount, LastActiveAdmin) as exc:
        return await _refused(request, db, exc)
    return _done(request, "disabled", user)


@post("/users/{user_id:str}/enable", guards=[require_admin])
async def enable_user_page(request: Request[Any, Any, Any], db: Database, user_id: str) -> Redirect:
    """Let a disabled user sign in again (nothing to confirm: it takes nothing away), then say so on the list."""
    async with db.write() as work:
        user = await enable_user(work, user_row_id(user_id))
    return _done(request, "enabled", user)


@get("/users/{user_id:str}/delete", guards=[require_admin])
async def confirm_delete(request: Request[Any, Any, Any], db: Database, user_id: str) -> Template:
    """Ask before deleting a user, saying their tokens go with them."""
    return await _confirm(request, db, user_id, "delete")


@post("/users/{user_id:str}/delete", guards=[require_admin])
async def delete_user_page(
    request: Request[Any, Any, Any], db: Database, current_user: User, user_id: str
) -> Template | Redirect:
    """Delete a user with their sessions and tokens (never oneself, nor the last active admin)."""
    try:
        async with db.write() as work:
            deleted = await delete_user(work, user_row_id(user_id), actor_id=current_user.id)
    except (OwnAccount, LastActiveAdmin) as exc:
        return await _refused(request, db, exc)
    return _done(request, "deleted", deleted.user)


@get("/users/{user_id:str}/reset-password", guards=[require_admin])
async def confirm_reset_password(request: Request[Any, Any, Any], db: Database, user_id: str) -> Template:
    """Ask before replacing a user's password."""
    return await _confirm(request, db, user_id, "reset-password")


@post("/users/{user_id:str}/reset-password", guards=[require_admin])
async def reset_password_page(
    request: Request[Any, Any, Any], db: Database, current_user: User, user_id: str
) -> Template | Redirect:
    """Give a user a generated password (their sessions end); the list shows it this once."""
    try:
        async with db.write() as work:
            user, password = await reset_password(work, user_row_id(user_id), actor_id=current_user.id)
    except OwnAccount as exc:
        return await _refused(request, db, exc)
    return _done(request, "reset", user, password)


ROUTES = [
    users_page,
    create_user_page,
    confirm_disable,
    disable_user_page,
    enable_user_page,
    confirm_delete,
    delete_user_page,
    confirm_reset_password,
    reset_password_page,
]
