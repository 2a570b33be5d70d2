"""BuildButler analytics (seed 001): ``GET /analytics/metrics`` and ``GET /analytics/export``.

Each route parses its query, calls ``ghee.analytics`` once and renders the
seed's shape: durations and queue times in milliseconds, ``successRate`` a
fraction.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Literal

import msgspec
from litestar import Response, get
from litestar.params import Parameter, QueryParameter

from ghee.analytics import exports
from ghee.analytics.metrics import (
    GROUP_BYS,
    MAX_PER_PAGE,
    Figures,
    GroupBy,
    Metrics,
    MetricsQuery,
    measure,
)
from ghee.analytics.ranges import ceil_hour, moment, resolve_range
from ghee.clock import iso, utcnow
from ghee.core.jobs.model import job_row_id
from ghee.dialects.buildbutler.errors import ERRORS
from ghee.errors import Invalid, NotFound
from ghee.http.answers import kept
from ghee.http.auth import ApiRequest
from ghee.http.pagination import CLAMPED

RangeName = Annotated[
    str | None,
    Parameter(
        max_length=100, description="24h, 7d or 30d back from now (default 7d), or an ISO 8601 interval start/end"
    ),
]
From = Annotated[str | None, QueryParameter(name="from", max_length=64, description="Custom range start, ISO 8601")]
To = Annotated[
    str | None, QueryParameter(name="to", max_length=64, description="Custom range end, ISO 8601 (default now)")
]
JobFilter = Annotated[str | None, Parameter(description="Only this job (j_...)")]
GroupByParam = Annotated[str | None, QueryParameter(name="group_by", description="job, folder, label or branch")]
Page = Annotated[int, Parameter(ge=1, le=1_000_000, description="Page of groups (default 1)")]
PerPage = Annotated[
    int, QueryParameter(name="per_page", ge=1, le=MAX_PER_PAGE, description=f"Groups per page {CLAMPED}")
]
ExportFormat = Annotated[Literal["csv", "json", "png"], QueryParameter(name="format", description="csv, json or png")]


class MetricsFigures(msgspec.Struct, rename="camel"):
    success_rate: float | None
    avg_duration: int | None
    p95_duration: int | None
    avg_queue_time: int | None
    total_builds: int
    results: dict[str, int]


class MetricsGroup(MetricsFigures, rename="camel"):
    key: str | None
    name: str | None


class MetricsDay(MetricsFigures, rename="camel"):
    date: str


class GroupsMeta(msgspec.Struct):
    page: int
    per_page: int
    total: int


class BuildButlerMetrics(MetricsFigures, rename="camel"):
    """The seed's five figures over the range, plus per-group rows and a daily series."""

    from_: str = msgspec.field(name="from")
    to: str
    group_by: str | None
    groups: list[MetricsGroup]
    series: list[MetricsDay]
    meta: GroupsMeta


def _figures(f: Figures) -> tuple[float | None, int | None, int | None, int | None, int, dict[str, int]]:
    return f.success_rate, f.avg_duration_ms, f.p95_duration_ms, f.avg_queue_ms, f.total, f.results


def _query(  # noqa: PLR0913 (one argument per documented query parameter)
    request: ApiRequest,
    range_name: str | None,
    start: str | None,
    end: str | None,
    job: str | None,
    group_by: str | None,
    page: int = 1,
    per_page: int | None = None,
) -> MetricsQuery:
    if group_by is not None and group_by not in GROUP_BYS:
        raise Invalid("group_by", f"must be one of {', '.join(GROUP_BYS)}")
    job_id = None
    if job is not None:
        try:
            job_id = job_row_id(job)
        except NotFound as exc:
            raise Invalid("job", "must be a job id (j_...)") from exc
    grouping: GroupBy | None = group_by  # checked against GROUP_BYS above
    time_range = resolve_range(range_name, moment("from", start), moment("to", end), utcnow())
    return MetricsQuery(time_range, job_id, grouping, request.principal.project_id, page, per_page)


@get("/analytics/metrics", responses=ERRORS, opt=kept(clock=ceil_hour))
async def get_metrics(  # noqa: PLR0913 (one parameter per documented query argument)
    request: ApiRequest,
    range: RangeName = None,
    start: From = None,
    end: To = None,
    job: JobFilter = None,
    group_by: GroupByParam = None,
    page: Page = 1,
    per_page: PerPage = 25,
) -> BuildButlerMetrics:
    """Success rate, average and p95 duration, average queue time and build count over a range.

    Grouped by job, folder, label or branch with ``group_by`` (groups paged,
    most builds first), with one row per UTC day in ``series``.
    """
    query = _query(request, range, start, end, job, group_by, page, per_page)
    metrics, _ = await measure(request.reads, query)
    return BuildButlerMetrics(
        *_figures(metrics.overall),
        from_=iso(metrics.range.start) or "",
        to=iso(metrics.range.end) or "",
        group_by=metrics.group_by,
        groups=[MetricsGroup(*_figures(g.figures), key=g.key, name=g.name) for g in metrics.groups],
        series=[MetricsDay(*_figures(d.figures), date=d.day.isoformat()) for d in metrics.series],
        meta=GroupsMeta(page, per_page, metrics.group_total),
    )


EXPORT_MEDIA_TYPES = ("text/csv", "application/json", "image/png")
"""What ``/analytics/export`` answers, by ``format``; the OpenAPI document lists all three (see ``ghee.app``)."""


@get(
    "/analytics/export",
    responses=ERRORS,
    media_type="application/octet-stream",
)
async def export_metrics(  # noqa: PLR0913 (one parameter per documented query argument)
    request: ApiRequest,
    format: ExportFormat = "csv",
    range: RangeName = None,
    start: From = None,
    end: To = None,
    job: JobFilter = None,
    group_by: GroupByParam = None,
) -> Response[bytes]:
    """The daily metrics as CSV or JSON rows (per group too with ``group_by``), or a PNG chart."""
    query = _query(request, range, start, end, job, group_by)
    metrics, cells = await measure(request.reads, query, cells=format != "png")
    stamp = f"{metrics.range.start:%Y%m%d}-{metrics.range.end:%Y%m%d}"
    if format == "png":
        png = await asyncio.to_thread(exports.as_png, metrics, _title(metrics, job))
        return _download(png, "image/png", f"build-metrics-{stamp}.png")
    rows = exports.export_rows(metrics, cells)
    if format == "json":
        return _download(exports.as_json(metrics, rows), "application/json", f"build-metrics-{stamp}.json")
    # Litestar adds "; charset=utf-8" to text types itself.
    return _download(exports.as_csv(rows).encode(), "text/csv", f"build-metrics-{stamp}.csv")


def _download(content: bytes, media_type: str, filename: str) -> Response[bytes]:
    return Response(
        content, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )


def _title(metrics: Metrics, job: str | None) -> str:
    span = f"{metrics.range.start:%Y-%m-%d %H:%M} to {metrics.range.end:%Y-%m-%d %H:%M} UTC"
    what = f"job {job}" if job else "all jobs"
    return f"Build success rate and p95 duration, {what}\n{span}"


ROUTES = [get_metrics, export_metrics]
