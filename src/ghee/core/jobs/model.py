"""The job: a job on a Jenkins connection, with the build counts behind its success rate."""

from __future__ import annotations

import msgspec

from ghee import ids


def job_public_id(row_id: int) -> str:
    """``j_...`` for a job row id."""
    return ids.encode("j", row_id, "job")


def job_row_id(public_id: str) -> int:
    """The row id behind ``j_...``; raises ``NotFound`` when malformed."""
    return ids.decode("j", public_id, "job", coder_kind="job")


class Job(msgspec.Struct, frozen=True):
    """A job on a Jenkins server (``instance`` is its connection's name)."""

    id: int
    connection_id: int
    instance: str
    project_id: int | None
    full_name: str
    name: str
    folder: str
    url: str
    kind: str
    branch: str | None
    last_build_number: int | None
    last_result: str | None
    flaky: bool
    deleted: bool
    succeeded: int = 0
    finished: int = 0

    @property
    def public_id(self) -> str:
        """``j_...``."""
        return job_public_id(self.id)

    @property
    def success_rate(self) -> float | None:
        """SUCCESS over finished builds, ``None`` before the first build finishes."""
        return round(self.succeeded / self.finished, 4) if self.finished else None


class JobFilter(msgspec.Struct, frozen=True):
    """Filters of the job list: connection name, folder (and below it), and whether deleted jobs show."""

    instance: str | None = None
    folder: str | None = None
    include_deleted: bool = False
