"""What every dashboard page shares: the signed-in session, CSRF checks, rendering, cookies.

The checks run as a guard of the dashboard router only, so the API routes
(``/v1``, ``/v2``, ``/api/v1`` ...) never pay for them.
"""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from litestar import Request, Response
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie
from litestar.di import Provide
from litestar.exceptions import ClientException, HTTPException, SerializationException, ValidationException
from litestar.handlers.base import BaseRouteHandler
from litestar.response import Redirect, Template
from litestar.types import ExceptionHandlersMap

from ghee.core.sessions import LIFETIME, Session, resolve_session, slide_session
from ghee.core.users import User
from ghee.dashboard.nav import visible_nav
from ghee.errors import Conflict, DomainError, Forbidden, Invalid, NotFound, RateLimited
from ghee.http.auth import shown_query
from ghee.http.errors import validation_message
from ghee.http.services import provide_db, services_of

SESSION_COOKIE = "ghee_session"
SIGN_IN_CSRF_COOKIE = "ghee_signin_csrf"
"""Before there is a session, the sign-in form's CSRF token is checked against this cookie (double submit)."""
CSRF_FIELD = "_csrf"
CSRF_HEADER = "x-csrf-token"
_SESSION_KEY = "ghee.session"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

_POLICY = (
    "default-src 'self'",
    "script-src 'self'",  # static/*.js only: no inline script, no handler attribute, no eval
    "style-src 'self'",
    # Two bars take their size from the data (build.html's stage timeline, health.html's breakdown):
    # style attributes only, never a <style> element (and rich text keeps no style attribute).
    "style-src-attr 'unsafe-inline'",
    "img-src 'self' data: blob: https:",  # featured images may live on any https host; blob: previews an upload
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
)
CONTENT_SECURITY_POLICY = "; ".join(_POLICY)
"""Every dashboard answer's ``Content-Security-Policy`` (set by ``ghee.http.content_security``; docs/security.md)."""


class SignInRequired(Exception):
    """The page needs a signed-in user; the visitor is sent to ``/login?next=...``."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class CsrfRejected(Exception):
    """An unsafe request without the session's CSRF token (a forged form, or a stale page)."""


async def load_session(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """Router guard: find the session, require one unless the route is public, check CSRF on unsafe methods.

    Raises ``SignInRequired`` (rendered as a redirect) or ``CsrfRejected`` (a 403 page).
    """
    if handler.opt.get("sessionless"):
        return  # static files: the same for everyone, no session lookup
    cookie = connection.cookies.get(SESSION_COOKIE)
    session = None
    if cookie:
        db = services_of(connection.app.state).db
        resolved = await resolve_session(db.read(), cookie)
        if resolved is not None:
            session = resolved.session
            if resolved.slide_due:
                async with db.write() as work:
                    session = await slide_session(work, session)
    connection.scope.setdefault("state", {})[_SESSION_KEY] = session
    public = bool(handler.opt.get("public"))
    if session is None and not public:
        query = urlencode(shown_query(connection))  # a token in the URL is not carried on to the sign-in form
        raise SignInRequired(connection.url.path + (f"?{query}" if query else ""))
    method = connection.scope.get("method", "GET")
    if method in _SAFE_METHODS or not isinstance(connection, Request):
        return
    expected = session.csrf_token if session is not None else connection.cookies.get(SIGN_IN_CSRF_COOKIE, "")
    if not expected:
        raise CsrfRejected  # before the form is read: nothing it holds could be let in
    presented = connection.headers.get(CSRF_HEADER)
    if presented is None:
        presented = str((await form_fields(connection)).get(CSRF_FIELD, ""))
    if not presented or not secrets.compare_digest(expected.encode(), presented.encode()):
        raise CsrfRejected


async def form_fields(request: Request[Any, Any, Any]) -> dict[str, Any]:
    """The fields of a submitted form, by name (an empty dict for a body that is not a form).

    ``ghee.http.bodies`` hands URL-encoded forms on as the equivalent JSON
    object, so a form arrives either as that or as ``multipart/form-data``
    (file uploads). Both are read once and cached by Litestar. A body past
    ``ghee.http.bodies``' limits raises ``Invalid`` (the 400 error page).
    """
    if request.content_type[0] == "multipart/form-data":
        try:
            fields = dict((await request.form()).items())
        except UnicodeDecodeError as exc:  # a part without a filename is read as text
            raise Invalid("body", "is not valid UTF-8 (text must be; a file part needs a filename)") from exc
        if any("\x00" in value for value in fields.values() if isinstance(value, str)):
            raise Invalid("body", "must not hold a NUL character")
        return fields
    try:
        body = await request.json()
    except (SerializationException, ClientException):
        return {}
    return body if isinstance(body, dict) else {}


def session_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Session | None:
    """The signed-in session of a dashboard request, or ``None`` on a public page visited signed out."""
    session: Session | None = connection.scope.get("state", {}).get(_SESSION_KEY)
    return session


def provide_current_user(request: Request[Any, Any, Any]) -> User:
    """Dependency ``current_user``: the signed-in user (the router guard already refused everyone else)."""
    session = session_of(request)
    if session is None:
        raise SignInRequired(request.url.path)
    return session.user


def require_admin(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Route guard: only an admin user may open the page; others get a 403 page."""
    session = session_of(connection)
    if session is None or not session.user.is_admin:
        raise Forbidden("admin")


DEPENDENCIES = {
    "current_user": Provide(provide_current_user, sync_to_thread=False),
    "db": Provide(provide_db, sync_to_thread=False),
}
"""What a page handler may ask for by name: the signed-in user, and the database
(``db.read()`` for what a page shows, ``async with db.write() as work:`` for what a form changes)."""


def render(request: Request[Any, Any, Any], template: str, *, status_code: int = 200, **context: object) -> Template:
    """Render ``template`` with what every page needs (user, navigation, CSRF token) and ``context``."""
    session = session_of(request)
    user = session.user if session is not None else None
    return Template(
        template_name=template,
        status_code=status_code,
        context={
            "user": user,
            "csrf_token": session.csrf_token if session is not None else "",
            "nav": visible_nav(user),
            "path": request.url.path,
            "query_items": shown_query(request),  # what the pager's links repeat
            **context,
        },
    )


def problem_text(exc: Invalid) -> str:
    """A refused form's error as the sentence shown above it (``Slug a post with this slug already exists.``)."""
    return f"{exc.field.replace('_', ' ').capitalize()} {exc.problem}."


def local_path(candidate: str | None, default: str = "/") -> str:
    """``candidate`` if it is a path on this site (``/profile?x=1``), else ``default``: no open redirects."""
    if not candidate or not candidate.startswith("/") or candidate.startswith(("//", "/\\")):
        return default
    parts = urlsplit(candidate)
    if parts.scheme or parts.netloc or any(ord(c) < 0x20 for c in candidate):  # noqa: PLR2004 (control characters)
        return default
    return candidate


def is_https(request: Request[Any, Any, Any]) -> bool:
    """Whether cookies must be ``Secure``: an https request, or ``GHEE_SECURE_COOKIES=1``."""
    return request.url.scheme == "https" or services_of(request.app.state).settings.secure_cookies


def session_cookie(request: Request[Any, Any, Any], value: str) -> Cookie:
    """The ``ghee_session`` cookie carrying ``value``: HttpOnly, SameSite=Lax, the whole site."""
    return Cookie(
        key=SESSION_COOKIE,
        value=value,
        path="/",
        httponly=True,
        samesite="lax",
        secure=is_https(request),
        max_age=int(LIFETIME.total_seconds()),
    )


def expired_session_cookie(request: Request[Any, Any, Any]) -> Cookie:
    """A ``ghee_session`` cookie that makes the browser forget it."""
    return Cookie(
        key=SESSION_COOKIE, value="", path="/", httponly=True, samesite="lax", secure=is_https(request), max_age=0
    )


_STATUS = {NotFound: 404, Invalid: 400, Forbidden: 403, Conflict: 409, RateLimited: 429}


def sign_in_redirect(request: Request[Any, Any, Any], exc: SignInRequired) -> Response[Any]:
    """``SignInRequired`` as a redirect to the sign-in form, remembering where the visitor was going."""
    del request
    return Redirect(f"/login?next={quote(exc.next_path, safe='')}")


def csrf_page(request: Request[Any, Any, Any], exc: CsrfRejected) -> Response[Any]:
    """``CsrfRejected`` as a 403 page."""
    del exc
    return render(
        request,
        "error.html",
        status_code=403,
        title="Request refused",
        message="This form was not sent from a current ghee page (its security token is missing or wrong). "
        "Reload the page and try again.",
    )


def domain_error_page(request: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
    """A domain error on a dashboard page as an HTML page with the matching status."""
    status = next((code for kind, code in _STATUS.items() if isinstance(exc, kind)), 500)
    return render(request, "error.html", status_code=status, title="Something is not right", message=str(exc))


def bad_request_page(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    """What Litestar refuses before a page's handler runs, as an HTML page (not the APIs' JSON).

    A malformed query parameter, a body too large, a method the page does not take.
    """
    message, _ = validation_message(exc) if isinstance(exc, ValidationException) else (str(exc.detail), None)
    return render(request, "error.html", status_code=exc.status_code, title="Something is not right", message=message)


def wants_page(request: Request[Any, Any, Any]) -> bool:
    """Whether the client is a browser asking for a page (``Accept`` names HTML), not an API client."""
    return "text/html" in request.headers.get("accept", "")


def not_found_page(request: Request[Any, Any, Any]) -> Response[Any]:
    """A 404 page for a browser at a path no route serves, under the dashboard's policy (no handler set one)."""
    page = render(
        request, "error.html", status_code=404, title="Page not found", message="No page of ghee is at this address."
    )
    page.headers["content-security-policy"] = CONTENT_SECURITY_POLICY
    return page


EXCEPTION_HANDLERS: ExceptionHandlersMap = {
    SignInRequired: sign_in_redirect,
    CsrfRejected: csrf_page,
    DomainError: domain_error_page,
    HTTPException: bad_request_page,
}
