"""Time as ghee stores it: naive UTC datetimes, rendered ISO 8601 with ``Z``."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from functools import lru_cache

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC).replace(tzinfo=None)  # naive, like the storage form


def utcnow() -> datetime:
    """Now, as a naive UTC datetime (the storage form).

    The epoch plus the system clock's whole microseconds, which is what
    ``datetime.now(UTC).replace(tzinfo=None)`` reads too (the same clock,
    rounded down), in less time: ``replace`` parses keyword arguments
    (measured: see bench/README.md, section "micro.py"). Every authenticated
    request asks for it.
    """
    return _EPOCH + timedelta(0, 0, time.time_ns() // 1000)


def to_storage(moment: datetime) -> datetime:
    """Normalise an incoming datetime to naive UTC; naive input is taken as UTC already."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


@lru_cache(maxsize=8192)
def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds") + "Z"


def iso(moment: datetime | None) -> str | None:
    """``2026-12-15T14:30:00Z`` for a stored datetime, ``None`` for ``None``.

    A list renders three timestamps per row and the same rows are asked for
    again and again (pages are polled), so renderings are cached: a hit costs
    a fraction of ``isoformat`` (measured: see bench/README.md, section "micro.py").
    """
    return None if moment is None else _iso(moment)
