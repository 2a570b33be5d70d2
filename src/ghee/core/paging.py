"""What every list query takes and gives: an offset window and a slice of rows."""

from __future__ import annotations

from typing import Generic, TypeVar

import msgspec

T = TypeVar("T")


class Window(msgspec.Struct, frozen=True):
    """Which rows of an ordered list to return."""

    limit: int
    offset: int = 0


class Slice(msgspec.Struct, Generic[T], frozen=True):
    """The rows of one window, and whether any come after it."""

    items: list[T]
    has_more: bool


def cut(rows: list[T], window: Window) -> Slice[T]:
    """Turn ``limit + 1`` fetched rows into a slice (the extra row only tells that more exist)."""
    return Slice(items=rows[: window.limit], has_more=len(rows) > window.limit)


class Counted(msgspec.Struct, Generic[T], frozen=True):
    """The rows of one window and how many rows the whole list holds (for ``page``/``per_page`` styles)."""

    items: list[T]
    total: int
