"""Query parameters of list endpoints, one definition per pagination style."""

from __future__ import annotations

from typing import Annotated

from litestar.params import Parameter

MAX_LIMIT = 100
MAX_OFFSET = 1_000_000_000

Limit = Annotated[int, Parameter(ge=1, le=MAX_LIMIT, description=f"Max results (1 to {MAX_LIMIT})")]
Offset = Annotated[int, Parameter(ge=0, le=MAX_OFFSET, description="How many results to skip")]
