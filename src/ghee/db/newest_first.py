"""Newest-first pages of one parent's rows (a project's builds, a subscription's deliveries), read in index order.

Such a page is ``WHERE parent = :value ORDER BY id DESC LIMIT n`` over an
index on ``(parent, id)``. PostgreSQL may instead walk the primary key
backwards and filter, expecting to meet the parent's rows evenly spread; when
the newest rows belong to other parents (CI builds of unlinked jobs after a
project's builds) it reads all of those first (measured: see bench/README.md,
section "compare", 2026-11-29, "A project's builds on PostgreSQL"). Its custom and
generic plans both do it. An equality makes the parent a constant, which the
planner drops from the order; a range of one value does not, and an order by
``(parent, id)`` only the index can give.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement


def of_parent(parent: sa.Column[Any], value: int | sa.BindParameter[Any]) -> ColumnElement[bool]:
    """``parent = value``, written as the range ``value .. value`` (see the module's docstring)."""
    return parent.between(value, value)


def newest_first(parent: sa.Column[Any], *order: sa.Column[Any]) -> tuple[ColumnElement[Any], ...]:
    """The order of a page under ``of_parent(parent, ...)``: by ``parent`` then ``order`` (the row id last), descending.

    The index behind it is on ``(parent, *order)``.
    """
    return parent.desc(), *(column.desc() for column in order)
