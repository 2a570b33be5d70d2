"""SQL functions that differ between SQLite and PostgreSQL, compiled for each."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement


class json_rows(FunctionElement[str]):  # noqa: N801 (SQL functions read as lower case, like sqlalchemy.func)
    """Aggregate: a JSON array holding one array of the given columns per row, as text.

    ``NULL`` (PostgreSQL) or ``"[]"`` (SQLite) when there are no rows. The
    order of the rows is not defined: include a column to sort by.
    """

    type = sa.Text()
    inherit_cache = True


@compiles(json_rows, "sqlite")
def _json_rows_sqlite(element: json_rows, compiler: SQLCompiler, **kw: object) -> str:
    return f"json_group_array(json_array({compiler.process(element.clauses, **kw)}))"


@compiles(json_rows, "postgresql")
def _json_rows_postgresql(element: json_rows, compiler: SQLCompiler, **kw: object) -> str:
    return f"json_agg(json_build_array({compiler.process(element.clauses, **kw)}))::text"
