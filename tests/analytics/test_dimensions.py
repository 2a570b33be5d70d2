"""The dimension rollups (all, job, folder, label, branch) hold exactly the base rollups' builds, and page groups."""

from __future__ import annotations

import random
from collections import Counter
from datetime import timedelta

import sqlalchemy as sa

from ghee.core.builds import sketch
from ghee.core.builds.rollups import DAY, WEEK, epoch_hour_of
from ghee.core.jobs.model import job_row_id
from ghee.db.database import Write
from ghee.db.tables import build_dimension_rollups, build_rollups, jobs
from tests.support.analytics import Build, Seeder, metrics
from tests.support.api import Api

_NUMBERS = (
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
Sums = dict[tuple[str, int, int, str], tuple[tuple[int, ...], Counter[int]]]


def _varied_history(seed: Seeder, days: int = 4) -> list[str]:
    """A few jobs in two folders, over branches, labels and results, including running and NOT_BUILT builds."""
    rng = random.Random(7)  # noqa: S311 (test data)
    made = [seed.job(folder="/pipelines"), seed.job(folder="/pipelines"), seed.job(folder="/tests")]
    for job in made:
        seed.builds(
            job,
            *(
                Build(
                    seed.day(rng.randrange(days), hour=rng.randrange(24), minute=rng.randrange(60)),
                    rng.choice(["SUCCESS", "SUCCESS", "FAILURE", "UNSTABLE", "ABORTED", "NOT_BUILT", None]),
                    rng.choice([None, rng.randint(1, 3_600_000)]),
                    rng.choice([None, rng.randint(0, 60_000)]),
                    branch=rng.choice(["main", "develop"]),
                    label=rng.choice(["linux", "windows", None]),
                )
                for _ in range(40)
            ),
        )
    return made


def _sums(seed: Seeder) -> tuple[Sums, Sums]:
    """The stretch's rollups, base rows summed per dimension and key, and the dimension rows as stored."""
    first, end = epoch_hour_of(seed.start), epoch_hour_of(seed.start + timedelta(days=20))

    async def unit(work: Write) -> tuple[Sums, Sums]:
        folders = {row[0]: row[1] for row in await work.execute(sa.select(jobs.c.id, jobs.c.folder))}
        base = await work.execute(
            sa.select(build_rollups).where(build_rollups.c.start_hour >= first, build_rollups.c.start_hour < end)
        )
        expected: Sums = {}
        for row in base.mappings():
            keys = {
                "all": "",
                "job": str(row["job_id"]),
                "folder": folders[row["job_id"]],
                "label": row["label"],
                "branch": row["branch"],
            }
            for dimension, key in keys.items():
                numbers, durations = expected.get(
                    (dimension, row["span_hours"], row["start_hour"], key), ((0,) * 9, Counter())
                )
                numbers = tuple(a + row[n] for a, n in zip(numbers, _NUMBERS, strict=True))
                expected[(dimension, row["span_hours"], row["start_hour"], key)] = (
                    numbers,
                    durations + Counter(sketch.decode(row["durations"])),
                )
        stored_rows = await work.execute(
            sa.select(build_dimension_rollups).where(
                build_dimension_rollups.c.span_hours < WEEK,  # weeks: _weeks below
                build_dimension_rollups.c.start_hour >= first,
                build_dimension_rollups.c.start_hour < end,
            )
        )
        stored: Sums = {
            (row["dimension"], row["span_hours"], row["start_hour"], row["key"]): (
                tuple(row[n] for n in _NUMBERS),
                Counter(sketch.decode(row["durations"])),
            )
            for row in stored_rows.mappings()
        }
        return expected, stored

    result: tuple[Sums, Sums] = seed._run(unit)
    return result


def test_dimension_rows_sum_the_base_rows_after_add_builds_and_rebuild(seed: Seeder) -> None:
    _varied_history(seed)
    expected, stored = _sums(seed)
    assert stored == expected
    assert {key[0] for key in stored} == {"all", "job", "folder", "label", "branch"}
    assert {key[1] for key in stored} == {1, 24}
    seed.rebuild()
    assert _sums(seed) == (expected, stored)


def _weeks(seed: Seeder) -> tuple[Sums, Sums]:
    """The weeks wholly inside the stretch: their day rows summed per week, and their week rows as stored."""
    first, end = epoch_hour_of(seed.start), epoch_hour_of(seed.start + timedelta(days=20))
    first = -(-first // WEEK) * WEEK  # other tests' builds share the weeks at the stretch's ends
    end = end // WEEK * WEEK

    async def unit(work: Write) -> tuple[Sums, Sums]:
        t = build_dimension_rollups.c
        rows = await work.execute(sa.select(build_dimension_rollups).where(t.start_hour >= first, t.start_hour < end))
        summed: Sums = {}
        stored: Sums = {}
        for row in rows.mappings():
            numbers = tuple(row[n] for n in _NUMBERS)
            durations = Counter(sketch.decode(row["durations"]))
            if row["span_hours"] == WEEK:
                stored[(row["dimension"], WEEK, row["start_hour"], row["key"])] = (numbers, durations)
            elif row["span_hours"] == DAY:
                week = (row["dimension"], WEEK, row["start_hour"] - row["start_hour"] % WEEK, row["key"])
                before, counted = summed.get(week, ((0,) * 9, Counter()))
                summed[week] = (tuple(a + b for a, b in zip(before, numbers, strict=True)), counted + durations)
        return summed, stored

    result: tuple[Sums, Sums] = seed._run(unit)
    return result


def test_week_rows_sum_their_days_after_add_builds_and_rebuild(seed: Seeder) -> None:
    _varied_history(seed, days=20)
    summed, stored = _weeks(seed)
    assert len({key[2] for key in stored}) >= 2  # two whole weeks at least, in every dimension
    assert {key[0] for key in stored} == {"all", "job", "folder", "label", "branch"}
    assert stored == summed
    seed.rebuild()
    assert _weeks(seed) == (summed, stored)


def test_groups_read_from_weeks_equal_each_job_measured_from_its_days(api: Api, seed: Seeder) -> None:
    made = _varied_history(seed, days=20)
    # Ragged ends: hours, then days, whole weeks, days and hours again.
    window = {"from": seed.day(0, 5).isoformat() + "Z", "to": seed.day(19, 7).isoformat() + "Z"}
    for group_by in ("job", "branch"):
        grouped = metrics(api, group_by=group_by, **window)
        assert grouped["totalBuilds"] == sum(g["totalBuilds"] for g in grouped["groups"])
    grouped = metrics(api, group_by="job", **window)
    assert {g["key"] for g in grouped["groups"]} == set(made)
    for group in grouped["groups"]:
        alone = metrics(api, job=group["key"], **window)
        assert {k: v for k, v in group.items() if k not in ("key", "name")} == {
            k: alone[k] for k in group if k not in ("key", "name")
        }


def test_add_builds_twice_leaves_the_dimension_rows_alone(seed: Seeder) -> None:
    job = seed.job()
    made = seed.builds(job, Build(seed.day(1)), Build(seed.day(1, hour=3), "FAILURE", 5_000))
    before = _sums(seed)
    seed.count(made)
    assert _sums(seed) == before


def test_each_group_equals_its_job_measured_alone(api: Api, seed: Seeder) -> None:
    made = _varied_history(seed)
    window = seed.window(0, 4)
    grouped = metrics(api, group_by="job", **window)
    assert {g["key"] for g in grouped["groups"]} == set(made)
    for group in grouped["groups"]:
        alone = metrics(api, job=group["key"], **window)
        assert {k: v for k, v in group.items() if k not in ("key", "name")} == {
            k: alone[k] for k in group if k not in ("key", "name")
        }
    # Overall and series come from the "all" rows; per job they add up to the same builds.
    assert grouped["totalBuilds"] == sum(g["totalBuilds"] for g in grouped["groups"])
    assert sum(d["totalBuilds"] for d in grouped["series"]) == grouped["totalBuilds"]
    by_branch = metrics(api, group_by="branch", **window)
    assert sum(g["totalBuilds"] for g in by_branch["groups"]) == grouped["totalBuilds"]
    assert by_branch["series"] == grouped["series"]


def test_pages_of_groups_cover_every_group_once(api: Api, seed: Seeder) -> None:
    counts = [5, 1, 4, 2, 3, 2, 6]
    for n in counts:
        seed.builds(seed.job(), *(Build(seed.day(0, hour=h)) for h in range(n)))
    window = seed.window(0, 2)
    pages = [metrics(api, group_by="job", per_page=3, page=p, **window) for p in (1, 2, 3, 4)]
    assert [page["meta"]["total"] for page in pages] == [7, 7, 7, 7]
    assert [[g["totalBuilds"] for g in page["groups"]] for page in pages] == [[6, 5, 4], [3, 2, 2], [1], []]
    keys = [g["key"] for page in pages for g in page["groups"]]
    assert len(set(keys)) == 7
    assert all(job_row_id(key) for key in keys)
    assert all(g["name"] for page in pages for g in page["groups"])
