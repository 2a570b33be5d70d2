"""SQL functions that differ between SQLite and PostgreSQL, compiled for each."""

from __future__ import annotations

import msgspec
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


class json_row(FunctionElement[str]):  # noqa: N801
    """The given columns of one row as a JSON array, as text: several columns from one scalar subquery."""

    type = sa.Text()
    inherit_cache = True


@compiles(json_row, "sqlite")
def _json_row_sqlite(element: json_row, compiler: SQLCompiler, **kw: object) -> str:
    return f"json_array({compiler.process(element.clauses, **kw)})"


@compiles(json_row, "postgresql")
def _json_row_postgresql(element: json_row, compiler: SQLCompiler, **kw: object) -> str:
    return f"json_build_array({compiler.process(element.clauses, **kw)})::text"


class epoch_hour(FunctionElement[int]):  # noqa: N801
    """Whole hours from 1970-01-01T00:00 to a stored (naive UTC) timestamp, rounded down."""

    type = sa.BigInteger()
    inherit_cache = True


@compiles(epoch_hour, "sqlite")
def _epoch_hour_sqlite(element: epoch_hour, compiler: SQLCompiler, **kw: object) -> str:
    return f"(CAST(strftime('%s', {compiler.process(element.clauses, **kw)}) AS INTEGER) / 3600)"


@compiles(epoch_hour, "postgresql")
def _epoch_hour_postgresql(element: epoch_hour, compiler: SQLCompiler, **kw: object) -> str:
    return f"CAST(floor(EXTRACT(EPOCH FROM {compiler.process(element.clauses, **kw)}) / 3600) AS BIGINT)"


class in_json_list(FunctionElement[bool]):  # noqa: N801
    """``column IN (...)`` over the strings or integers of a JSON array passed as one text parameter (``json_list``).

    One statement, compiled once, answers any number of values (an ``IN`` list
    would be compiled again for every length): SQLite reads the array with
    ``json_each``, PostgreSQL with ``json_array_elements_text``.
    """

    # Not Boolean: SQLite has no boolean type, so SQLAlchemy would render a Boolean criterion as
    # ``(... IN (...)) = 1``, which no index serves: every call scanned the whole table.
    type = sa.types.NullType()  # type: ignore[assignment]
    inherit_cache = True


_JSON = msgspec.json.Encoder()


def json_list(values: list[str] | list[int]) -> str:
    """``values`` as the JSON array text an ``in_json_list`` parameter takes."""
    return _JSON.encode(values).decode()


@compiles(in_json_list, "sqlite")
def _in_json_list_sqlite(element: in_json_list, compiler: SQLCompiler, **kw: object) -> str:
    column, values = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"{column} IN (SELECT value FROM json_each({values}))"  # noqa: S608 (compiled clauses, no input)


@compiles(in_json_list, "postgresql")
def _in_json_list_postgresql(element: in_json_list, compiler: SQLCompiler, **kw: object) -> str:
    clauses = list(element.clauses)
    column, values = (compiler.process(clause, **kw) for clause in clauses)
    if isinstance(getattr(clauses[0], "type", None), sa.Integer):
        # "[1,2,3]" is "{1,2,3}" as an array literal: ``= ANY`` of an array is an index scan, where
        # ``IN (SELECT json_array_elements_text(...))`` is planned as a hashed subplan over a scan of
        # the whole table (the planner cannot tell how many rows a function returns).
        return f"{column} = ANY(CAST(translate({values}, '[]', '{{}}') AS BIGINT[]))"
    return f"{column} IN (SELECT json_array_elements_text(CAST({values} AS json)))"


class commit_marker(FunctionElement[str]):  # noqa: N801
    """A value that changes whenever any transaction commits to the database; equal values, same data.

    Answers kept in memory (``ghee.http.answers``) stay valid while it reads
    the same. SQLite: the connection's ``data_version``, which counts commits
    made by other connections (the read connection never writes).
    PostgreSQL: the statement's snapshot, ``xmin:xmax:running``; two equal
    snapshots see the same committed transactions, so the same rows. Any
    commit changes it, even one to another table or (PostgreSQL) another
    database of the same server: a change is never missed, at the price of
    some answers built again for nothing.
    """

    type = sa.Text()
    inherit_cache = True


@compiles(commit_marker, "sqlite")
def _commit_marker_sqlite(element: commit_marker, compiler: SQLCompiler, **kw: object) -> str:  # noqa: ARG001
    return "(SELECT CAST(data_version AS TEXT) FROM pragma_data_version())"


@compiles(commit_marker, "postgresql")
def _commit_marker_postgresql(element: commit_marker, compiler: SQLCompiler, **kw: object) -> str:  # noqa: ARG001
    return "CAST(pg_current_snapshot() AS TEXT)"
