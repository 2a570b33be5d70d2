"""Sign-in and sign-out: ``/login`` and ``/logout``."""

from __future__ import annotations

import secrets
from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.response import Redirect, Template

from ghee.core.sessions import close_session, open_session
from ghee.core.users import SignInFailed, authenticate_user
from ghee.dashboard.web import (
    SESSION_COOKIE,
    SIGN_IN_CSRF_COOKIE,
    expired_session_cookie,
    form_fields,
    is_https,
    local_path,
    render,
    session_cookie,
    session_of,
)
from ghee.db.database import Database
from ghee.errors import RateLimited, Unavailable
from ghee.http.services import services_of

_MAX_FIELD = 1024


def _sign_in_form(  # noqa: PLR0913 (the form and what it says)
    request: Request[Any, Any, Any],
    next_path: str,
    *,
    email: str = "",
    error: str = "",
    notice: str = "",
    status_code: int = 200,
) -> Template:
    # Before sign-in there is no session to hold a CSRF token: the form's
    # token is checked against a cookie instead (the double-submit pattern).
    token = request.cookies.get(SIGN_IN_CSRF_COOKIE) or secrets.token_urlsafe(32)
    page = render(
        request,
        "pages/login.html",
        status_code=status_code,
        csrf_token=token,
        next=next_path,
        email=email,
        error=error,
        notice=notice,
        title="Sign in",
    )
    page.cookies.append(
        Cookie(
            key=SIGN_IN_CSRF_COOKIE,
            value=token,
            path="/login",
            httponly=True,
            samesite="strict",
            secure=is_https(request),
        )
    )
    return page


@get("/login", opt={"public": True}, sync_to_thread=False)
def sign_in_form(request: Request[Any, Any, Any]) -> Template | Redirect:
    """The sign-in form; a signed-in visitor goes straight on to ``next``."""
    target = local_path(request.query_params.get("next"))
    if session_of(request) is not None:
        return Redirect(target)
    return _sign_in_form(request, target, notice=_password_notice(str(request.query_params.get("password", ""))))


def _password_notice(said: str) -> str:
    """What the form says after a password change (``changed``, ``changed-revoked-N``); nothing for anything else."""
    if said == "changed":
        return "Your password was changed and every session ended: sign in with the new one."
    count = said.removeprefix("changed-revoked-")
    if count != said and count.isascii() and count.isdigit() and len(count) < 7:  # noqa: PLR2004
        return f"Your password was changed, every session ended and {int(count)} token(s) revoked: sign in again."
    return ""


@post("/login", opt={"public": True})
async def sign_in(request: Request[Any, Any, Any], db: Database) -> Template | Redirect:
    """Check the e-mail and password; on success open a session and go on to ``next``."""
    form = await form_fields(request)
    email = str(form.get("email", ""))[:_MAX_FIELD].strip()
    password = str(form.get("password", ""))[:_MAX_FIELD]
    target = local_path(str(form.get("next", "")))
    services = services_of(request.app.state)
    client = request.client.host if request.client else "unknown"
    try:
        # Per address first: many e-mails from one address would each have a budget of their own.
        await services.limiter.hit(f"signin:{client}", services.settings.login_client_rate_limit)
        await services.limiter.hit(f"signin:{client}:{email.lower()}", services.settings.login_rate_limit)
    except RateLimited as exc:
        error = f"Too many sign-in attempts. Try again in {exc.retry_after} seconds."
        return _sign_in_form(request, target, email=email, error=error, status_code=429)
    except Unavailable:
        return _sign_in_form(request, target, email=email, error="Sign-in is unavailable.", status_code=503)
    try:
        async with db.write() as work:
            user = await authenticate_user(work, email, password)
            _, cookie_value = await open_session(work, user)
    except SignInFailed:
        return _sign_in_form(request, target, email=email, error="Wrong e-mail or password.", status_code=400)
    response = Redirect(target, status_code=303)
    response.cookies.append(session_cookie(request, cookie_value))
    return response


@post("/logout")
async def sign_out(request: Request[Any, Any, Any], db: Database) -> Response[Any]:
    """End the session and go back to the sign-in form."""
    cookie_value = request.cookies.get(SESSION_COOKIE)
    if cookie_value:
        async with db.write() as work:
            await close_session(work, cookie_value)
    response = Redirect("/login", status_code=303)
    response.cookies.append(expired_session_cookie(request))
    return response


ROUTES = [sign_in_form, sign_in, sign_out]
