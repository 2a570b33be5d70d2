"""``CountingReads``: the read path on an open connection, counting the statements it runs (statement budgets)."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import Executable

from ghee.db.reads import ConnectionReads, Row


class CountingReads(ConnectionReads):
    """``ConnectionReads`` that counts the statements it runs."""

    def __init__(self, conn: AsyncConnection) -> None:
        super().__init__(conn)
        self.statements = 0

    async def all(self, statement: Executable, params: Mapping[str, object]) -> list[Row]:
        self.statements += 1
        return await super().all(statement, params)

    async def first(self, statement: Executable, params: Mapping[str, object]) -> Row | None:
        self.statements += 1
        return await super().first(statement, params)
