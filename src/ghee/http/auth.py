"""Who is calling: a token from ``Authorization`` or ``?auth_token=``, then its rate limit."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.types import Message, Scope

from ghee.core.errors import TokenInvalid, TokenMissing
from ghee.core.tokens import Principal, authenticate, record_token_use
from ghee.http.ratelimit import RateLimitExceeded, RateState
from ghee.http.services import services_of

_RATE_KEY = "ghee.rate"

_SCHEMES = ("bearer", "token")


def presented_token(request: Request[Any, Any, Any]) -> str:
    """The secret the request carries; raises ``TokenMissing`` or, for a malformed header, ``TokenInvalid``."""
    header = request.headers.get("authorization")
    if header is not None:
        scheme, _, value = header.strip().partition(" ")
        if scheme.lower() not in _SCHEMES or not value.strip():
            raise TokenInvalid
        return value.strip()
    token = request.query_params.get("auth_token")
    if token:
        return str(token)
    raise TokenMissing


async def provide_principal(request: Request[Any, Any, Any]) -> Principal:
    """Authenticate the request and count it against the token's rate limit.

    The rate state is kept on the request so every response, errors included,
    carries the ``X-RateLimit-*`` headers.
    """
    services = services_of(request.app.state)
    principal, used_long_ago = await authenticate(services.reads, presented_token(request))
    if used_long_ago:
        async with services.engine.begin() as conn:
            await record_token_use(conn, principal.token_id)
    limiter = services.limiter
    try:
        state = await limiter.hit(principal.rate_key, principal.rate_limit)
    except RateLimitExceeded as exc:
        remember_rate(request.scope, exc.state)
        raise
    remember_rate(request.scope, state)
    return principal


def remember_rate(scope: Scope, state: RateState) -> None:
    """Keep the rate state on the request's scope for ``rate_limit_headers``."""
    scope.setdefault("state", {})[_RATE_KEY] = state


async def rate_limit_headers(message: Message, scope: Scope) -> None:
    """``before_send`` hook: every response to an authenticated request carries ``X-RateLimit-*``."""
    if message["type"] != "http.response.start":
        return
    state = scope.get("state", {}).get(_RATE_KEY)
    if isinstance(state, RateState):
        headers = list(message.get("headers", []))
        headers += [(name.lower().encode(), value.encode()) for name, value in state.headers().items()]
        message["headers"] = headers
