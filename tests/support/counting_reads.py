"""``CountingReads``: a read path that counts the statements it runs (statement budgets)."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.engine import Dialect
from sqlalchemy.sql import Executable

from ghee.db.reads import Reads, Row


class CountingReads(Reads):
    """Runs each read on ``inner`` (the fast path, or a unit of work) and counts it."""

    def __init__(self, inner: Reads) -> None:
        self._inner = inner
        self.statements = 0

    @property
    def dialect(self) -> Dialect:
        return self._inner.dialect

    async def all(self, statement: Executable, params: Mapping[str, object]) -> list[Row]:
        self.statements += 1
        return await self._inner.all(statement, params)

    async def first(self, statement: Executable, params: Mapping[str, object]) -> Row | None:
        self.statements += 1
        return await self._inner.first(statement, params)
