"""Time as ghee stores it: naive UTC datetimes, rendered ISO 8601 with ``Z``."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Now, as a naive UTC datetime (the storage form)."""
    return datetime.now(UTC).replace(tzinfo=None)


def to_storage(moment: datetime) -> datetime:
    """Normalise an incoming datetime to naive UTC; naive input is taken as UTC already."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


def iso(moment: datetime | None) -> str | None:
    """``2026-12-15T14:30:00Z`` for a stored datetime, ``None`` for ``None``."""
    if moment is None:
        return None
    # isoformat is several times cheaper than strftime, and lists render dozens of these.
    return moment.isoformat(timespec="seconds") + "Z"
