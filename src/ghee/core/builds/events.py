"""What a build's events carry: one payload, whoever ran the build.

``build.created``, ``build.updated`` and ``build.finished`` carry a
``BuildPayload``, documented in docs/webhooks.md.
"""

from __future__ import annotations

from typing import Any

import msgspec

from ghee import ids
from ghee.core.events import NewEvent


class BuildPayload(msgspec.Struct, frozen=True, omit_defaults=False):
    """The payload of every ``build.*`` event: the build as ButterStack names it, with its CI facet.

    ``job`` is ``j_...`` for a Jenkins job's build (whose ``number`` is the
    job's) and ``None`` for a build an agent reports; ``result`` is Jenkins'
    word for a finished build.
    """

    id: str
    project: str | None
    job: str | None
    number: int
    status: str
    result: str | None
    platform: str
    configuration: str
    branch: str
    changelist: str | None
    commit: str | None
    url: str | None


class BuildFacts(msgspec.Struct, frozen=True):
    """The facts a build event names, from whichever path wrote the build."""

    build_id: int
    project_id: int | None
    job_id: int | None
    number: int
    status: str
    result: str | None
    platform: str
    configuration: str
    branch: str
    changelist: str | None = None
    commit: str | None = None
    url: str | None = None


def build_event(event_type: str, facts: BuildFacts) -> NewEvent:
    """The ``build.*`` event ``event_type`` of a build, with its one payload."""
    public_id = ids.encode("build", facts.build_id)
    payload = BuildPayload(
        id=public_id,
        project=ids.encode("proj", facts.project_id) if facts.project_id is not None else None,
        job=ids.encode("j", facts.job_id, "job") if facts.job_id is not None else None,
        number=facts.number,
        status=facts.status,
        result=facts.result,
        platform=facts.platform,
        configuration=facts.configuration,
        branch=facts.branch,
        changelist=facts.changelist,
        commit=facts.commit,
        url=facts.url,
    )
    data: dict[str, Any] = msgspec.to_builtins(payload)
    return NewEvent(event_type, "build", public_id, facts.project_id, data)
