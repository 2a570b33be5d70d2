"""Build rollups: finished Jenkins builds summed per job, branch, label and hour or UTC day.

The analytics read these rows, never the builds, so a metrics request costs
what the number of jobs and days asks, whatever the number of builds. Each
finished build is counted twice, once in its hour's row and once in its
day's (``span_hours`` 1 and 24): a range reads whole days from the day rows
and its ragged ends from the hour rows.

A build belongs to the hour it started in (``started_at``; ``finished_at``,
then ``created_at`` when Jenkins did not say). Only builds of a job
(``job_id`` set) with a result count; builds still running wait for
``add_builds`` once they finish. ``builds.rolled_up`` records which builds are
counted, so ``add_builds`` may be called again for the same build.

``build_dimension_rollups`` keeps the same sums per dimension and key (every
build under ``all``; under its job, its job's folder, its label and its
branch), per hour, day and week (``span_hours`` 168, weeks of whole days
counted from the epoch's hour 0), written by the same ``add_builds`` and
``rebuild``: a request without a job filter reads a few rows per week and
group from it instead of every job, branch and label's per day. A job's folder is
taken when its builds are counted: after moving a job, ``rebuild`` regroups
its past builds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from ghee.core.builds import sketch
from ghee.db.database import Write
from ghee.db.functions import epoch_hour, in_json_list, json_list
from ghee.db.tables import build_dimension_rollups, build_rollups, builds, jobs

HOUR, DAY, WEEK = 1, 24, 168
RESULTS = ("SUCCESS", "FAILURE", "UNSTABLE", "ABORTED", "NOT_BUILT")
_RESULT_COLUMNS = ("successes", "failures", "unstable", "aborted", "not_built")
_EPOCH = datetime(1970, 1, 1)  # noqa: DTZ001 (storage is naive UTC)
_ONE_HOUR = timedelta(hours=1)
_CHUNK = 500  # build ids per statement: well under SQLite's bound-parameter limit
_REBUILD_BATCH = 20_000

CellKey = tuple[int, int, int, str, str]
"""``(span_hours, start_hour, job_id, branch, label)``: the primary key of a rollup row."""

DimensionKey = tuple[str, int, int, str]
"""``(dimension, span_hours, start_hour, key)``: the primary key of a dimension rollup row."""

DIMENSIONS = ("all", "job", "folder", "label", "branch")


@dataclass
class Cell:
    """What some builds add to one rollup row."""

    results: list[int] = field(default_factory=lambda: [0] * len(RESULTS))
    duration_count: int = 0
    duration_sum_ms: int = 0
    queue_count: int = 0
    queue_sum_ms: int = 0
    durations: sketch.Counts = field(default_factory=dict)

    def count(self, result_index: int, duration_ms: int | None, queue_ms: int | None, sign: int = 1) -> None:
        """Add one finished build (``sign=-1``: take it out). NOT_BUILT builds add to their count alone."""
        self.results[result_index] += sign
        if RESULTS[result_index] == "NOT_BUILT":
            return
        if duration_ms is not None and duration_ms >= 0:
            self.duration_count += sign
            self.duration_sum_ms += sign * duration_ms
            bucket = sketch.bucket_of(duration_ms)
            self.durations[bucket] = self.durations.get(bucket, 0) + sign
        if queue_ms is not None and queue_ms >= 0:
            self.queue_count += sign
            self.queue_sum_ms += sign * queue_ms

    def add(self, other: Cell) -> None:
        """Add another cell's builds."""
        self.results = [a + b for a, b in zip(self.results, other.results, strict=True)]
        self.duration_count += other.duration_count
        self.duration_sum_ms += other.duration_sum_ms
        self.queue_count += other.queue_count
        self.queue_sum_ms += other.queue_sum_ms
        durations = self.durations
        for bucket, count in other.durations.items():
            durations[bucket] = durations.get(bucket, 0) + count


def epoch_hour_of(moment: datetime) -> int:
    """Whole hours from 1970-01-01T00:00 to a naive UTC datetime."""
    return (moment - _EPOCH) // _ONE_HOUR


# A finished build as the rollups need it: job, branch, label, the hour it
# started, its result, duration and queue time.
_STARTED = sa.func.coalesce(builds.c.started_at, builds.c.finished_at, builds.c.created_at)
_COUNTED = (
    builds.c.job_id,
    builds.c.branch,
    sa.func.coalesce(builds.c.label, ""),
    epoch_hour(_STARTED),
    builds.c.result,
    builds.c.duration_ms,
    builds.c.queue_ms,
)
_ELIGIBLE = sa.and_(builds.c.job_id.is_not(None), builds.c.result.in_(RESULTS))


def _tally(cells: dict[CellKey, Cell], rows: Iterable[Sequence[Any]], sign: int = 1) -> int:
    """Add (``sign=-1``: take out) each build row (``_COUNTED`` columns) to its hour's and day's cells; how many."""
    index = {result: i for i, result in enumerate(RESULTS)}
    seen = 0
    for job_id, branch, label, hour, result, duration_ms, queue_ms in rows:
        result_index = index[result]
        for key in ((HOUR, hour, job_id, branch, label), (DAY, hour - hour % DAY, job_id, branch, label)):
            cell = cells.get(key)
            if cell is None:
                cell = cells[key] = Cell()
            cell.count(result_index, duration_ms, queue_ms, sign)
        seen += 1
    return seen


def dimension_cells(cells: dict[CellKey, Cell], folders: dict[int, str]) -> dict[DimensionKey, Cell]:
    """The base cells summed per dimension and key (``folders``: each job's folder); each day's also into its week."""
    summed: dict[DimensionKey, Cell] = {}
    for (span, start, job_id, branch, label), cell in cells.items():
        spans = ((span, start), (WEEK, start - start % WEEK)) if span == DAY else ((span, start),)
        for dimension, key in (
            ("all", ""),
            ("job", str(job_id)),
            ("folder", folders.get(job_id, "")),
            ("label", label),
            ("branch", branch),
        ):
            for into_span, into_start in spans:
                into = summed.get((dimension, into_span, into_start, key))
                if into is None:
                    into = summed[(dimension, into_span, into_start, key)] = Cell()
                into.add(cell)
    return summed


_NUMBERS = (*_RESULT_COLUMNS, "duration_count", "duration_sum_ms", "queue_count", "queue_sum_ms")


def _numbers(cell: Cell) -> list[int]:
    """The cell's figures in ``_NUMBERS`` order."""
    return [*cell.results, cell.duration_count, cell.duration_sum_ms, cell.queue_count, cell.queue_sum_ms]


def _insert_ignoring_existing(work: Write, table: sa.Table) -> sa.Insert:
    if work.dialect.name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    return sqlite.insert(table).on_conflict_do_nothing()


class _Store:
    """One rollup table: its key columns, and how to add cells to its rows."""

    def __init__(self, table: sa.Table, key: Sequence[str]) -> None:
        self.table = table
        self.key = tuple(table.c[name] for name in key)
        self.stored = (*self.key, *(table.c[name] for name in _NUMBERS), table.c.durations)
        # PostgreSQL joins the keys passed as one array per key column (``unnest``): a row ``IN``
        # list of a hundred keys took longer to plan than to run (bench/README.md, "First sync").
        arrays = (sa.bindparam(f"keys_{c.name}", type_=postgresql.ARRAY(c.type)) for c in self.key)
        wanted = sa.func.unnest(*arrays).table_valued(*(c.name for c in self.key)).render_derived(name="wanted")
        joined = table.join(wanted, sa.and_(*(column == wanted.c[column.name] for column in self.key)))
        self.locked = sa.select(*self.stored).select_from(joined).order_by(*self.key).with_for_update(of=table)
        self.update = (
            table.update()
            .where(*(column == sa.bindparam(f"k_{column.name}") for column in self.key))
            .values({name: sa.bindparam(f"v_{name}") for name in (*_NUMBERS, "durations")})
        )

    def _stored_of(self, work: Write, keys: list[Any]) -> tuple[sa.Select[Any], dict[str, object]]:
        """The statement reading (and, on PostgreSQL, locking) the rows of ``keys``, and its parameters."""
        if work.dialect.name != "postgresql":
            return sa.select(*self.stored).where(sa.tuple_(*self.key).in_(keys)).order_by(*self.key), {}
        return self.locked, {f"keys_{c.name}": [key[i] for key in keys] for i, c in enumerate(self.key)}

    def row(self, key: tuple[Any, ...], cell: Cell, durations: bytes) -> dict[str, object]:
        return {
            **{column.name: value for column, value in zip(self.key, key, strict=True)},
            **dict(zip(_NUMBERS, _numbers(cell), strict=True)),
            "durations": durations,
        }

    async def insert(self, work: Write, cells: dict[Any, Cell]) -> None:
        """Insert ``cells`` as new rows (the table holds none of their keys)."""
        rows = [self.row(key, cell, sketch.encode(cell.durations)) for key, cell in sorted(cells.items())]
        for start in range(0, len(rows), _REBUILD_BATCH):
            await work.execute(self.table.insert(), rows[start : start + _REBUILD_BATCH])

    async def merge(self, work: Write, cells: dict[Any, Cell]) -> None:
        """Add ``cells`` to their stored rows, creating the rows that do not exist yet."""
        # A cell whose row does not exist yet is inserted as it is; the rest are added to their rows.
        made = await work.execute(
            _insert_ignoring_existing(work, self.table).returning(*self.key),
            [self.row(key, cell, sketch.encode(cell.durations)) for key, cell in sorted(cells.items())],
        )
        inserted = {tuple(row) for row in made}
        keys = sorted(key for key in cells if key not in inserted)
        if not keys:
            return
        updates: list[dict[str, object]] = []
        for start in range(0, len(keys), _CHUNK):
            # Lock the rows (PostgreSQL) in key order, so two callers never wait on each other in a circle.
            stored_rows = await work.execute(*self._stored_of(work, keys[start : start + _CHUNK]))
            width = len(self.key)
            for stored in stored_rows:
                key = tuple(stored[:width])
                adding = _numbers(cells[key])
                numbers = [a + b for a, b in zip(stored[width:-1], adding, strict=True)]
                updates.append(
                    {
                        **{f"k_{column.name}": value for column, value in zip(self.key, key, strict=True)},
                        **{f"v_{name}": value for name, value in zip(_NUMBERS, numbers, strict=True)},
                        "v_durations": sketch.merge(stored[-1], cells[key].durations),
                    }
                )
        await work.execute(self.update, updates)


_BASE = _Store(build_rollups, ("span_hours", "start_hour", "job_id", "branch", "label"))
_DIMENSIONS = _Store(build_dimension_rollups, ("dimension", "span_hours", "start_hour", "key"))


async def _folders(work: Write, job_ids: Iterable[int] | None = None) -> dict[int, str]:
    """Each job's folder (of ``job_ids``, or of every job)."""
    query = sa.select(jobs.c.id, jobs.c.folder)
    if job_ids is not None:
        query = query.where(jobs.c.id.in_(sorted(set(job_ids))))
    return {row[0]: row[1] for row in await work.execute(query)}


# One parameter for any number of ids: PostgreSQL plans an ``IN`` list of each length anew.
_CLAIM = (
    builds.update()
    .where(in_json_list(builds.c.id, sa.bindparam("ids")), builds.c.rolled_up.is_(False), _ELIGIBLE)
    .values(rolled_up=True)
    .returning(*_COUNTED)
)


async def add_builds(work: Write, build_ids: Sequence[int]) -> None:
    """Count the given builds in the rollups, in the caller's transaction.

    Builds already counted, still running (no result), or not from a job are
    passed over, so calling this twice for a build, or for builds that have
    not finished, changes nothing. Call it after writing the builds' final
    result, in the same transaction. Raises nothing of its own.
    """
    cells: dict[CellKey, Cell] = {}
    for start in range(0, len(build_ids), _CHUNK):
        chunk = list(build_ids[start : start + _CHUNK])
        # Marking first is what makes this idempotent: a concurrent caller
        # waits on the row locks, then finds the builds already marked.
        claimed = await work.execute(_CLAIM, {"ids": json_list(chunk)})
        _tally(cells, claimed)
    if cells:
        folders = await _folders(work, (key[2] for key in cells))
        await _BASE.merge(work, cells)
        await _DIMENSIONS.merge(work, dimension_cells(cells, folders))


_UNCLAIM = (
    builds.update()
    .where(in_json_list(builds.c.id, sa.bindparam("ids")), builds.c.rolled_up.is_(True))
    .values(rolled_up=False)
    .returning(*_COUNTED)
)


async def take_back(work: Write, build_ids: Sequence[int]) -> None:
    """Take the given builds out of the rollups as they were counted, in the caller's transaction.

    Call it before changing a counted build's result, duration or start, and
    ``add_builds`` after: the rollups then hold the build as it is now. Builds
    not counted are passed over. Sketches take counts out as exactly as they
    put them in (a bucket's count goes down by one).
    """
    cells: dict[CellKey, Cell] = {}
    for start in range(0, len(build_ids), _CHUNK):
        unclaimed = await work.execute(_UNCLAIM, {"ids": json_list(list(build_ids[start : start + _CHUNK]))})
        _tally(cells, unclaimed, sign=-1)
    if cells:
        folders = await _folders(work, (key[2] for key in cells))
        await _BASE.merge(work, cells)
        await _DIMENSIONS.merge(work, dimension_cells(cells, folders))


async def rebuild(work: Write, progress: Callable[[int, int], None] | None = None) -> int:
    """Recompute every rollup from the builds, in the caller's transaction; returns the builds counted.

    ``progress(done, total)`` is called after each batch of builds read. On
    PostgreSQL the rollups are locked for the duration, so ``add_builds``
    calls wait until the rebuild commits.
    """
    if work.dialect.name == "postgresql":
        await work.execute(sa.text("LOCK TABLE build_rollups, build_dimension_rollups IN EXCLUSIVE MODE"))
    await work.execute(build_rollups.delete())
    await work.execute(build_dimension_rollups.delete())
    await work.execute(builds.update().where(builds.c.rolled_up, sa.not_(_ELIGIBLE)).values(rolled_up=False))
    await work.execute(builds.update().where(sa.not_(builds.c.rolled_up), _ELIGIBLE).values(rolled_up=True))
    total = (await work.execute(sa.select(sa.func.count()).where(builds.c.rolled_up))).scalar_one()
    cells: dict[CellKey, Cell] = {}
    done = 0
    stream = await work.stream(
        sa.select(*_COUNTED).where(builds.c.rolled_up).execution_options(yield_per=_REBUILD_BATCH)
    )
    async for batch in stream.partitions(_REBUILD_BATCH):
        done += _tally(cells, batch)
        if progress is not None:
            progress(done, total)
    summed = dimension_cells(cells, await _folders(work))
    await _BASE.insert(work, cells)
    del cells
    await _DIMENSIONS.insert(work, summed)
    if progress is not None and total == 0:
        progress(0, 0)
    return done
