"""``run_job``: how a command runs its work, one unit of work on the configured, migrated database."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

from ghee.config import get_settings

if TYPE_CHECKING:
    from ghee.db.database import Write

T = TypeVar("T")


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
