"""BuildButler's pagination: ``page`` and ``per_page`` in, ``meta {page, per_page, total}`` out (seed 001)."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar.params import Parameter

from ghee.core.paging import Window
from ghee.http.pagination import CLAMPED, MAX_PAGE_SIZE

MAX_PER_PAGE = MAX_PAGE_SIZE
MAX_PAGE = 10_000_000

Page = Annotated[int, Parameter(ge=1, le=MAX_PAGE, description="Page number (default: 1)")]
PerPage = Annotated[int, Parameter(ge=1, le=MAX_PER_PAGE, description=f"Items per page, 25 by default {CLAMPED}")]


class Meta(msgspec.Struct):
    page: int
    per_page: int
    total: int


def window(page: int, per_page: int) -> Window:
    """The rows ``page`` (from 1) of ``per_page`` rows covers."""
    return Window(per_page, (page - 1) * per_page)
