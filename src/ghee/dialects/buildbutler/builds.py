"""BuildButler builds: a job's build list, one build with its stages, its console log (seed 001)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec
from litestar import Response, get
from litestar.enums import MediaType
from litestar.openapi.datastructures import ResponseSpec
from litestar.response import Stream

from ghee.clock import iso
from ghee.core.builds import logs as build_logs
from ghee.core.builds import reads as build_reads
from ghee.core.builds.model import Build, BuildFilter
from ghee.core.jobs.model import job_public_id
from ghee.core.jobs.reads import get_job as get_job_of
from ghee.dialects.buildbutler.errors import ERRORS, BuildButlerError, render_problem
from ghee.dialects.buildbutler.paging import Meta, Page, PerPage, window
from ghee.errors import Invalid
from ghee.http.auth import ApiRequest
from ghee.http.errors import Problem
from ghee.http.ranges import RangeNotSatisfiable, byte_range


class BuildButlerStage(msgspec.Struct):
    name: str
    duration: int
    result: str


class BuildButlerBuild(msgspec.Struct, rename="camel"):
    id: str
    job_id: str | None
    number: int
    result: str | None
    duration: int | None
    queue_time: int | None
    timestamp: str
    branch: str | None
    commit: str | None
    failure_category: str | None
    stages: list[BuildButlerStage]
    building: bool
    url: str | None
    agent: str | None
    deleted: bool


class BuildList(msgspec.Struct):
    data: list[BuildButlerBuild]
    meta: Meta


def build_shape(build: Build) -> BuildButlerBuild:
    """A build as seed 001 shows it, plus whether it still runs, its Jenkins URL, agent and deletion."""
    return BuildButlerBuild(
        build.ci_public_id,
        None if build.job_id is None else job_public_id(build.job_id),
        build.number,
        build.result,
        build.duration,
        build.queue_ms,
        iso(build.timestamp) or "",
        build.branch or None,
        build.commit,
        build.failure_category,
        [BuildButlerStage(s.name, s.duration_ms, s.result) for s in build.stages],
        build.building,
        build.url,
        build.agent,
        build.deleted,
    )


def parse_moment(field: str, text: str | None) -> datetime | None:
    """An ISO 8601 timestamp or date from a query string (``Z`` or an offset; none means UTC)."""
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise Invalid(field, "must be an ISO 8601 timestamp like 2025-01-15T10:32:00Z") from exc


@get("/jobs/{job_id:str}/builds", responses=ERRORS)
async def list_job_builds(  # noqa: PLR0913 (one parameter per documented query argument)
    request: ApiRequest,
    job_id: str,
    result: str | None = None,
    branch: str | None = None,
    since: str | None = None,
    until: str | None = None,
    include_deleted: bool = False,
    page: Page = 1,
    per_page: PerPage = 25,
) -> BuildList:
    """A job's builds, newest first; filter by ``result``, ``branch``, ``since`` and ``until`` (ISO 8601)."""
    job = await get_job_of(request.reads, job_id, request.principal.project_id)
    filters = BuildFilter(
        job_id=job.id,
        result=result,
        branch=branch,
        since=parse_moment("since", since),
        until=parse_moment("until", until),
        include_deleted=include_deleted,
    )
    found = await build_reads.list_builds(request.reads, filters, window(page, per_page), counted=True)
    return BuildList([build_shape(b) for b in found.items], Meta(page, per_page, found.total or 0))


@get("/builds/{build_id:str}", responses=ERRORS)
async def get_build(request: ApiRequest, build_id: str) -> BuildButlerBuild:
    """One build with its stages and failure category; a deleted build answers with ``deleted: true``."""
    return build_shape(await build_reads.get_build(request.reads, build_id, request.principal.project_id))


_LOG_RESPONSES: dict[int, ResponseSpec] = {
    **ERRORS,
    206: ResponseSpec(
        str, description="The byte range asked for (`Range: bytes=...`)", media_type="text/plain; charset=utf-8"
    ),
    416: ResponseSpec(BuildButlerError, description="range_not_satisfiable: the range starts past the end of the log"),
}


# Litestar adds "; charset=utf-8" to text types itself: naming it here sent it twice.
@get("/builds/{build_id:str}/log", responses=_LOG_RESPONSES, media_type=MediaType.TEXT)
async def get_build_log(request: ApiRequest, build_id: str) -> Response[Any]:
    """The raw console output as text/plain, streamed; ``Range: bytes=`` gives a part of it (206).

    ``X-More-Data: true`` says the build still runs and the log will grow.
    """
    build = await build_reads.get_build(request.reads, build_id, request.principal.project_id)
    size = await build_logs.log_size(request.reads, build.id)
    more = build.job_id is not None and not build.log_complete
    headers = {"Accept-Ranges": "bytes", "X-More-Data": "true" if more else "false"}
    try:
        wanted = byte_range(request.headers.get("range"), size)
    except RangeNotSatisfiable:
        problem = Problem(416, "range_not_satisfiable", f"the log holds {size} bytes; no range starts past its end")
        return Response(
            render_problem(problem),
            status_code=416,
            media_type="application/json",
            headers={**headers, "Content-Range": f"bytes */{size}"},
        )
    start, end = wanted or (0, size)
    if wanted is not None:
        headers["Content-Range"] = f"bytes {start}-{end - 1}/{size}"
    headers["Content-Length"] = str(end - start)
    return Stream(
        build_logs.read_log(request.reads, build.id, start, end),
        status_code=206 if wanted is not None else 200,
        media_type=MediaType.TEXT,
        headers=headers,
    )


ROUTES = [list_job_builds, get_build, get_build_log]
