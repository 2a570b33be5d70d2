"""The build: one type for every build, with its CI facet (job, stages, log, cause, agent, failure category).

A build a project made itself (ButterStack's ``POST /v1/projects/:id/builds``)
has no job, and its result reads from its status; a Jenkins build has both.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import msgspec

from ghee import ids
from ghee.errors import Invalid

STATUSES = ("pending", "running", "success", "failed", "cancelled")
FINISHED = frozenset({"success", "failed", "cancelled"})
FINISHED_RESULTS = ("SUCCESS", "FAILURE", "UNSTABLE", "ABORTED")
"""Results a success rate counts: SUCCESS for, the others against (running builds have none yet)."""
FAILED_RESULTS = frozenset({"FAILURE", "UNSTABLE", "ABORTED"})
"""Results a failure category is given for."""
# What a build's status means as a Jenkins result (running builds have none).
_RESULT_OF_STATUS = {"success": "SUCCESS", "failed": "FAILURE", "cancelled": "ABORTED"}
_STATUS_OF_RESULT = {
    "SUCCESS": "success",
    "FAILURE": "failed",
    "UNSTABLE": "failed",
    "ABORTED": "cancelled",
    "NOT_BUILT": "cancelled",
}
# wfapi stage statuses, in the words Jenkins uses for build results.
_STAGE_RESULT = {"FAILED": "FAILURE"}
_SECOND = timedelta(seconds=1)


def status_of(result: str | None, *, building: bool) -> str:
    """The status ghee gives a CI result: building → running, SUCCESS → success, FAILURE/UNSTABLE → failed, ..."""
    if building or result is None:
        return "running"
    return _STATUS_OF_RESULT.get(result, "failed")


def check_status(status: str, field: str = "status") -> str:
    """Return ``status`` if it is a build status, else raise ``Invalid``."""
    if status not in STATUSES:
        raise Invalid(field, f"must be one of {', '.join(STATUSES)}")
    return status


def check_result(result: str, field: str = "result") -> str:
    """``result`` in upper case if it is a finished build's result, else raise ``Invalid``."""
    wanted = result.strip().upper()
    if wanted not in FINISHED_RESULTS:
        raise Invalid(field, f"must be one of {', '.join(FINISHED_RESULTS)}")
    return wanted


def build_public_id(row_id: int) -> str:
    """``b_...`` for a build row id (BuildButler's form of the id)."""
    return ids.encode("b", row_id, "build")


def build_row_id(public_id: str) -> int:
    """The row id behind ``build_...`` or ``b_...``; raises ``NotFound`` when malformed."""
    if public_id.startswith("build_"):
        return ids.decode("build", public_id, "build")
    return ids.decode("b", public_id, "build", coder_kind="build")


class Artifact(msgspec.Struct, frozen=True):
    """A file a build produced."""

    name: str
    size_bytes: int
    url: str


class Stage(msgspec.Struct, frozen=True):
    """One stage of a pipeline build, as the CI reports it (``wfapi`` statuses: SUCCESS, FAILED, IN_PROGRESS, ...)."""

    name: str
    status: str
    started_at: datetime | None
    duration_ms: int

    @property
    def result(self) -> str:
        """The stage's status in build-result words (``FAILED`` reads ``FAILURE``)."""
        return _STAGE_RESULT.get(self.status, self.status)

    @property
    def failed(self) -> bool:
        """Whether this stage is where the build failed."""
        return self.status in {"FAILED", "UNSTABLE"}


class Build(msgspec.Struct, frozen=True):
    """One build: what every dialect and the dashboard show, whoever ran it.

    ``job_id`` is set for a Jenkins job's build, whose ``number`` is the
    job's; a build without a job is numbered within its project.
    """

    id: int
    project_id: int | None
    job_id: int | None
    number: int
    status: str
    platform: str
    configuration: str
    branch: str
    changelist: str | None
    changelist_id: int | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    reported_result: str | None = None
    duration_ms: int | None = None
    queue_ms: int | None = None
    commit: str | None = None
    failure_category: str | None = None
    url: str | None = None
    agent: str | None = None
    deleted: bool = False
    log_bytes: int | None = None
    log_complete: bool = False
    job_name: str | None = None
    artifacts: list[Artifact] = []
    stages: list[Stage] = []

    @property
    def public_id(self) -> str:
        """``build_...`` (ButterStack and buddybuild's form of the id)."""
        return ids.encode("build", self.id)

    @property
    def ci_public_id(self) -> str:
        """``b_...`` (BuildButler's form of the same id)."""
        return build_public_id(self.id)

    @property
    def result(self) -> str | None:
        """SUCCESS, FAILURE, UNSTABLE, ABORTED, NOT_BUILT, or ``None`` while it runs."""
        return self.reported_result or _RESULT_OF_STATUS.get(self.status)

    @property
    def building(self) -> bool:
        """Whether it is queued or running (no result yet)."""
        return self.result is None and self.status in {"pending", "running"}

    @property
    def duration(self) -> int | None:
        """Milliseconds it ran: as reported, else from its start and finish."""
        if self.duration_ms is not None:
            return self.duration_ms
        if self.started_at is None or self.finished_at is None:
            return None
        return max(0, int((self.finished_at - self.started_at).total_seconds() * 1000))

    @property
    def duration_seconds(self) -> int | None:
        """Whole seconds from start to finish, once both are known."""
        if self.started_at is None or self.finished_at is None:
            return None
        return max(0, (self.finished_at - self.started_at) // _SECOND)

    @property
    def timestamp(self) -> datetime:
        """When it started (Jenkins' ``timestamp``), or was queued if it has not started."""
        return self.started_at or self.created_at


class BuildFilter(msgspec.Struct, frozen=True):
    """Which builds a list shows: one project's or one job's, then filters (``None``: no filter).

    ``status`` is ghee's word (``failed``), ``result`` Jenkins' (``FAILURE``);
    ``since`` is inclusive and ``until`` exclusive, both on the start time.
    """

    project_id: int | None = None
    job_id: int | None = None
    status: str | None = None
    result: str | None = None
    branch: str | None = None
    configuration: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    include_deleted: bool = False
