"""Time ranges of the analytics: ``24h``, ``7d``, ``30d`` back from now, or from one moment to another.

Rollups are kept per hour, so a range is whole hours: its start is rounded
down to the hour and its end up (the current hour counts, as far as it has
gone). A range spans at most ``MAX_DAYS``.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import msgspec

from ghee.core.inputs import check_moment
from ghee.errors import Invalid

ROLLING = {"24h": timedelta(hours=24), "7d": timedelta(days=7), "30d": timedelta(days=30)}
DEFAULT = "7d"
MAX_DAYS = 366
_HOUR = timedelta(hours=1)
_EARLIEST = datetime(1970, 1, 2)  # noqa: DTZ001 (storage is naive UTC)


class TimeRange(msgspec.Struct, frozen=True):
    """From ``start`` (inclusive) to ``end`` (exclusive), naive UTC, both on the hour."""

    start: datetime
    end: datetime

    @property
    def days(self) -> int:
        """How many UTC days the range touches."""
        return ((self.end - _HOUR).date() - self.start.date()).days + 1

    @property
    def dates(self) -> list[date]:
        """Each UTC day the range touches, oldest first."""
        first = self.start.date()
        return [first + timedelta(days=n) for n in range(self.days)]


def _floor_hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def ceil_hour(moment: datetime) -> datetime:
    """``moment`` rounded up to the hour: where a range ending at ``moment`` ends (what of now it depends on)."""
    floor = _floor_hour(moment)
    return floor if floor == moment else floor + _HOUR


def moment(field: str, text: str | None) -> datetime | None:
    """``text`` read as an ISO 8601 date and time (``None`` stays ``None``); raises ``Invalid`` naming ``field``."""
    if text is None:
        return None
    try:
        return msgspec.convert(text.strip(), datetime)
    except msgspec.ValidationError:
        raise Invalid(field, "must be an ISO 8601 date and time, like 2026-11-25T00:00:00Z") from None


def resolve_range(name: str | None, start: datetime | None, end: datetime | None, now: datetime) -> TimeRange:
    """The range asked for: ``name`` (``24h``, ``7d``, ``30d``, or ``<ISO start>/<ISO end>``) or ``start``/``end``.

    ``DEFAULT`` if none; ``end`` defaults to ``now``. Raises ``Invalid`` for an
    unknown name, a name together with moments, an end without a start, an
    end not after the start, or a span over ``MAX_DAYS``.
    """
    if name is not None and (start is not None or end is not None):
        raise Invalid("range", "give either range or from/to, not both")
    if name is not None and "/" in name:  # seed 001's custom range: an ISO 8601 interval
        first_text, _, last_text = name.partition("/")
        start, end, name = moment("range", first_text), moment("range", last_text), None
    if start is None:
        if end is not None:
            raise Invalid("from", "is required with to")
        period = ROLLING.get(name or DEFAULT)
        if period is None:
            raise Invalid("range", f"must be one of {', '.join(ROLLING)}, or use from and to (ISO 8601)")
        finish = ceil_hour(now)
        return TimeRange(finish - period, finish)
    first = _floor_hour(check_moment("from", start))
    try:
        finish = ceil_hour(check_moment("to", end) if end is not None else now)
    except OverflowError as exc:
        raise Invalid("to", "must fall before year 9999 ends") from exc
    if first < _EARLIEST:
        raise Invalid("from", "must be after 1970-01-02")
    if finish <= first:
        raise Invalid("to", "must be after from")
    if finish - first > timedelta(days=MAX_DAYS):
        raise Invalid("to", f"the range must span at most {MAX_DAYS} days")
    return TimeRange(first, finish)
