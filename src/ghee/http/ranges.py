"""``Range: bytes=...`` requests (RFC 9110 §14): one range, or the whole representation."""

from __future__ import annotations

import re

_ONE_RANGE = re.compile(r"bytes=(\d*)-(\d*)")


class RangeNotSatisfiable(Exception):
    """The range asked for lies past the end of a representation of ``size`` bytes."""

    def __init__(self, size: int) -> None:
        super().__init__(f"no byte of the range lies within the {size} bytes there are")
        self.size = size


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The ``(start, end)`` (end exclusive) that ``header`` asks for of ``size`` bytes, or ``None`` for all of them.

    A header this does not serve (another unit, several ranges, bad syntax)
    is ignored, as RFC 9110 allows, and the whole representation is sent.
    Raises ``RangeNotSatisfiable`` when the range starts past the end.
    """
    if header is None:
        return None
    match = _ONE_RANGE.fullmatch(header.strip())
    if match is None:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:  # the last N bytes
        suffix = int(last)
        if suffix == 0 or size == 0:
            raise RangeNotSatisfiable(size)
        return max(size - suffix, 0), size
    start = int(first)
    end = size if not last else int(last) + 1
    if last and end <= start:
        return None  # an invalid range-spec: ignored
    if start >= size:
        raise RangeNotSatisfiable(size)
    return start, min(end, size)
