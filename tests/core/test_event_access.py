"""Which events a dashboard user may read: every family is placed, admins read all, others no Jenkins plumbing."""

from __future__ import annotations

from datetime import UTC, datetime

from ghee.core.event_access import ADMIN_FAMILIES, EVERYONE_FAMILIES, readable_event
from ghee.core.event_types import EVENT_TYPES, FAMILIES
from ghee.core.events import Event


def _event(event_type: str, payload: dict[str, object]) -> Event:
    return Event(1, event_type, event_type.partition(".")[0], "x_1", None, payload, datetime(2026, 1, 1, tzinfo=UTC))


def test_every_event_family_is_placed_on_one_side() -> None:
    assert EVERYONE_FAMILIES | ADMIN_FAMILIES == FAMILIES
    assert not EVERYONE_FAMILIES & ADMIN_FAMILIES


def test_an_admin_reads_every_event_whole() -> None:
    for event_type in EVENT_TYPES:
        event = _event(event_type, {"id": "x_1", "url": "https://jenkins.example.com/job/a/1/"})
        assert readable_event(event, admin=True) == event


def test_others_read_no_connection_job_or_failure_cause_event() -> None:
    for event_type in EVENT_TYPES:
        readable = readable_event(_event(event_type, {"id": "x_1"}), admin=False)
        assert (readable is None) == event_type.startswith(("connection.", "job.", "failure_cause."))


def test_others_read_a_build_without_its_jenkins_url() -> None:
    event = _event("build.finished", {"id": "build_1", "result": "FAILURE", "url": "https://jenkins.example.com/x/7/"})
    readable = readable_event(event, admin=False)
    assert readable is not None
    assert readable.payload == {"id": "build_1", "result": "FAILURE"}
    assert event.payload["url"] == "https://jenkins.example.com/x/7/"  # the stored event is untouched
