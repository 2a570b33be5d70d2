"""Checks every caller-supplied value passes before it is stored or used in a query.

They keep the rules the same on both databases: PostgreSQL refuses NUL
characters in text and values longer than a ``VARCHAR(n)`` column, and its
timestamps, like Python's, end at year 9999, where SQLite would store anything.
"""

from __future__ import annotations

from datetime import datetime

from ghee.clock import to_storage
from ghee.errors import Invalid

NUL = "\x00"


def check_label(field: str, value: str, longest: int) -> str:
    """``value`` without surrounding spaces; raises ``Invalid`` unless 1 to ``longest`` characters, none NUL."""
    value = value.strip()
    if not value or len(value) > longest:
        raise Invalid(field, f"must be 1 to {longest} characters")
    if NUL in value:
        raise Invalid(field, "must not contain NUL characters")
    return value


def check_free_text(field: str, value: str) -> str:
    """``value`` unchanged (blank allowed); raises ``Invalid`` if it contains a NUL character."""
    if NUL in value:
        raise Invalid(field, "must not contain NUL characters")
    return value


def check_filter(field: str, value: str | None) -> str | None:
    """A list filter's value, ``None`` for no filter; raises ``Invalid`` if it contains a NUL character."""
    return None if value is None else check_free_text(field, value)


def check_moment(field: str, moment: datetime) -> datetime:
    """``moment`` as stored (naive UTC); raises ``Invalid`` when UTC falls outside years 1 to 9999."""
    try:
        return to_storage(moment)
    except OverflowError as exc:
        raise Invalid(field, "must fall between years 1 and 9999 in UTC") from exc
