"""Jenkins jobs as read: the list with filters, one job with its success rate, a connection's jobs.

The sync writes these rows (``ghee.core.jobs.seen``); this module only reads
them. A token bound to a project sees the jobs linked to that project alone.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import sqlalchemy as sa

from ghee.core.inputs import check_filter
from ghee.core.jobs.model import Job, JobFilter, job_row_id
from ghee.core.paging import Counted, Window
from ghee.db.functions import in_json_list, json_list
from ghee.db.reads import Reads, Row
from ghee.db.tables import connections, job_build_counts, jobs
from ghee.errors import NotFound

_COLUMNS = (
    jobs.c.id,
    jobs.c.connection_id,
    connections.c.name,
    jobs.c.project_id,
    jobs.c.full_name,
    jobs.c.name,
    jobs.c.folder,
    jobs.c.url,
    jobs.c.kind,
    jobs.c.branch,
    jobs.c.last_build_number,
    jobs.c.last_result,
    jobs.c.flaky,
    jobs.c.deleted,
    # Kept by triggers on builds (migration 0006): no job's builds are counted here.
    sa.func.coalesce(job_build_counts.c.succeeded, 0),
    sa.func.coalesce(job_build_counts.c.finished, 0),
)
_FROM = jobs.join(connections, connections.c.id == jobs.c.connection_id).outerjoin(
    job_build_counts, job_build_counts.c.job_id == jobs.c.id
)


def _job(row: Row) -> Job:
    job_id, connection_id, instance, project_id, full_name, name, folder, url, kind, branch = row[:10]
    last_number, last_result, flaky, deleted, succeeded, finished = row[10:16]
    return Job(
        job_id,
        connection_id,
        instance,
        project_id,
        full_name,
        name,
        folder,
        url,
        kind,
        branch,
        last_number,
        last_result,
        bool(flaky),
        bool(deleted),
        int(succeeded),
        int(finished),
    )


@cache
def _matching(instance: bool, folder: bool, include_deleted: bool, only: bool) -> sa.Select[Any]:
    """The ids of the jobs that pass one combination of filters."""
    matching = sa.select(jobs.c.id)
    if instance:
        matching = matching.join(connections, connections.c.id == jobs.c.connection_id).where(
            connections.c.name == sa.bindparam("instance")
        )
    if folder:
        # The folder itself and every folder below it; substr compares bytes alike on both databases.
        matching = matching.where(
            sa.or_(
                jobs.c.folder == sa.bindparam("folder"),
                sa.func.substr(jobs.c.folder, 1, sa.bindparam("prefix_length")) == sa.bindparam("prefix"),
            )
        )
    if not include_deleted:
        matching = matching.where(jobs.c.deleted == sa.false())
    if only:
        matching = matching.where(jobs.c.project_id == sa.bindparam("only"))
    return matching


_ORDER = (jobs.c.folder, jobs.c.name, jobs.c.id)


@cache
def _list_statement(matching: sa.Select[Any]) -> sa.Select[Any]:
    """A page of jobs by folder and name, with the number matching in every row.

    The page and its total are chosen first, so the build counts behind the
    success rate run for the page's jobs only, not for every job matching.
    """
    page = (
        matching.add_columns(sa.func.count().over().label("total"))
        .order_by(*_ORDER)
        .limit(sa.bindparam("limit"))
        .offset(sa.bindparam("offset"))
        .subquery()
    )
    return sa.select(*_COLUMNS, page.c.total).select_from(_FROM.join(page, page.c.id == jobs.c.id)).order_by(*_ORDER)


@cache
def _count_statement(matching: sa.Select[Any]) -> sa.Select[Any]:
    return sa.select(sa.func.count()).select_from(matching.subquery())


def normalise_folder(folder: str) -> str:
    """A folder path as stored: ``/pipelines/nightly``, ``/`` at the top. Raises ``Invalid`` for NUL characters."""
    check_filter("folder", folder)
    parts = [part for part in folder.strip().split("/") if part]
    return "/" + "/".join(parts)


async def list_jobs(reads: Reads, filters: JobFilter, window: Window, only: int | None = None) -> Counted[Job]:
    """Jobs ordered by folder then name, and how many match; deleted ones only when asked for.

    ``only`` restricts the list to one project's jobs. Raises ``Invalid`` for
    filters holding NUL characters.
    """
    params: dict[str, object] = {"limit": window.limit, "offset": window.offset}
    if filters.instance is not None:
        params["instance"] = check_filter("instance", filters.instance)
    if filters.folder is not None:
        folder = normalise_folder(filters.folder)
        prefix = "/" if folder == "/" else folder + "/"
        params.update(folder=folder, prefix=prefix, prefix_length=len(prefix))
    if only is not None:
        params["only"] = only
    matching = _matching(
        filters.instance is not None, filters.folder is not None, filters.include_deleted, only is not None
    )
    rows = await reads.all(_list_statement(matching), params)
    if rows:
        return Counted([_job(row) for row in rows], int(rows[0][-1]))
    if window.offset == 0:
        return Counted([], 0)
    # Past the end: the page is empty, so the window function gave no total; count once.
    total = await reads.first(_count_statement(matching), params)
    return Counted([], int(total[0]) if total else 0)


_ONE = sa.select(*_COLUMNS).select_from(_FROM).where(jobs.c.id == sa.bindparam("job_id"))


async def get_job(reads: Reads, public_id: str, only: int | None = None) -> Job:
    """The job ``j_...``, deleted or not; raises ``NotFound`` if missing or outside project ``only``."""
    row = await reads.first(_ONE, {"job_id": job_row_id(public_id)})
    if row is None:
        raise NotFound("job", public_id)
    job = _job(row)
    if only is not None and job.project_id != only:
        raise NotFound("job", public_id)
    return job


_OF_CONNECTION = sa.select(*_COLUMNS).select_from(_FROM).where(jobs.c.connection_id == sa.bindparam("connection_id"))


async def jobs_of(reads: Reads, connection_id: int) -> dict[str, Job]:
    """Every stored job of a connection, deleted ones too, by full name."""
    found = [_job(row) for row in await reads.all(_OF_CONNECTION, {"connection_id": connection_id})]
    return {job.full_name: job for job in found}


_MANY = sa.select(*_COLUMNS).select_from(_FROM).where(in_json_list(jobs.c.id, sa.bindparam("ids"))).order_by(jobs.c.id)


async def jobs_by_row_ids(reads: Reads, row_ids: list[int]) -> list[Job]:
    """The jobs with row ids ``row_ids`` that exist, deleted or not, in id order (one statement)."""
    if not row_ids:
        return []
    return [_job(row) for row in await reads.all(_MANY, {"ids": json_list(sorted(set(row_ids)))})]


_FAILING = (
    sa.select(*_COLUMNS)
    .select_from(_FROM)
    .where(
        sa.or_(jobs.c.last_result == "FAILURE", jobs.c.last_result == "UNSTABLE"),  # the fast path expands no IN
        jobs.c.deleted.is_(False),
        connections.c.archived_at.is_(None),
    )
    .order_by(jobs.c.updated_at.desc(), jobs.c.id.desc())
    .limit(sa.bindparam("limit"))
)


async def failing_jobs(reads: Reads, limit: int) -> list[Job]:
    """Live jobs whose newest build failed or is unstable, the most recently changed first, ``limit`` at most."""
    return [_job(row) for row in await reads.all(_FAILING, {"limit": limit})]


_LINKED = (
    sa.select(*_COLUMNS)
    .select_from(_FROM)
    .where(jobs.c.project_id == sa.bindparam("project_id"), jobs.c.deleted.is_(False))
    # An archived connection's jobs are history, the demo's sample Jenkins is never called: nothing runs there.
    .where(connections.c.archived_at.is_(None), connections.c.demo.is_(False))
    .order_by(jobs.c.id)
)


async def job_for_project(reads: Reads, project_id: int, branch: str | None) -> Job | None:
    """The live job linked to a project that a build of ``branch`` should run on, or ``None`` if none is linked.

    A branch job of that branch wins; otherwise the job linked first.
    """
    linked = [_job(row) for row in await reads.all(_LINKED, {"project_id": project_id})]
    for job in linked:
        if branch and job.branch == branch:
            return job
    plain = [job for job in linked if job.kind != "branch"]
    choices = plain or linked
    return choices[0] if choices else None
