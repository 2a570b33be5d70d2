"""CI health (``/health``): Jenkins jobs across connections, their figures over a range, charts, exports.

The figures come from ``ghee.analytics`` (the rollups the analytics API
reads), the flaky marks and last builds from ``ghee.core.jobs``, the
failure categories from ``ghee.core.builds.failures``; the downloads are the
analytics exports. One job's view lists its builds, paged and filtered by
result and branch, with its success rate and why it is flaky.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Request, Response, get, post
from litestar.params import Parameter, QueryParameter
from litestar.response import Redirect, Template

from ghee.analytics import exports
from ghee.analytics.metrics import Group, Metrics, MetricsQuery, measure
from ghee.analytics.ranges import ROLLING, TimeRange, resolve_range
from ghee.clock import utcnow
from ghee.core.builds.failures import failure_breakdown
from ghee.core.builds.model import FINISHED_RESULTS, BuildFilter
from ghee.core.builds.reads import BuildPage, list_builds
from ghee.core.builds.rollups import RESULTS
from ghee.core.jobs.flaky import Flakiness, get_flakiness
from ghee.core.jobs.links import link_job
from ghee.core.jobs.model import Job, job_row_id
from ghee.core.jobs.reads import get_job
from ghee.core.paging import Window
from ghee.core.projects import Project, get_project, list_projects, project_public_id
from ghee.dashboard import charts
from ghee.dashboard.nav import NavItem, add_nav
from ghee.dashboard.web import form_fields, render, require_admin, session_of
from ghee.db.database import Database
from ghee.db.reads import Reads
from ghee.errors import Invalid, NotFound

JOBS_PER_PAGE = 50
JOB_BUILDS_PER_PAGE = 25
LINKABLE = 500  # projects offered when linking a job
RANGES = ("7d", "30d", "90d")
SORTS = {
    "builds": "Most builds",
    "success": "Lowest success rate",
    "p95": "Slowest p95",
    "queue": "Longest queue",
    "name": "Name",
}
FORMATS = {"csv": "text/csv", "json": "application/json", "png": "image/png"}
RESULT_CLASSES = {result: "r-" + result.lower().replace("_", "-") for result in RESULTS}
_RESULT_LABELS = {"SUCCESS": "success", "FAILURE": "failure", "UNSTABLE": "unstable", "ABORTED": "aborted"}
_RESULT_LABELS["NOT_BUILT"] = "not built"

add_nav(NavItem("CI health", "/health", order=40))


def time_range(name: str) -> TimeRange:
    """``7d``, ``30d`` as the analytics API reads them; ``90d`` the same way, back from the current hour."""
    now = utcnow()
    if name in ROLLING:
        return resolve_range(name, None, None, now)
    if name not in RANGES:
        raise Invalid("range", f"must be one of {', '.join(RANGES)}")
    return resolve_range(None, now - timedelta(days=int(name.removesuffix("d"))), None, now)


def duration(ms: int | None) -> str:
    """``1 h 02 min``, ``3 min 05 s``, ``4.2 s``; an en dash for none."""
    if ms is None:
        return "\u2013"
    seconds = ms / 1000
    if seconds < 60:  # noqa: PLR2004 (a minute)
        return f"{seconds:.1f} s"
    minutes, second = divmod(round(seconds), 60)
    if minutes < 60:  # noqa: PLR2004 (an hour)
        return f"{minutes} min {second:02d} s"
    hours, minute = divmod(minutes, 60)
    return f"{hours} h {minute:02d} min"


def percent(rate: float | None) -> str:
    """``87.5 %``; an en dash when no build was judged."""
    return "\u2013" if rate is None else f"{rate * 100:.1f} %"


def _job_id(job: str | None) -> int | None:
    if not job:
        return None
    try:
        return job_row_id(job)
    except NotFound as exc:
        raise Invalid("job", "must be a job id (j_...)") from exc


def _sort_key(sort: str) -> Callable[[Group], tuple[Any, ...]]:
    worst = float("inf")
    if sort == "success":
        return lambda g: (g.figures.success_rate if g.figures.success_rate is not None else worst, g.name or "")
    if sort == "p95":
        return lambda g: (-(g.figures.p95_duration_ms or -1), g.name or "")
    if sort == "queue":
        return lambda g: (-(g.figures.avg_queue_ms or -1), g.name or "")
    if sort == "name":
        return lambda g: (g.name or "", g.key or "")
    return lambda g: (-g.figures.total, g.name or "")


async def _jobs_of(reads: Reads, groups: list[Group]) -> dict[str, Job]:
    found: dict[str, Job] = {}
    for group in groups:
        if group.key is not None:
            try:
                found[group.key] = await get_job(reads, group.key)
            except NotFound:
                continue
    return found


@dataclass(frozen=True)
class JobView:
    """One job's part of the page: the job, why it is flaky, and a page of its builds."""

    job: Job
    flakiness: Flakiness | None
    builds: BuildPage
    page: int
    project: Project | None


async def _job_view(  # noqa: PLR0913 (the list's filters, named)
    reads: Reads, job_public: str, result: str | None, branch: str | None, page: int, errors: list[str]
) -> JobView | None:
    try:
        job = await get_job(reads, job_public)
    except NotFound:
        return None
    filters = BuildFilter(job_id=job.id, result=result or None, branch=(branch or "").strip() or None)
    window = Window(JOB_BUILDS_PER_PAGE, (page - 1) * JOB_BUILDS_PER_PAGE)
    try:
        found = await list_builds(reads, filters, window, counted=True)
    except Invalid as exc:
        errors.append(f"{exc}; showing every build of the job.")
        found = await list_builds(reads, BuildFilter(job_id=job.id), window, counted=True)
    flakiness = await get_flakiness(reads, job.id) if job.flaky else None
    project = None if job.project_id is None else await get_project(reads, project_public_id(job.project_id))
    return JobView(job, flakiness, found, page, project)


def _charts(metrics: Metrics) -> dict[str, Any]:
    labels = [day.day.isoformat() for day in metrics.series]
    series = [
        charts.Series(_RESULT_LABELS[r], RESULT_CLASSES[r], [d.figures.results[r] for d in metrics.series])
        for r in RESULTS
    ]
    p95_ms = [d.figures.p95_duration_ms for d in metrics.series]
    p95 = [None if ms is None else round(ms / 1000, 1) for ms in p95_ms]
    return {
        "builds_chart": charts.stacked_bars("builds-chart", "Finished builds per day, by result", labels, series),
        "p95_chart": charts.line("p95-chart", "p95 build duration per day (seconds)", labels, p95, " s"),
        "p95_seconds": p95,
    }


@get("/health")
async def health_page(  # noqa: PLR0913 (the page's query arguments)
    request: Request[Any, Any, Any],
    db: Database,
    range_name: Annotated[str, QueryParameter(name="range", max_length=10)] = "7d",
    sort: str = Parameter(default="builds", max_length=20),
    job: str | None = Parameter(default=None, max_length=40),
    page: int = Parameter(default=1, ge=1, le=100_000),
    result: str | None = Parameter(default=None, max_length=20),
    branch: str | None = Parameter(default=None, max_length=255),
    builds_page: int = Parameter(default=1, ge=1, le=100_000),
    linked: str = Parameter(default="", max_length=20),
) -> Template:
    """The jobs with builds in the range and their figures, sorted and paged; the charts; the failure categories.

    With ``job``, that job's builds too, filtered by ``result`` and ``branch``, ``builds_page`` by page.
    """
    errors = []
    if range_name not in RANGES:
        errors.append(f"Range must be one of {', '.join(RANGES)}; showing 7d.")
        range_name = "7d"
    if sort not in SORTS:
        errors.append(f"Sort must be one of {', '.join(SORTS)}; sorted by most builds.")
        sort = "builds"
    try:
        job_id = _job_id(job)
    except Invalid:
        errors.append("Job must be a job id (j_...); showing every job.")
        job, job_id = None, None
    reads = db.read()
    span = time_range(range_name)
    try:
        metrics, _ = await measure(reads, MetricsQuery(span, job_id, "job"))
    except NotFound:
        errors.append("That job does not exist; showing every job.")
        job, job_id = None, None
        metrics, _ = await measure(reads, MetricsQuery(span, None, "job"))
    groups = sorted(metrics.groups, key=_sort_key(sort))
    shown = groups[(page - 1) * JOBS_PER_PAGE : page * JOBS_PER_PAGE]
    categories = await failure_breakdown(reads, span.start, span.end, job_id)
    job_view = await _job_view(reads, job, result, branch, builds_page, errors) if job is not None else None
    return render(
        request,
        "pages/health.html",
        status_code=400 if errors else 200,
        title="CI health",
        errors=errors,
        metrics=metrics,
        groups=shown,
        jobs=await _jobs_of(reads, shown),
        job=job,
        job_name=job_view.job.full_name if job_view else None,
        job_view=job_view,
        linkable=await _linkable(reads, request) if job_view is not None else [],
        linked=linked,
        result=result or "",
        branch=branch or "",
        finished_results=FINISHED_RESULTS,
        range_name=range_name,
        ranges=RANGES,
        sort=sort,
        sorts=SORTS,
        page=page,
        has_more=len(groups) > page * JOBS_PER_PAGE,
        job_count=len(groups),
        categories=categories,
        category_top=max((n for _, n in categories), default=0),
        results=RESULTS,
        result_labels=_RESULT_LABELS,
        result_classes=RESULT_CLASSES,
        exports={
            name: "/health/export?" + urlencode({"format": name, "range": range_name, **({"job": job} if job else {})})
            for name in FORMATS
        },
        duration=duration,
        percent=percent,
        **_charts(metrics),
    )


async def _linkable(reads: Reads, request: Request[Any, Any, Any]) -> list[Project]:
    """The projects an admin may link a job to (the first ``LINKABLE``, by name); none for other users."""
    session = session_of(request)
    if session is None or not session.user.is_admin:
        return []
    return (await list_projects(reads, Window(LINKABLE))).items


@post("/health/jobs/{job_id:str}/link", guards=[require_admin])
async def link_job_page(request: Request[Any, Any, Any], db: Database, job_id: str) -> Redirect:
    """Link the job (and its history) to the chosen project, or unlink it, as ``PATCH /api/v1/jobs/:id`` does."""
    form = await form_fields(request)
    chosen = str(form.get("project", "")).strip()[:40]
    reads = db.read()
    job = await get_job(reads, job_id)
    project = await get_project(reads, chosen) if chosen else None
    async with db.write() as work:
        await link_job(work, job, None if project is None else project.id)
    outcome = "linked" if project is not None else "unlinked"
    return Redirect("/health?" + urlencode({"job": job.public_id, "linked": outcome}), status_code=303)


@get("/health/export")
async def health_export(
    db: Database,
    export_format: Annotated[str, QueryParameter(name="format", max_length=10)] = "csv",
    range_name: Annotated[str, QueryParameter(name="range", max_length=10)] = "7d",
    job: str | None = Parameter(default=None, max_length=40),
) -> Response[bytes]:
    """The analytics export of what the page shows: CSV or JSON rows per day and job, or the PNG chart."""
    if export_format not in FORMATS:
        raise Invalid("format", f"must be one of {', '.join(FORMATS)}")
    job_id = _job_id(job)
    query = MetricsQuery(time_range(range_name), job_id, None if export_format == "png" else "job")
    metrics, cells = await measure(db.read(), query, cells=export_format != "png")
    stamp = f"{metrics.range.start:%Y%m%d}-{metrics.range.end:%Y%m%d}"
    if export_format == "png":
        title = f"Build success rate and p95 duration, {f'job {job}' if job else 'all jobs'}, last {range_name}"
        content = await asyncio.to_thread(exports.as_png, metrics, title)
    else:
        rows = exports.export_rows(metrics, cells)
        content = exports.as_json(metrics, rows) if export_format == "json" else exports.as_csv(rows).encode()
    return Response(
        content,
        media_type=FORMATS[export_format],
        headers={"Content-Disposition": f'attachment; filename="build-metrics-{stamp}.{export_format}"'},
    )


ROUTES = [health_page, health_export, link_job_page]
