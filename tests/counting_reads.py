"""``CountingReads``: a unit of work that counts the read statements it runs (statement budgets)."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import Executable

from ghee.db.database import Write
from ghee.db.reads import Row


class CountingReads(Write):
    """A ``Write`` on an open connection that counts the statements its read functions run."""

    def __init__(self, conn: AsyncConnection) -> None:
        super().__init__(conn)
        self.statements = 0

    async def all(self, statement: Executable, params: Mapping[str, object] | None = None) -> list[Row]:
        self.statements += 1
        return await super().all(statement, params)

    async def first(self, statement: Executable, params: Mapping[str, object] | None = None) -> Row | None:
        self.statements += 1
        return await super().first(statement, params)
