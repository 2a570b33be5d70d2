"""Who is calling: a token from ``Authorization`` or ``?auth_token=``, then its rate limit."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import msgspec
from litestar import Request, Response
from litestar.connection import ASGIConnection
from litestar.di import Provide
from litestar.handlers import BaseRouteHandler
from litestar.types import Message, Scope

from ghee.core.tokens import Principal, record_token_use
from ghee.db.reads import Reads
from ghee.errors import Forbidden, TokenInvalid, TokenMissing
from ghee.http.answers import authenticate
from ghee.http.ratelimit import RateLimitExceeded, RateState
from ghee.http.services import provide_db, services_of

_RATE_KEY = "ghee.rate"
_PRINCIPAL_KEY = "ghee.principal"

_SCHEMES = ("bearer", "token")
TOKEN_PARAMETER = "auth_token"  # noqa: S105 (a parameter name, not a secret)
"""The query parameter carrying a token where a client cannot send headers (ButterCMS, feed readers)."""
_NEED_KEY = "ghee.need"


class Need(msgspec.Struct, frozen=True):
    """What a route asks of the caller's token, beyond being valid (see ``requires``)."""

    scope: str
    unbound: bool = False

    def check(self, principal: Principal) -> None:
        """Raise ``Forbidden`` unless ``principal`` meets this need."""
        principal.require(self.scope)
        if self.unbound and principal.project_id is not None:
            raise Forbidden(self.scope)


def requires(scope: str, *, unbound: bool = False) -> dict[str, Any]:
    """A route's ``opt`` declaring the scope its caller needs: ``@post("/x", opt=requires("write"))``.

    ``unbound`` also refuses a token bound to one project (only studio-wide
    admins may make projects or webhooks). ``authenticated`` checks it once the
    token is known, before the body is read, so a caller without the scope is
    refused with 403 whatever else is wrong with the request.
    """
    return {_NEED_KEY: Need(scope, unbound)}


def need_of(handler: BaseRouteHandler) -> Need | None:
    """What ``handler`` asks of a caller's token beyond being valid (``requires``), or ``None``."""
    need: Need | None = handler.opt.get(_NEED_KEY)
    return need


def presented_token(request: Request[Any, Any, Any]) -> str:
    """The secret the request carries; raises ``TokenMissing`` or, for a malformed header, ``TokenInvalid``."""
    header = request.headers.get("authorization")
    if header is not None:
        scheme, _, value = header.strip().partition(" ")
        if scheme.lower() not in _SCHEMES or not value.strip():
            raise TokenInvalid
        return value.strip()
    token = str(request.query_params.get(TOKEN_PARAMETER) or "").strip()
    if token:
        return token
    raise TokenMissing


def shown_query(connection: ASGIConnection[Any, Any, Any, Any]) -> list[tuple[str, str]]:
    """The request's query parameters without ``auth_token``: what an answer may repeat (links, redirects).

    No answer, header or log line carries the token a request came with.
    """
    return [(name, value) for name, value in connection.query_params.multi_items() if name != TOKEN_PARAMETER]


def shown_url(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """The request's URL without ``auth_token`` (``shown_query``), for a document's link to itself."""
    return str(connection.url.with_replacements(query=urlencode(shown_query(connection))))


async def authenticated(request: Request[Any, Any, Any]) -> Response[bytes] | None:
    """``before_request`` hook: authenticate the request and count it against the token's rate limit.

    The hook runs before the body and parameters are parsed, so a request
    without a valid token is refused with 401 whatever else is wrong with it.
    (A guard would too, but Litestar copies the route handler for every guard call.)
    The rate state is kept on the request so every response, errors included,
    carries the ``X-RateLimit-*`` headers. Last, a read the database has not
    changed under since it was answered gets the same answer again
    (``ghee.http.answers``): Litestar then skips the route.
    """
    services = services_of(request.app.state)
    found, marker = await authenticate(services.db.read(), presented_token(request))
    principal = found.principal
    if found.stamp_due:
        async with services.db.write() as work:
            await record_token_use(work, principal.token_id)
    try:
        state = await services.limiter.hit(principal.rate_key, principal.rate_limit)
    except RateLimitExceeded as exc:
        remember_rate(request.scope, exc.state)
        raise
    remember_rate(request.scope, state)
    need: Need | None = request.route_handler.opt.get(_NEED_KEY)
    if need is not None:
        need.check(principal)
    request.scope.setdefault("state", {})[_PRINCIPAL_KEY] = principal
    return services.answers.answer(request.scope, principal, marker)


class ApiRequest(Request[Any, Any, Any]):
    """A request ``authenticated`` let in: its caller, and the read path."""

    @property
    def principal(self) -> Principal:
        """The caller."""
        principal: Principal = self.scope["state"][_PRINCIPAL_KEY]
        return principal

    @property
    def reads(self) -> Reads:
        """The fast read path (``ghee.db.reads``)."""
        return services_of(self.app.state).db.read()


def caller_of(scope: Scope) -> Principal | None:
    """The caller ``authenticated`` let in for this request's scope, or ``None`` (no token, or not yet checked)."""
    principal: Principal | None = scope.get("state", {}).get(_PRINCIPAL_KEY)
    return principal


def provide_principal(request: Request[Any, Any, Any]) -> Principal:
    """The caller ``authenticated`` let in."""
    principal: Principal = request.scope["state"][_PRINCIPAL_KEY]
    return principal


DEPENDENCIES = {
    "db": Provide(provide_db, sync_to_thread=False),
    "principal": Provide(provide_principal, sync_to_thread=False),
}
"""What the dialects' write routes ask for: ``db`` (``async with db.write() as work:``) and the caller.

The scope a route needs is declared in its ``opt`` (``requires``), not by a dependency.

Routers using them also run ``authenticated`` before each request and make
``ApiRequest`` their request class. Read routes take the request alone:
Litestar's dependency injection costs a good share of a hot list request's
budget per dependency (measured: see bench/README.md, section
"builds_list.py", "Where the time went").
"""


def remember_rate(scope: Scope, state: RateState) -> None:
    """Keep the rate state on the request's scope for ``rate_limit_headers``."""
    scope.setdefault("state", {})[_RATE_KEY] = state


async def rate_limit_headers(message: Message, scope: Scope) -> None:
    """``before_send`` hook: every response to an authenticated request carries ``X-RateLimit-*``."""
    if message["type"] != "http.response.start":
        return
    state = scope.get("state", {}).get(_RATE_KEY)
    if isinstance(state, RateState):
        message["headers"] = [*message.get("headers", ()), *state.raw_headers()]
