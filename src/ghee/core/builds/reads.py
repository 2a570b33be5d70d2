"""Reading builds: one list with one filter for every dialect and the dashboard, and one build.

A project's builds are listed newest first by when they were queued
(``created_at``), whatever fed them, so a linked job's history falls in
among the builds agents reported. A job's builds are listed by number,
newest first.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import msgspec
import sqlalchemy as sa

from ghee.core.builds.model import Artifact, Build, BuildFilter, Stage, build_row_id, check_result, check_status
from ghee.core.inputs import check_filter, check_moment
from ghee.core.paging import Window
from ghee.core.projects import Project, check_visible, get_project
from ghee.db.functions import in_json_list, json_list, json_rows
from ghee.db.newest_first import newest_first, of_parent
from ghee.db.reads import Reads, Row, as_datetime
from ghee.db.tables import artifacts, build_stages, builds, jobs, projects
from ghee.errors import Invalid, NotFound


class BuildPage(msgspec.Struct, frozen=True):
    """A page of builds: whether more follow, and how many match when asked for (``None`` otherwise)."""

    items: list[Build]
    has_more: bool
    total: int | None = None


# A build as read: its columns, then its artifacts and its stages as one
# JSON text each. One row per build costs less to read than a join's row per
# artifact (measured: see bench/README.md, section "builds_list.py").
_ARTIFACTS = (
    sa.select(json_rows(artifacts.c.id, artifacts.c.name, artifacts.c.size_bytes, artifacts.c.url))
    .where(artifacts.c.build_id == builds.c.id)
    .scalar_subquery()
)
_STAGES = (
    sa.select(
        json_rows(
            build_stages.c.position,
            build_stages.c.name,
            build_stages.c.status,
            build_stages.c.duration_ms,
            build_stages.c.started_at,
        )
    )
    .where(build_stages.c.build_id == builds.c.id)
    .scalar_subquery()
)
_JOB_NAME = sa.select(jobs.c.full_name).where(jobs.c.id == builds.c.job_id).scalar_subquery()
_COLUMNS = (
    builds.c.id,
    builds.c.project_id,
    builds.c.job_id,
    builds.c.number,
    builds.c.status,
    builds.c.platform,
    builds.c.configuration,
    builds.c.branch,
    builds.c.changelist,
    builds.c.changelist_id,
    builds.c.created_at,
    builds.c.started_at,
    builds.c.finished_at,
    builds.c.result,
    builds.c.duration_ms,
    builds.c.queue_ms,
    builds.c.commit,
    builds.c.failure_category,
    builds.c.url,
    builds.c.agent,
    builds.c.deleted,
    builds.c.log_bytes,
    builds.c.log_complete,
)
_READ = (*_COLUMNS, _JOB_NAME, _ARTIFACTS, _STAGES)
_ARTIFACT_ROWS = msgspec.json.Decoder(list[tuple[int, str, int, str]] | None)
_STAGE_ROWS = msgspec.json.Decoder(list[tuple[int, str, str, int, str | None]] | None)


def _stage(name: str, status: str, duration_ms: int, started: str | None) -> Stage:
    return Stage(name, status, as_datetime(started) if started else None, duration_ms)


def _build(row: Row) -> Build:
    (build_id, project_id, job_id, number, status, platform, configuration, branch, changelist, cl_id) = row[:10]
    created_at, started_at, finished_at, result, duration_ms, queue_ms, commit, category, url, agent = row[10:20]
    deleted, log_bytes, log_complete, job_name, artifact_json, stage_json = row[20:26]
    listed = _ARTIFACT_ROWS.decode(artifact_json) if artifact_json is not None else None
    if listed and len(listed) > 1:
        listed.sort()  # by id: the order they were reported in
    staged = _STAGE_ROWS.decode(stage_json) if stage_json is not None else None
    return Build(
        build_id,
        project_id,
        job_id,
        number,
        status,
        platform,
        configuration,
        branch,
        changelist,
        cl_id,
        as_datetime(created_at),  # type: ignore[arg-type]
        as_datetime(started_at),
        as_datetime(finished_at),
        result,
        duration_ms,
        queue_ms,
        commit,
        category,
        url,
        agent,
        bool(deleted),
        log_bytes,
        bool(log_complete),
        job_name,
        [Artifact(name, size, link) for _, name, size, link in listed] if listed else [],
        [_stage(name, status, ms, started) for _, name, status, ms, started in sorted(staged)] if staged else [],
    )


class _Shape(msgspec.Struct, frozen=True):
    """Which parts of the query one filter needs (a statement is built once per shape)."""

    of_job: bool
    status: bool
    result: bool
    branch: bool
    configuration: bool
    since: bool
    until: bool
    include_deleted: bool
    counted: bool


@cache
def _list_statement(shape: _Shape) -> sa.Select[Any]:
    """A page of a project's or a job's builds for one shape of filter, in index order.

    A project's page is read along ``ix_builds_project_*`` (project, then
    queue time), a job's along ``uq_builds_job_number``, so the database
    stops at the page's end without sorting. With ``counted`` the page is
    chosen on the narrow rows first with the number matching in every row,
    and only the page's rows are read whole.
    """
    if shape.of_job:
        where: list[Any] = [builds.c.job_id == sa.bindparam("job_id")]
        order: tuple[Any, ...] = (builds.c.number.desc(),)
    else:
        where = [of_parent(builds.c.project_id, sa.bindparam("project_id"))]
        order = newest_first(builds.c.project_id, builds.c.created_at, builds.c.id)
    if shape.status:
        where.append(builds.c.status == sa.bindparam("status"))
    if shape.result:
        where.append(builds.c.result == sa.bindparam("result"))
    if shape.branch:
        where.append(builds.c.branch == sa.bindparam("branch"))
    if shape.configuration:
        where.append(builds.c.configuration == sa.bindparam("configuration"))
    if shape.since:
        where.append(builds.c.started_at >= sa.bindparam("since", type_=sa.DateTime()))
    if shape.until:
        where.append(builds.c.started_at < sa.bindparam("until", type_=sa.DateTime()))
    if not shape.include_deleted:
        where.append(builds.c.deleted == sa.false())
    if not shape.counted:
        return (
            sa.select(*_READ).where(*where).order_by(*order).limit(sa.bindparam("limit")).offset(sa.bindparam("offset"))
        )
    page = (
        sa.select(builds.c.id, sa.func.count().over().label("total"))
        .where(*where)
        .order_by(*order)
        .limit(sa.bindparam("limit"))
        .offset(sa.bindparam("offset"))
        .subquery()
    )
    return sa.select(*_READ, page.c.total).join_from(builds, page, builds.c.id == page.c.id).order_by(*order)


@cache
def _count_statement(shape: _Shape) -> sa.Select[Any]:
    narrow = msgspec.structs.replace(shape, counted=False)
    matching = _list_statement(narrow).with_only_columns(builds.c.id).limit(None).offset(None).order_by(None)
    return sa.select(sa.func.count()).select_from(matching.subquery())


def _params(filters: BuildFilter) -> dict[str, object]:
    params: dict[str, object] = {}
    if filters.job_id is not None:
        params["job_id"] = filters.job_id
    elif filters.project_id is not None:
        params["project_id"] = filters.project_id
    else:
        raise ValueError("a build list is of one project or one job")
    if filters.status is not None:
        params["status"] = check_status(filters.status)
    if filters.result is not None:
        params["result"] = check_result(filters.result)
    if filters.branch is not None:
        params["branch"] = check_filter("branch", filters.branch)
    if filters.configuration is not None:
        params["configuration"] = check_filter("configuration", filters.configuration)
    if filters.since is not None:
        params["since"] = check_moment("since", filters.since)
    if filters.until is not None:
        params["until"] = check_moment("until", filters.until)
    if filters.since is not None and filters.until is not None and params["since"] >= params["until"]:  # type: ignore[operator]
        raise Invalid("until", "must be after since")
    return params


async def list_builds(reads: Reads, filters: BuildFilter, window: Window, *, counted: bool = False) -> BuildPage:
    """The builds of ``filters``' project or job, newest first, with artifacts and stages.

    With ``counted`` the page says how many builds match in all. Raises
    ``Invalid`` for an unknown status or result, a NUL in a text filter, or
    ``since`` not before ``until``.
    """
    params = _params(filters)
    shape = _Shape(
        of_job=filters.job_id is not None,
        status=filters.status is not None,
        result=filters.result is not None,
        branch=filters.branch is not None,
        configuration=filters.configuration is not None,
        since=filters.since is not None,
        until=filters.until is not None,
        include_deleted=filters.include_deleted,
        counted=counted,
    )
    if not counted:
        rows = await reads.all(_list_statement(shape), {**params, "limit": window.limit + 1, "offset": window.offset})
        found = [_build(row) for row in rows[: window.limit]]
        return BuildPage(found, len(rows) > window.limit)
    rows = await reads.all(_list_statement(shape), {**params, "limit": window.limit, "offset": window.offset})
    if rows:
        total = int(rows[0][-1])
    elif window.offset == 0:
        total = 0
    else:  # past the end: the page is empty, so the window function gave no total; count once
        counted_row = await reads.first(_count_statement(shape), params)
        total = int(counted_row[0]) if counted_row else 0
    return BuildPage([_build(row) for row in rows], window.offset + len(rows) < total, total)


_ONE_BUILD = sa.select(*_READ).where(builds.c.id == sa.bindparam("build_id"))


async def list_project_builds(
    reads: Reads, project: str, only: int | None, filters: BuildFilter, window: Window
) -> BuildPage:
    """The builds of project ``proj_...`` as ``list_builds``; raises ``NotFound`` if missing or outside ``only``.

    A build implies its project, so the project is looked up only when the page is empty.
    """
    scoped = msgspec.structs.replace(filters, project_id=check_visible(project, only), job_id=None)
    page = await list_builds(reads, scoped, window)
    if not page.items:
        await get_project(reads, project, only)
    return page


async def get_build(reads: Reads, public_id: str, only: int | None = None, *, of_project: bool = False) -> Build:
    """The build ``build_...`` or ``b_...``, deleted or not.

    Raises ``NotFound`` if it is missing, outside project ``only``, or (with
    ``of_project``) a build of a job no project is linked to.
    """
    build = await build_by_row_id(reads, build_row_id(public_id), public_id)
    if (only is not None and build.project_id != only) or (of_project and build.project_id is None):
        raise NotFound("build", public_id)
    return build


async def build_by_row_id(reads: Reads, row_id: int, public_id: str | None = None) -> Build:
    """The build with row id ``row_id``; raises ``NotFound`` (naming ``public_id``) if there is none."""
    row = await reads.first(_ONE_BUILD, {"build_id": row_id})
    if row is None:
        raise NotFound("build", public_id or str(row_id))
    return _build(row)


_MANY = sa.select(*_READ).where(in_json_list(builds.c.id, sa.bindparam("ids"))).order_by(builds.c.id)


async def builds_by_row_ids(reads: Reads, row_ids: list[int]) -> list[Build]:
    """The builds with row ids ``row_ids`` that exist, in id order (one statement)."""
    if not row_ids:
        return []
    return [_build(row) for row in await reads.all(_MANY, {"ids": json_list(sorted(set(row_ids)))})]


_NEWEST_OF_PROJECT = (
    sa.select(builds.c.id)
    .where(builds.c.project_id == projects.c.id, builds.c.deleted == sa.false())
    .order_by(builds.c.created_at.desc(), builds.c.id.desc())
    .limit(1)
    .correlate(projects)
    .scalar_subquery()
)
_FAILING_NOW = (
    sa.select(builds.c.id, projects.c.id, projects.c.name, projects.c.engine, projects.c.created_at)
    .select_from(projects.join(builds, builds.c.id == _NEWEST_OF_PROJECT))
    .where(builds.c.status == "failed")
    .order_by(builds.c.created_at.desc(), builds.c.id.desc())
    .limit(sa.bindparam("limit"))
)


async def failing_projects(reads: Reads, limit: int) -> list[tuple[Project, Build]]:
    """The projects whose newest build failed, with that build, the most recently queued first; ``limit`` at most."""
    rows = await reads.all(_FAILING_NOW, {"limit": limit})
    failed = {build.id: build for build in await builds_by_row_ids(reads, [row[0] for row in rows])}
    return [
        (Project(row[1], row[2], row[3], as_datetime(row[4])), failed[row[0]])  # type: ignore[arg-type]
        for row in rows
        if row[0] in failed
    ]


_OF_CHANGELIST = (
    sa.select(*_READ)
    .where(builds.c.changelist_id == sa.bindparam("changelist_id"))
    .order_by(builds.c.id.desc())
    .limit(sa.bindparam("limit"))
)


async def builds_of_changelist(reads: Reads, changelist_id: int, limit: int) -> list[Build]:
    """The newest ``limit`` builds made from changelist row ``changelist_id``."""
    return [_build(row) for row in await reads.all(_OF_CHANGELIST, {"changelist_id": changelist_id, "limit": limit})]


_NUMBERS = sa.select(builds.c.id, builds.c.number).where(in_json_list(builds.c.id, sa.bindparam("ids")))


async def build_numbers(reads: Reads, build_ids: list[int]) -> dict[int, int]:
    """The numbers of the builds with row ids ``build_ids``, by row id (one statement, for deployments)."""
    rows = await reads.all(_NUMBERS, {"ids": json_list(sorted(set(build_ids)))})
    return {int(row_id): int(number) for row_id, number in rows}


_CAUSES = sa.select(builds.c.causes).where(builds.c.id == sa.bindparam("build_id"))


async def build_causes(reads: Reads, build_id: int) -> list[str]:
    """What started the build, in the CI's words ("Started by timer"); empty when not reported."""
    row = await reads.first(_CAUSES, {"build_id": build_id})
    causes = row[0] if row else None
    if isinstance(causes, str | bytes):  # a JSON column read through the fast path
        causes = msgspec.json.decode(causes)
    if not isinstance(causes, list):
        return []
    found = []
    for cause in causes:
        # The sync stores Jenkins' ``shortDescription`` as ``description``; older rows kept Jenkins' own key.
        text = (cause.get("description") or cause.get("shortDescription")) if isinstance(cause, dict) else None
        if isinstance(text, str) and text.strip():
            found.append(text.strip())
    return found


async def recent_builds(reads: Reads, job_id: int, count: int) -> list[Build]:
    """A job's newest ``count`` builds that are not deleted, newest first."""
    return (await list_builds(reads, BuildFilter(job_id=job_id), Window(count))).items
