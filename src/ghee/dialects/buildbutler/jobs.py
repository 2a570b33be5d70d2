"""BuildButler jobs: the job list and one job with its recent builds and health (seed 001)."""

from __future__ import annotations

import msgspec
from litestar import get

from ghee.clock import iso
from ghee.core.builds.reads import recent_builds
from ghee.core.jobs import flaky
from ghee.core.jobs import reads as job_reads
from ghee.core.jobs.model import Job, JobFilter
from ghee.core.projects import project_public_id
from ghee.dialects.buildbutler.builds import BuildButlerBuild, build_shape
from ghee.dialects.buildbutler.errors import ERRORS
from ghee.dialects.buildbutler.paging import Meta, Page, PerPage, window
from ghee.http.auth import ApiRequest

RECENT_BUILDS = 10


class BuildButlerJob(msgspec.Struct, rename="camel"):
    id: str
    name: str
    instance: str
    folder: str
    last_build: int | None
    last_result: str | None
    success_rate: float | None
    url: str
    flaky: bool
    project: str | None
    deleted: bool


class JobList(msgspec.Struct):
    data: list[BuildButlerJob]
    meta: Meta


class JobHealth(msgspec.Struct, rename="camel"):
    success_rate: float | None
    finished_builds: int
    successful_builds: int
    flaky: bool
    flaky_reason: str | None
    flaky_since: str | None


class BuildButlerJobDetail(msgspec.Struct, rename="camel"):
    id: str
    name: str
    instance: str
    folder: str
    last_build: int | None
    last_result: str | None
    success_rate: float | None
    url: str
    flaky: bool
    project: str | None
    deleted: bool
    full_name: str
    kind: str
    branch: str | None
    health: JobHealth
    recent_builds: list[BuildButlerBuild]


def job_shape(job: Job) -> BuildButlerJob:
    """A job as seed 001 lists it, plus its URL, flakiness, project and deletion."""
    return BuildButlerJob(
        job.public_id,
        job.name,
        job.instance,
        job.folder,
        job.last_build_number,
        job.last_result,
        job.success_rate,
        job.url,
        job.flaky,
        None if job.project_id is None else project_public_id(job.project_id),
        job.deleted,
    )


@get("/jobs", responses=ERRORS)
async def list_jobs(  # noqa: PLR0913 (one parameter per documented query argument)
    request: ApiRequest,
    instance: str | None = None,
    folder: str | None = None,
    include_deleted: bool = False,
    page: Page = 1,
    per_page: PerPage = 25,
) -> JobList:
    """Jobs by folder and name; ``instance`` is a connection's name, ``folder`` includes its subfolders."""
    filters = JobFilter(instance, folder, include_deleted)
    found = await job_reads.list_jobs(request.reads, filters, window(page, per_page), request.principal.project_id)
    return JobList([job_shape(j) for j in found.items], Meta(page, per_page, found.total))


@get("/jobs/{job_id:str}", responses=ERRORS)
async def get_job(request: ApiRequest, job_id: str) -> BuildButlerJobDetail:
    """One job with its newest builds and its health: success rate, and whether it is flaky and why."""
    job = await job_reads.get_job(request.reads, job_id, request.principal.project_id)
    recent = await recent_builds(request.reads, job.id, RECENT_BUILDS)
    flakiness = await flaky.get_flakiness(request.reads, job.id) if job.flaky else None
    health = JobHealth(
        job.success_rate,
        job.finished,
        job.succeeded,
        job.flaky,
        None if flakiness is None else flakiness.reason,
        None if flakiness is None else iso(flakiness.detected_at),
    )
    listed = job_shape(job)
    return BuildButlerJobDetail(
        listed.id,
        listed.name,
        listed.instance,
        listed.folder,
        listed.last_build,
        listed.last_result,
        listed.success_rate,
        listed.url,
        listed.flaky,
        listed.project,
        listed.deleted,
        job.full_name,
        job.kind,
        job.branch,
        health,
        [build_shape(b) for b in recent],
    )


ROUTES = [list_jobs, get_job]
