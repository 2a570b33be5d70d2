"""How a command runs its work: ``run_job`` (one unit of work on the migrated database) and ``every_item``."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

from ghee.config import get_settings

if TYPE_CHECKING:
    from ghee.core.paging import Slice, Window
    from ghee.db.database import Write

T = TypeVar("T")
PAGE_SIZE = 100
"""Rows a list command reads at a time."""


def run_job(job: Callable[[Write], Awaitable[T]]) -> T:
    """Run ``job`` as one unit of work on the configured database, once it is known to be migrated."""
    from ghee.db.database import opened
    from ghee.db.readiness import require_schema

    database_url = get_settings().database_url

    async def main() -> T:
        await require_schema(database_url)  # creates nothing: no empty file where a database was expected
        async with opened(database_url) as db, db.write() as work:
            return await job(work)

    return asyncio.run(main())


async def every_item(work: Write, list_page: Callable[[Write, Window], Awaitable[Slice[T]]]) -> AsyncIterator[T]:
    """Every item of a paged list (``list_tokens``, ``list_users``, ...), read ``PAGE_SIZE`` at a time."""
    from ghee.core.paging import Window

    offset = 0
    while True:
        page = await list_page(work, Window(PAGE_SIZE, offset))
        for item in page.items:
            yield item
        if not page.has_more:
            return
        offset += PAGE_SIZE
