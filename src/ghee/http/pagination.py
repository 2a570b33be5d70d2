"""Query parameters of list endpoints, one definition per pagination style, and the page-size ceiling they share.

Every seed states a maximum page size of 100 (``limit``, ``per_page``,
``page_size``), and their clients, like every peer API, expect more to be
taken as that maximum, not refused: ``clamp_page_sizes`` rewrites a larger
value to 100 before the route reads its parameters, so the answer (its
``limit``, ``meta.per_page``, links to the next page) says what was used.
The parameters keep ``le=100`` as a guard for a route it would not see.
"""

from __future__ import annotations

import re
from typing import Annotated, Final

from litestar.enums import ScopeType
from litestar.params import Parameter
from litestar.types import ASGIApp, Receive, Scope, Send

MAX_PAGE_SIZE = 100
"""The most rows one page holds, whichever style asks (seed 000 ``limit``, 001 ``per_page``, 004 ``page_size``)."""
MAX_LIMIT = MAX_PAGE_SIZE
MAX_OFFSET = 1_000_000_000
CLAMPED = f"(1 to {MAX_PAGE_SIZE}; more is taken as {MAX_PAGE_SIZE})"
"""How each page-size parameter's description states the ceiling."""

Limit = Annotated[int, Parameter(ge=1, le=MAX_LIMIT, description=f"Max results {CLAMPED}")]
Offset = Annotated[int, Parameter(ge=0, le=MAX_OFFSET, description="How many results to skip")]

_HTTP: Final = ScopeType.HTTP
_NAMES = (b"limit", b"per_page", b"page_size")
_PAGE_SIZE = re.compile(rb"(?<![^&])(limit|per_page|page_size)=(\d+)(?=&|$)")
_CEILING = str(MAX_PAGE_SIZE).encode()


def _at_most_the_ceiling(found: re.Match[bytes]) -> bytes:
    digits = found.group(2).lstrip(b"0")
    if len(digits) < len(_CEILING) or (len(digits) == len(_CEILING) and digits <= _CEILING):
        return found.group(0)  # compared as text: a number of thousands of digits is never parsed
    return found.group(1) + b"=" + _CEILING


def clamped_query(query_string: bytes) -> bytes:
    """``query_string`` with every ``limit``, ``per_page`` or ``page_size`` above the maximum set to it."""
    return _PAGE_SIZE.sub(_at_most_the_ceiling, query_string)


def clamp_page_sizes(app: ASGIApp) -> ASGIApp:
    """Middleware: a page size above ``MAX_PAGE_SIZE`` is taken as it (see the module's description)."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == _HTTP:
            query_string = scope["query_string"]
            if any(name in query_string for name in _NAMES):
                scope["query_string"] = clamped_query(query_string)
        await app(scope, receive, send)

    return middleware
