"""What a dashboard user may read of the event log: all of it for an admin, the families of their pages otherwise.

A user who is not an admin sees builds, deployments, assets, changelists,
projects and the content (posts, pages, collections, media): what the pages
they can open show. The CI plumbing only admins manage (Jenkins connections,
jobs, failure causes) is theirs alone, and a build's ``url`` (its Jenkins
address) is left out of its payload. Families are listed both ways, so a new
one must be placed in one list or the other (``tests/core/test_event_access.py``).
"""

from __future__ import annotations

import msgspec

from ghee.core.events import Event

EVERYONE_FAMILIES = frozenset(
    {
        "project",
        "build",
        "deployment",
        "asset",
        "changelist",
        "post",
        "draft",
        "contentfield",
        "page",
        "pagetype",
        "collection",
        "collectionitem",
        "author",
        "category",
        "tag",
        "media",
    }
)
"""Event families every signed-in user may read."""

ADMIN_FAMILIES = frozenset({"connection", "job", "failure_cause"})
"""Event families only admins may read: they name Jenkins servers, jobs and the rules classifying failures."""

_ADMIN_FIELDS = {"build": frozenset({"url"})}
"""Payload fields left out for users who are not admins, by family: a build's Jenkins URL."""


def readable_event(event: Event, *, admin: bool) -> Event | None:
    """``event`` as a user may read it: whole for an admin; for anyone else ``None`` or without admin fields.

    Families in neither list are read by admins only.
    """
    if admin:
        return event
    family = event.type.partition(".")[0]
    if family not in EVERYONE_FAMILIES:
        return None
    hidden = _ADMIN_FIELDS.get(family)
    if hidden is None or hidden.isdisjoint(event.payload):
        return event
    return msgspec.structs.replace(event, payload={k: v for k, v in event.payload.items() if k not in hidden})
