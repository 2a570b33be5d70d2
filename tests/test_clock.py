"""Time as ghee stores it."""

from __future__ import annotations

from datetime import UTC, datetime

from ghee.clock import utcnow


def test_utcnow_is_now_in_utc_without_a_zone() -> None:
    before = datetime.now(UTC).replace(tzinfo=None)
    now = utcnow()
    after = datetime.now(UTC).replace(tzinfo=None)
    assert now.tzinfo is None
    assert before <= now <= after
