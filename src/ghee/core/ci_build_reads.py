"""Builds as a CI server reports them: result, durations, commit, stages, failure category.

A build from a Jenkins job carries its job's fields; a build a project made
itself (ButterStack's ``POST /v1/projects/:id/builds``) is the same kind of
row with no job, and reads here with its status translated to a result.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

import msgspec
import sqlalchemy as sa

from ghee import ids
from ghee.core.inputs import check_filter, check_moment
from ghee.core.paging import Counted, Window
from ghee.db.functions import json_rows
from ghee.db.reads import Reads, Row, as_datetime
from ghee.db.tables import build_stages, builds
from ghee.errors import Invalid, NotFound

# What a project's own build status means as a Jenkins result (running builds have none).
_RESULT_OF_STATUS = {"success": "SUCCESS", "failed": "FAILURE", "cancelled": "ABORTED"}
# wfapi stage statuses, in the words Jenkins uses for build results.
_STAGE_RESULT = {"FAILED": "FAILURE"}
FINISHED_RESULTS = ("SUCCESS", "FAILURE", "UNSTABLE", "ABORTED")
"""Results a success rate counts: SUCCESS for, the others against (running builds have none yet)."""
FAILED_RESULTS = frozenset({"FAILURE", "UNSTABLE", "ABORTED"})
"""Results a failure category is given for."""


class Stage(msgspec.Struct, frozen=True):
    """One stage of a pipeline build."""

    name: str
    status: str
    duration_ms: int

    @property
    def result(self) -> str:
        """The stage's status in build-result words (``FAILED`` reads ``FAILURE``)."""
        return _STAGE_RESULT.get(self.status, self.status)

    @property
    def failed(self) -> bool:
        """Whether this stage is where the build failed."""
        return self.status in {"FAILED", "UNSTABLE"}


class CiBuild(msgspec.Struct, frozen=True):
    """A build with what the CI server reported about it."""

    id: int
    job_id: int | None
    project_id: int | None
    number: int
    status: str
    reported_result: str | None
    duration_ms: int | None
    queue_ms: int | None
    branch: str
    commit: str | None
    failure_category: str | None
    url: str | None
    agent: str | None
    deleted: bool
    log_bytes: int | None
    log_complete: bool
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    stages: list[Stage] = []

    @property
    def public_id(self) -> str:
        """``b_...`` (the same row as ButterStack's ``build_...``)."""
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
    def timestamp(self) -> datetime:
        """When it started (Jenkins' ``timestamp``), or was queued if it has not started."""
        return self.started_at or self.created_at


class BuildFilter(msgspec.Struct, frozen=True):
    """Filters of a job's build list; ``since`` is inclusive, ``until`` exclusive, both on the start time."""

    result: str | None = None
    branch: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    include_deleted: bool = False


def check_result(result: str, field: str = "result") -> str:
    """``result`` in upper case if it is a finished build's result, else raise ``Invalid``."""
    wanted = result.strip().upper()
    if wanted not in FINISHED_RESULTS:
        raise Invalid(field, f"must be one of {', '.join(FINISHED_RESULTS)}")
    return wanted


def build_public_id(row_id: int) -> str:
    """``b_...`` for a build row id."""
    return ids.encode("b", row_id, "build")


def build_row_id(public_id: str) -> int:
    """The row id behind ``b_...`` (or ButterStack's ``build_...``); raises ``NotFound`` when malformed."""
    prefix = "build" if public_id.startswith("build_") else "b"
    return ids.decode(prefix, public_id, "build", coder_kind="build")


_STAGES = (
    sa.select(
        json_rows(build_stages.c.position, build_stages.c.name, build_stages.c.status, build_stages.c.duration_ms)
    )
    .where(build_stages.c.build_id == builds.c.id)
    .scalar_subquery()
)
_STAGE_ROWS = msgspec.json.Decoder(list[tuple[int, str, str, int]] | None)
_COLUMNS = (
    builds.c.id,
    builds.c.job_id,
    builds.c.project_id,
    builds.c.number,
    builds.c.status,
    builds.c.result,
    builds.c.duration_ms,
    builds.c.queue_ms,
    builds.c.branch,
    builds.c.commit,
    builds.c.failure_category,
    builds.c.url,
    builds.c.agent,
    builds.c.deleted,
    builds.c.log_bytes,
    builds.c.log_complete,
    builds.c.created_at,
    builds.c.started_at,
    builds.c.finished_at,
    _STAGES,
)


def _build(row: Row) -> CiBuild:
    listed = _STAGE_ROWS.decode(row[19]) if row[19] is not None else None
    stages = [Stage(name, status, duration) for _, name, status, duration in sorted(listed)] if listed else []
    build_id, job_id, project_id, number, status, result, duration_ms, queue_ms, branch, commit = row[:10]
    failure_category, url, agent = row[10:13]
    return CiBuild(
        build_id,
        job_id,
        project_id,
        number,
        status,
        result,
        duration_ms,
        queue_ms,
        branch,
        commit,
        failure_category,
        url,
        agent,
        bool(row[13]),
        row[14],
        bool(row[15]),
        as_datetime(row[16]),  # type: ignore[arg-type]
        as_datetime(row[17]),
        as_datetime(row[18]),
        stages,
    )


@cache
def _matching(result: bool, branch: bool, since: bool, until: bool, include_deleted: bool) -> sa.Select[Any]:
    """The ids of one job's builds that pass one combination of filters."""
    matching = sa.select(builds.c.id).where(builds.c.job_id == sa.bindparam("job_id"))
    if result:
        matching = matching.where(builds.c.result == sa.bindparam("result"))
    if branch:
        matching = matching.where(builds.c.branch == sa.bindparam("branch"))
    if since:
        matching = matching.where(builds.c.started_at >= sa.bindparam("since", type_=sa.DateTime()))
    if until:
        matching = matching.where(builds.c.started_at < sa.bindparam("until", type_=sa.DateTime()))
    if not include_deleted:
        matching = matching.where(builds.c.deleted == sa.false())
    return matching


@cache
def _list_statement(matching: sa.Select[Any]) -> sa.Select[Any]:
    """A page of builds, newest number first, with the number matching in every row.

    The page and its total are chosen on the narrow rows first (the
    ``uq_builds_job_number`` index), and only the page's rows are read whole:
    a window function over the whole rows would aggregate every matching
    build's stages before the limit applies.
    """
    page = (
        matching.add_columns(sa.func.count().over().label("total"))
        .order_by(builds.c.number.desc())
        .limit(sa.bindparam("limit"))
        .offset(sa.bindparam("offset"))
        .subquery()
    )
    return (
        sa.select(*_COLUMNS, page.c.total)
        .join_from(builds, page, builds.c.id == page.c.id)
        .order_by(builds.c.number.desc())
    )


@cache
def _count_statement(matching: sa.Select[Any]) -> sa.Select[Any]:
    return sa.select(sa.func.count()).select_from(matching.subquery())


async def list_job_builds(reads: Reads, job_id: int, filters: BuildFilter, window: Window) -> Counted[CiBuild]:
    """A job's builds, newest first, with their stages, and how many match.

    Raises ``Invalid`` for an unknown result, a NUL in the branch, or
    ``since`` not before ``until``.
    """
    params: dict[str, object] = {"job_id": job_id, "limit": window.limit, "offset": window.offset}
    if filters.result is not None:
        params["result"] = check_result(filters.result)
    if filters.branch is not None:
        params["branch"] = check_filter("branch", filters.branch)
    if filters.since is not None:
        params["since"] = check_moment("since", filters.since)
    if filters.until is not None:
        params["until"] = check_moment("until", filters.until)
    if filters.since is not None and filters.until is not None and params["since"] >= params["until"]:  # type: ignore[operator]
        raise Invalid("until", "must be after since")
    matching = _matching(
        filters.result is not None,
        filters.branch is not None,
        filters.since is not None,
        filters.until is not None,
        filters.include_deleted,
    )
    rows = await reads.all(_list_statement(matching), params)
    if rows:
        return Counted([_build(row) for row in rows], int(rows[0][-1]))
    if window.offset == 0:
        return Counted([], 0)
    total = await reads.first(_count_statement(matching), params)
    return Counted([], int(total[0]) if total else 0)


_ONE = sa.select(*_COLUMNS).where(builds.c.id == sa.bindparam("build_id"))


async def get_build(reads: Reads, public_id: str, only: int | None = None) -> CiBuild:
    """The build ``b_...`` with its stages, deleted or not; raises ``NotFound`` if missing or outside ``only``."""
    row = await reads.first(_ONE, {"build_id": build_row_id(public_id)})
    if row is None:
        raise NotFound("build", public_id)
    build = _build(row)
    if only is not None and build.project_id != only:
        raise NotFound("build", public_id)
    return build


_CAUSES = sa.select(builds.c.causes).where(builds.c.id == sa.bindparam("build_id"))


async def build_causes(reads: Reads, build_id: int) -> list[str]:
    """What started the build, in the CI's words (Jenkins' ``shortDescription``s); empty when not reported."""
    row = await reads.first(_CAUSES, {"build_id": build_id})
    causes = row[0] if row else None
    if isinstance(causes, str | bytes):  # a JSON column read through the fast path
        causes = msgspec.json.decode(causes)
    if not isinstance(causes, list):
        return []
    found = []
    for cause in causes:
        text = cause.get("shortDescription") if isinstance(cause, dict) else None
        if isinstance(text, str) and text.strip():
            found.append(text.strip())
    return found


async def recent_builds(reads: Reads, job_id: int, count: int) -> list[CiBuild]:
    """A job's newest ``count`` builds that are not deleted, newest first."""
    page = await list_job_builds(reads, job_id, BuildFilter(), Window(count))
    return page.items
