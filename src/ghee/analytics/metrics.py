"""Build metrics over a time range, read from the rollups: success rate, durations, queue time.

Rules (one place, whatever dialect asks):

- Only finished builds of Jenkins jobs count; running builds wait until they finish.
- ``success_rate`` is SUCCESS over SUCCESS + FAILURE + UNSTABLE + ABORTED.
  NOT_BUILT (Jenkins skipped the build: nothing ran, nothing was judged)
  counts in ``total`` and ``results`` and in nothing else: not in the
  success rate, not in durations or queue times.
- Durations and queue times are in milliseconds; averages are over the builds
  that reported one. ``p95_duration`` is the nearest-rank 95th percentile,
  read from duration sketches: within 1 % of the exact value.
- A range is whole hours: its start rounded down to the hour, its end up.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, Literal

import msgspec
import numpy as np
import numpy.typing as npt
import sqlalchemy as sa

from ghee import ids
from ghee.analytics import sketch
from ghee.analytics.ranges import TimeRange
from ghee.analytics.rollups import DAY, HOUR, RESULTS, epoch_hour_of
from ghee.core.errors import Invalid, NotFound
from ghee.db.reads import Reads, Row
from ghee.db.tables import build_rollups, jobs

GroupBy = Literal["job", "folder", "label", "branch"]
GROUP_BYS: tuple[GroupBy, ...] = ("job", "folder", "label", "branch")
_EPOCH_DAY = date(1970, 1, 1)


class Figures(msgspec.Struct, frozen=True):
    """The metrics of some builds."""

    total: int
    results: dict[str, int]
    success_rate: float | None
    avg_duration_ms: int | None
    p95_duration_ms: int | None
    avg_queue_ms: int | None


class Group(msgspec.Struct, frozen=True):
    """The metrics of one job, folder, label or branch; ``key`` is ``None`` for builds without a label."""

    key: str | None
    name: str | None
    figures: Figures


class Day(msgspec.Struct, frozen=True):
    """The metrics of one UTC day of the range."""

    day: date
    figures: Figures


class Cell(msgspec.Struct, frozen=True):
    """The metrics of one group on one day (exports)."""

    day: date
    group: Group


class Metrics(msgspec.Struct, frozen=True):
    """Metrics over a range: overall, per group (most builds first) and per day."""

    range: TimeRange
    group_by: GroupBy | None
    overall: Figures
    groups: list[Group]
    series: list[Day]


class MetricsQuery(msgspec.Struct, frozen=True):
    """What to measure: a range, optionally one job (row id), optionally grouped.

    ``only_project`` is the project a restricted caller may see: it must then
    name a job of that project.
    """

    range: TimeRange
    job_id: int | None = None
    group_by: GroupBy | None = None
    only_project: int | None = None


def job_row_id(public_id: str) -> int:
    """The row id behind ``j_...``; raises ``NotFound`` when malformed."""
    return ids.decode("j", public_id, "job", coder_kind="job")


# Three range scans of the primary key: the hours before the first whole
# day, the whole days, the hours after the last whole day.
_COLUMNS = (
    build_rollups.c.job_id,
    build_rollups.c.branch,
    build_rollups.c.label,
    build_rollups.c.start_hour,
    build_rollups.c.successes,
    build_rollups.c.failures,
    build_rollups.c.unstable,
    build_rollups.c.aborted,
    build_rollups.c.not_built,
    build_rollups.c.duration_count,
    build_rollups.c.duration_sum_ms,
    build_rollups.c.queue_count,
    build_rollups.c.queue_sum_ms,
    build_rollups.c.durations,
)
_NUMBERS = slice(4, 13)


def _scan(span: int, first: str, end: str, *, one_job: bool) -> sa.Select[Any]:
    where = [
        build_rollups.c.span_hours == span,
        build_rollups.c.start_hour >= sa.bindparam(first),
        build_rollups.c.start_hour < sa.bindparam(end),
    ]
    if one_job:
        where.append(build_rollups.c.job_id == sa.bindparam("job_id"))
    return sa.select(*_COLUMNS).where(*where)


def _ranges(*, one_job: bool) -> sa.CompoundSelect[Any]:
    return sa.union_all(
        _scan(HOUR, "head_start", "head_end", one_job=one_job),
        _scan(DAY, "days_start", "days_end", one_job=one_job),
        _scan(HOUR, "tail_start", "tail_end", one_job=one_job),
    )


_ALL_JOBS, _ONE_JOB = _ranges(one_job=False), _ranges(one_job=True)
_JOBS = sa.select(jobs.c.id, jobs.c.full_name, jobs.c.folder, jobs.c.project_id)
_JOB = _JOBS.where(jobs.c.id == sa.bindparam("job_id"))


def _scan_bounds(time_range: TimeRange) -> dict[str, int]:
    first, end = epoch_hour_of(time_range.start), epoch_hour_of(time_range.end)
    days_start, days_end = -(-first // DAY) * DAY, end // DAY * DAY
    if days_start >= days_end:  # no whole day: every hour from the hour rows
        return {
            "head_start": first,
            "head_end": end,
            "days_start": end,
            "days_end": end,
            "tail_start": end,
            "tail_end": end,
        }
    return {
        "head_start": first,
        "head_end": days_start,
        "days_start": days_start,
        "days_end": days_end,
        "tail_start": days_end,
        "tail_end": end,
    }


async def measure(reads: Reads, query: MetricsQuery, *, cells: bool = False) -> tuple[Metrics, list[Cell]]:
    """The metrics ``query`` asks for and, with ``cells``, each group's metrics per day.

    Raises ``NotFound("job", ...)`` when the job does not exist or the caller
    may not see it, ``Invalid("job", ...)`` when a caller restricted to one
    project names no job.
    """
    params: dict[str, object] = dict(_scan_bounds(query.range))
    jobs_by_id: dict[int, Row] = {}
    if query.only_project is not None and query.job_id is None:
        raise Invalid("job", "is required: this token sees one project's jobs only")
    if query.job_id is not None:
        params["job_id"] = query.job_id
        job = await reads.first(_JOB, params)
        if job is None or (query.only_project is not None and job[3] != query.only_project):
            raise NotFound("job", ids.encode("j", query.job_id, "job"))
        jobs_by_id[query.job_id] = job
    elif query.group_by in ("job", "folder"):
        jobs_by_id = {row[0]: row for row in await reads.all(_JOBS, {})}
    rows = await reads.all(_ONE_JOB if query.job_id is not None else _ALL_JOBS, params)
    return _summarise(rows, query, jobs_by_id, cells=cells)


def _summarise(
    rows: list[Row], query: MetricsQuery, jobs_by_id: dict[int, Row], *, cells: bool
) -> tuple[Metrics, list[Cell]]:
    first_day = query.range.start.date()
    days = query.range.dates
    columns: list[Sequence[Any]] = list(zip(*rows, strict=True)) if rows else [()] * len(_COLUMNS)
    numbers = np.array(columns[_NUMBERS], dtype=np.float64).reshape(9, len(rows))
    durations: Sequence[bytes] = columns[-1]
    day_index = np.fromiter(columns[3], dtype=np.int64, count=len(rows)) // DAY - (first_day - _EPOCH_DAY).days
    overall = _figures(numbers, durations, np.zeros(len(rows), dtype=np.int64), 1)[0]
    series = [Day(d, f) for d, f in zip(days, _figures(numbers, durations, day_index, len(days)), strict=True)]
    groups: list[Group] = []
    per_cell: list[Cell] = []
    if query.group_by is not None:
        keys = _group_keys(query.group_by, columns, jobs_by_id)
        distinct = sorted(set(keys), key=lambda k: (k[0] is None, k))
        position = {key: i for i, key in enumerate(distinct)}
        group_index = np.fromiter((position[k] for k in keys), dtype=np.int64, count=len(keys))
        figures = _figures(numbers, durations, group_index, len(distinct))
        groups = [Group(k[0], k[1], f) for k, f in zip(distinct, figures, strict=True)]
        groups.sort(key=lambda g: -g.figures.total)
        if cells:
            flat = group_index * len(days) + day_index
            by_cell = _figures(numbers, durations, flat, len(distinct) * len(days))
            per_cell = [
                Cell(days[i % len(days)], Group(*distinct[i // len(days)], f)) for i, f in enumerate(by_cell) if f.total
            ]
    metrics = Metrics(query.range, query.group_by, overall, groups, series)
    return metrics, per_cell


def _group_keys(
    group_by: GroupBy, columns: list[Sequence[Any]], jobs_by_id: dict[int, Row]
) -> list[tuple[str | None, str | None]]:
    """Each rollup row's group as ``(key, name)``."""
    if group_by == "job":
        names = {job_id: (ids.encode("j", job_id, "job"), row[1]) for job_id, row in jobs_by_id.items()}
        return [names.get(job_id) or (ids.encode("j", job_id, "job"), None) for job_id in columns[0]]
    if group_by == "folder":
        folders = {job_id: row[2] for job_id, row in jobs_by_id.items()}
        return [(folders.get(job_id), folders.get(job_id)) for job_id in columns[0]]
    values = columns[1] if group_by == "branch" else columns[2]
    return [(v or None, v or None) for v in values]


def _figures(
    numbers: npt.NDArray[np.float64], durations: Sequence[bytes], index: npt.NDArray[np.int64], count: int
) -> list[Figures]:
    """The figures of each of ``count`` groups; row ``i`` of the rollups belongs to group ``index[i]``."""
    sums = np.stack([np.bincount(index, weights=column, minlength=count) for column in numbers])
    p95 = sketch.quantiles(durations, index, count, 0.95)
    result: list[Figures] = []
    for i, column in enumerate(np.rint(sums).astype(np.int64).T.tolist()):
        successes, failures, unstable, aborted, not_built, n_duration, duration_sum, n_queue, queue_sum = column
        judged = successes + failures + unstable + aborted
        result.append(
            Figures(
                total=judged + not_built,
                results=dict(zip(RESULTS, column[:5], strict=True)),
                success_rate=round(successes / judged, 4) if judged else None,
                avg_duration_ms=round(duration_sum / n_duration) if n_duration else None,
                p95_duration_ms=p95[i],
                avg_queue_ms=round(queue_sum / n_queue) if n_queue else None,
            )
        )
    return result
