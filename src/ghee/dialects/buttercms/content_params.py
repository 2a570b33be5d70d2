"""Query parameters of ButterCMS's page and content reads."""

from __future__ import annotations

from typing import Annotated

from litestar.params import Parameter

from ghee.core.content.references import DEFAULT_LEVELS, MAX_LEVELS
from ghee.core.inputs import check_filter
from ghee.http.auth import ApiRequest
from ghee.http.pagination import CLAMPED, MAX_PAGE_SIZE

MAX_PAGE = 1_000_000
FILTER_PREFIX = "fields."

__all__ = ["DEFAULT_LEVELS", "Flag", "Levels", "Locale", "PageNumber", "PageSize", "field_filters"]

PageNumber = Annotated[int, Parameter(ge=1, le=MAX_PAGE, description="Page of results, from 1")]
PageSize = Annotated[int, Parameter(ge=1, le=MAX_PAGE_SIZE, description=f"Results per page {CLAMPED}")]
Flag = Annotated[int, Parameter(ge=0, le=1, description="1 to include drafts")]
Levels = Annotated[
    int,
    Parameter(
        ge=1,
        le=MAX_LEVELS,
        description=f"How deep references are expanded (1 to {MAX_LEVELS}; 1 leaves them as stored)",
    ),
]
Locale = Annotated[str | None, Parameter(description="API slug of a locale (en, fr ...); missing values fall back")]


def field_filters(request: ApiRequest) -> tuple[tuple[str, str], ...]:
    """Every ``fields.<key>=<value>`` of the query string, in order; raises ``Invalid`` for a NUL character."""
    return tuple(
        (name.removeprefix(FILTER_PREFIX), check_filter(name, value) or "")
        for name, value in request.query_params.multi_items()
        if name.startswith(FILTER_PREFIX)
    )
