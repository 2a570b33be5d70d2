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
from ghee.analytics.ranges import TimeRange
from ghee.core.builds import sketch
from ghee.core.builds.rollups import DAY, HOUR, RESULTS, WEEK, epoch_hour_of
from ghee.db.reads import Reads, Row
from ghee.db.tables import build_dimension_rollups, build_rollups, jobs
from ghee.errors import Invalid, NotFound

GroupBy = Literal["job", "folder", "label", "branch"]
GROUP_BYS: tuple[GroupBy, ...] = ("job", "folder", "label", "branch")
_EPOCH_DAY = date(1970, 1, 1)
MAX_PER_PAGE = 100
_NUMBER_NAMES = (
    "successes",
    "failures",
    "unstable",
    "aborted",
    "not_built",
    "duration_count",
    "duration_sum_ms",
    "queue_count",
    "queue_sum_ms",
)


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
    group_total: int = 0
    """How many groups had builds in the range (``groups`` may be one page of them)."""


class MetricsQuery(msgspec.Struct, frozen=True):
    """What to measure: a range, optionally one job (row id), optionally grouped.

    ``only_project`` is the project a restricted caller may see: it must then
    name a job of that project. ``page`` and ``per_page`` (at most
    ``MAX_PER_PAGE``) choose a page of groups, most builds first.
    """

    range: TimeRange
    job_id: int | None = None
    group_by: GroupBy | None = None
    only_project: int | None = None
    page: int = 1
    per_page: int | None = None
    """Groups per page; ``None``: every group."""


# Three range scans of the primary key: the hours before the first whole
# day, the whole days, the hours after the last whole day. A group's totals
# (no per-day figures asked) read whole weeks instead of their days: five
# scans, from a fifth to a seventh of the rows over a month.
_COLUMNS = (
    build_rollups.c.job_id,
    build_rollups.c.branch,
    build_rollups.c.label,
    build_rollups.c.start_hour,
    *(build_rollups.c[name] for name in _NUMBER_NAMES),
    build_rollups.c.durations,
)
_DIMENSION_COLUMNS = (
    build_dimension_rollups.c.key,
    build_dimension_rollups.c.start_hour,
    *(build_dimension_rollups.c[name] for name in _NUMBER_NAMES),
    build_dimension_rollups.c.durations,
)
_SCANS = (
    (HOUR, "head_start", "head_end"),
    (DAY, "days_start", "days_end"),
    (HOUR, "tail_start", "tail_end"),
)
_WEEK_SCANS = (
    (HOUR, "head_start", "head_end"),
    (DAY, "days_start", "weeks_start"),
    (WEEK, "weeks_start", "weeks_end"),
    (DAY, "weeks_end", "days_end"),
    (HOUR, "tail_start", "tail_end"),
)
_PAGE_KEYS = tuple(f"key_{n}" for n in range(MAX_PER_PAGE))


def _scan(span: int, first: str, end: str) -> sa.Select[Any]:
    return sa.select(*_COLUMNS).where(
        build_rollups.c.span_hours == span,
        build_rollups.c.start_hour >= sa.bindparam(first),
        build_rollups.c.start_hour < sa.bindparam(end),
        build_rollups.c.job_id == sa.bindparam("job_id"),
    )


def _in_range(
    span: int, first: str, end: str, dimension: sa.ColumnElement[str] | None = None
) -> sa.ColumnElement[bool]:
    return sa.and_(
        build_dimension_rollups.c.dimension == (sa.bindparam("dimension") if dimension is None else dimension),
        build_dimension_rollups.c.span_hours == span,
        build_dimension_rollups.c.start_hour >= sa.bindparam(first),
        build_dimension_rollups.c.start_hour < sa.bindparam(end),
    )


def _group_selects(*, page: bool, weeks: bool, tagged: bool) -> list[sa.Select[Any]]:
    """A dimension's rows in the range: of every key, or of the keys ``key_0`` … ``key_99`` (unused ones ``None``).

    ``weeks``: whole weeks from the week rows (for totals; the rows' days are then not the builds' days).
    ``tagged``: each row starts with 1 (``_with_overall``).
    """
    selects = []
    tag: tuple[sa.ColumnClause[Any], ...] = (sa.literal_column("1"),) if tagged else ()
    for span, first, end in _WEEK_SCANS if weeks else _SCANS:
        select = sa.select(*tag, *_DIMENSION_COLUMNS).where(_in_range(span, first, end))
        if page:
            select = select.where(build_dimension_rollups.c.key.in_([sa.bindparam(k) for k in _PAGE_KEYS]))
        selects.append(select)
    return selects


def _with_overall(*, page: bool, weeks: bool) -> sa.CompoundSelect[Any]:
    """The overall rows (dimension ``all``, by day) and a dimension's rows (``_group_selects``): one statement.

    Each row starts with 0 (overall) or 1 (the dimension's), which tells the two apart: a small integer,
    which costs the driver nothing to make, where the dimension's name would be a new string a row.
    """
    overall = [
        sa.select(sa.literal_column("0"), *_DIMENSION_COLUMNS).where(_in_range(*scan, dimension=sa.literal(_OVERALL)))
        for scan in _SCANS
    ]
    return sa.union_all(*overall, *_group_selects(page=page, weeks=weeks, tagged=True))


def _group_page(*, job_names: bool) -> sa.Select[Any]:
    """One page of a dimension's keys with builds in the range, most builds first, each with how many keys there are.

    ``job_names``: the dimension is ``job``, and each key's job's current name follows (``None`` if it is gone).
    """
    t = build_dimension_rollups.c
    ranged = sa.union_all(
        *(
            sa.select(t.key, (t.successes + t.failures + t.unstable + t.aborted + t.not_built).label("n")).where(
                _in_range(*scan)
            )
            for scan in _WEEK_SCANS
        )
    ).subquery()
    builds_in = sa.func.sum(ranged.c.n)
    page = (
        sa.select(ranged.c.key, sa.func.count().over().label("total"), builds_in.label("n"))
        .group_by(ranged.c.key)
        .order_by(builds_in.desc(), ranged.c.key == "", ranged.c.key)
        .limit(sa.bindparam("limit"))
        .offset(sa.bindparam("offset"))
    )
    if not job_names:
        return page
    keys = page.subquery()
    named = keys.outerjoin(jobs, jobs.c.id == sa.cast(keys.c.key, sa.BigInteger))
    return (
        sa.select(keys.c.key, keys.c.total, jobs.c.full_name)
        .select_from(named)
        .order_by(keys.c.n.desc(), keys.c.key == "", keys.c.key)
    )


_OVERALL = "all"
_ONE_JOB = sa.union_all(*(_scan(*scan) for scan in _SCANS))
_EVERY_KEY = sa.union_all(*_group_selects(page=False, weeks=False, tagged=False))
_BOTH = (False, True)
_WITH_OVERALL = {(page, weeks): _with_overall(page=page, weeks=weeks) for page in _BOTH for weeks in _BOTH}
"""The overall rows and a dimension's: of every key or a page of keys, by day or by whole weeks."""
_PAGE, _NAMED_PAGE = _group_page(job_names=False), _group_page(job_names=True)
_JOBS = sa.select(jobs.c.id, jobs.c.full_name, jobs.c.folder, jobs.c.project_id)
_JOB = _JOBS.where(jobs.c.id == sa.bindparam("job_id"))
_JOB_NAMES = sa.select(jobs.c.id, jobs.c.full_name).where(jobs.c.id.in_([sa.bindparam(k) for k in _PAGE_KEYS]))


def _scan_bounds(time_range: TimeRange) -> dict[str, int]:
    """Where each scan starts and ends, in epoch hours: ragged hours, whole days (whole weeks within them), hours."""
    first, end = epoch_hour_of(time_range.start), epoch_hour_of(time_range.end)
    days_start, days_end = -(-first // DAY) * DAY, end // DAY * DAY
    if days_start >= days_end:  # no whole day: every hour from the hour rows
        days_start = days_end = end
    weeks_start, weeks_end = -(-days_start // WEEK) * WEEK, days_end // WEEK * WEEK
    if weeks_start >= weeks_end:  # no whole week: every day from the day rows
        weeks_start = weeks_end = days_end
    return {
        "head_start": first,
        "head_end": days_start,
        "days_start": days_start,
        "weeks_start": weeks_start,
        "weeks_end": weeks_end,
        "days_end": days_end,
        "tail_start": days_end,
        "tail_end": end,
    }


_Answer = tuple[Metrics, list[Cell], list[int], dict[int, str | None] | None]
"""Metrics, their cells, the job ids whose names the groups and cells still need (``group_by="job"``), and those
names when the page of groups brought them."""


async def measure(reads: Reads, query: MetricsQuery, *, cells: bool = False) -> tuple[Metrics, list[Cell]]:
    """The metrics ``query`` asks for (its page of groups) and, with ``cells``, each group's metrics per day.

    Raises ``NotFound("job", ...)`` when the job does not exist or the caller
    may not see it, ``Invalid("job", ...)`` when a caller restricted to one
    project names no job.

    Nothing is kept here: the API's answers are kept whole, while the
    database is unchanged, by ``ghee.http.answers``.
    """
    params: dict[str, object] = dict(_scan_bounds(query.range))
    if query.only_project is not None and query.job_id is None:
        raise Invalid("job", "is required: this token sees one project's jobs only")
    if query.job_id is None:
        return await _named(reads, await _measure_dimensions(reads, query, params, cells=cells))
    params["job_id"] = query.job_id
    job = await reads.first(_JOB, params)
    if job is None or (query.only_project is not None and job[3] != query.only_project):
        raise NotFound("job", ids.encode("j", query.job_id, "job"))
    # One job: its few rows per job, branch and label, grouped here.
    table = _Table(await reads.all(_ONE_JOB, params), key_width=3)
    keys = _base_keys(query.group_by, table.keys, job) if query.group_by is not None else []
    return _summarise(query, table, table, keys, cells=cells)


async def _named(reads: Reads, answer: _Answer) -> tuple[Metrics, list[Cell]]:
    """The metrics and cells of ``answer`` with the current name of each job in its groups (read unless known)."""
    metrics, cells, job_ids, names = answer
    if not job_ids:
        return metrics, cells
    if names is None:
        names = {}
        for start in range(0, len(job_ids), MAX_PER_PAGE):
            part = job_ids[start : start + MAX_PER_PAGE]
            chosen_ids = dict(zip(_PAGE_KEYS, part + [None] * (MAX_PER_PAGE - len(part)), strict=False))
            names.update({row[0]: row[1] for row in await reads.all(_JOB_NAMES, chosen_ids)})
    by_key = {ids.encode("j", job_id, "job"): names.get(job_id) for job_id in job_ids}

    def named(group: Group) -> Group:
        return Group(group.key, by_key.get(group.key) if group.key is not None else None, group.figures)

    groups = [named(group) for group in metrics.groups]
    return msgspec.structs.replace(metrics, groups=groups), [Cell(cell.day, named(cell.group)) for cell in cells]


async def _measure_dimensions(reads: Reads, query: MetricsQuery, params: dict[str, object], *, cells: bool) -> _Answer:
    """Every job's metrics from the dimension rollups: ``all`` for the figures and series, the grouping's for groups.

    Groups by job are left without names, unless the page of groups brought
    them: ``_named`` adds them.
    """
    if query.group_by is None:
        overall = _Table(await reads.all(_EVERY_KEY, {**params, "dimension": _OVERALL}), key_width=1)
        return (*_summarise(query, overall, overall, [], cells=cells), [], None)
    grouped: dict[str, object] = {**params, "dimension": query.group_by}
    by_job = query.group_by == "job"
    names: dict[int, str | None] | None = None
    page_keys: list[str] = []
    total = None
    if query.per_page is not None:
        ranked = _NAMED_PAGE if by_job else _PAGE
        offset = (query.page - 1) * query.per_page
        page = await reads.all(ranked, {**grouped, "limit": query.per_page, "offset": offset})
        if not page:
            total = (await reads.all(_PAGE, {**grouped, "limit": 1, "offset": 0}) or [(None, 0)])[0][1]
            overall = _Table(await reads.all(_EVERY_KEY, {**params, "dimension": _OVERALL}), key_width=1)
            return (*_summarise(query, overall, _Table([], key_width=1), [], cells=cells, group_total=total), [], None)
        total = int(page[0][1])
        names = {int(row[0]): row[2] for row in page} if by_job else None
        if len(page) < total:  # some groups only: read their rows (otherwise every key's, without a list to probe)
            page_keys = [row[0] for row in page]
    # Per-day cells need the day rows; a group's totals take whole weeks.
    chosen = dict(zip(_PAGE_KEYS, page_keys + [None] * (MAX_PER_PAGE - len(page_keys)), strict=True))
    rows = await reads.all(_WITH_OVERALL[bool(page_keys), not cells], {**grouped, **chosen})
    overall = _Table([row for row in rows if not row[0]], key_width=1, tagged=True)
    table = _Table([row for row in rows if row[0]], key_width=1, tagged=True)
    stored = list(table.keys[0])
    job_ids = sorted({int(key) for key in stored}) if by_job else []
    # Each key once: a grouping has up to a hundred keys, each on up to 700 rows (hours and days).
    distinct = {key: _dimension_key(query.group_by, key) for key in set(stored)}
    keys = [distinct[key] for key in stored]
    if total is None:
        return (*_summarise(query, overall, table, keys, cells=cells), job_ids, names)
    summary = _summarise(query, overall, table, keys, cells=cells, group_total=total, paged=True)
    return (*summary, job_ids, names)


def _dimension_key(group_by: GroupBy, stored: str) -> tuple[str | None, str | None]:
    """A dimension row's group as ``(key, name)``; a job's name is ``None`` until ``_named``."""
    if group_by == "job":
        return ids.encode("j", int(stored), "job"), None
    return stored or None, stored or None


class _Table:
    """Rollup rows as columns: the rows' keys, their day in the range, their figures and sketches."""

    def __init__(self, rows: list[Row], key_width: int, *, tagged: bool = False) -> None:
        """``tagged``: each row starts with a tag (``_with_overall``), which is left out."""
        width = key_width + 1 + len(_NUMBER_NAMES) + 1
        columns: list[Sequence[Any]] = list(zip(*rows, strict=True)) if rows else [()] * (tagged + width)
        del columns[:tagged]
        self.size = len(rows)
        self.keys = columns[:key_width]
        self.start_hours = np.fromiter(columns[key_width], dtype=np.int64, count=self.size)
        self.numbers = np.array(columns[key_width + 1 : -1], dtype=np.float64).reshape(len(_NUMBER_NAMES), self.size)
        self.durations: Sequence[bytes] = columns[-1]

    def days(self, time_range: TimeRange) -> npt.NDArray[np.int64]:
        """Each row's day, from 0 for the range's first."""
        first_day = time_range.start.date()
        return self.start_hours // DAY - (first_day - _EPOCH_DAY).days


def _summarise(  # noqa: PLR0913 (the two tables, their keys and how to page)
    query: MetricsQuery,
    overall_rows: _Table,
    group_rows: _Table,
    keys: list[tuple[str | None, str | None]],
    *,
    cells: bool,
    group_total: int | None = None,
    paged: bool = False,
) -> tuple[Metrics, list[Cell]]:
    """The figures of ``overall_rows`` overall and per day, and of ``group_rows`` per group (row ``i`` in ``keys[i]``).

    ``paged``: the rows are those of the query's page of groups already, and
    ``group_total`` how many groups there are in all.
    """
    days = query.range.dates
    day_index = overall_rows.days(query.range)
    overall = _figures(overall_rows, np.zeros(overall_rows.size, dtype=np.int64), 1)[0]
    series = [Day(d, f) for d, f in zip(days, _figures(overall_rows, day_index, len(days)), strict=True)]
    groups: list[Group] = []
    per_cell: list[Cell] = []
    if query.group_by is not None:
        distinct = sorted(set(keys), key=lambda k: (k[0] is None, k))
        position = {key: i for i, key in enumerate(distinct)}
        group_index = np.fromiter((position[k] for k in keys), dtype=np.int64, count=len(keys))
        figures = _figures(group_rows, group_index, len(distinct))
        groups = [Group(k[0], k[1], f) for k, f in zip(distinct, figures, strict=True)]
        groups.sort(key=lambda g: -g.figures.total)
        if group_total is None:
            group_total = len(groups)
        if not paged and query.per_page is not None:
            groups = groups[(query.page - 1) * query.per_page : query.page * query.per_page]
        if cells:
            flat = group_index * len(days) + group_rows.days(query.range)
            by_cell = _figures(group_rows, flat, len(distinct) * len(days))
            per_cell = [
                Cell(days[i % len(days)], Group(*distinct[i // len(days)], f)) for i, f in enumerate(by_cell) if f.total
            ]
    metrics = Metrics(query.range, query.group_by, overall, groups, series, group_total or 0)
    return metrics, per_cell


def _base_keys(group_by: GroupBy, columns: list[Sequence[Any]], job: Row) -> list[tuple[str | None, str | None]]:
    """Each of one job's rollup rows' group as ``(key, name)``."""
    if group_by == "job":
        return [(ids.encode("j", job_id, "job"), job[1]) for job_id in columns[0]]
    if group_by == "folder":
        return [(job[2], job[2]) for _ in columns[0]]
    values = columns[1] if group_by == "branch" else columns[2]
    return [(v or None, v or None) for v in values]


def _figures(table: _Table, index: npt.NDArray[np.int64], count: int) -> list[Figures]:
    """The figures of each of ``count`` groups; row ``i`` of the table belongs to group ``index[i]``."""
    sums = np.stack([np.bincount(index, weights=column, minlength=count) for column in table.numbers])
    p95 = sketch.quantiles(table.durations, index, count, 0.95)
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
