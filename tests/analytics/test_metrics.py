"""BuildButler /api/v1/analytics/metrics: the seed's figures, read from rollups, exactly on hand-made builds."""

from __future__ import annotations

import math
import random
from datetime import timedelta
from typing import Any

import pytest

from ghee.clock import utcnow
from tests.support.analytics import Build, Seeder, assert_bad_request, metrics
from tests.support.api import Api

FIGURES = {"successRate", "avgDuration", "p95Duration", "avgQueueTime", "totalBuilds", "results"}


def exact_p95(values: list[int]) -> int:
    """Nearest rank: the smallest value with at least 95 % of the values at or below it."""
    ordered = sorted(values)
    return ordered[math.ceil(0.95 * len(ordered)) - 1]


def test_success_rate_is_success_over_finished_builds_without_not_built(api: Api, seed: Seeder) -> None:
    job = seed.job()
    at = seed.day(1)
    results = ["SUCCESS"] * 6 + ["FAILURE", "UNSTABLE", "ABORTED", "NOT_BUILT"]
    seed.builds(job, *(Build(at, r) for r in results), Build(at, None))  # the last one still runs
    body = metrics(api, job=job, **seed.window())
    assert set(body) >= FIGURES | {"groups", "series", "from", "to", "groupBy", "meta"}
    assert body["successRate"] == round(6 / 9, 4)
    assert body["totalBuilds"] == 10
    assert body["results"] == {"SUCCESS": 6, "FAILURE": 1, "UNSTABLE": 1, "ABORTED": 1, "NOT_BUILT": 1}


def test_averages_are_milliseconds_over_builds_that_reported_them(api: Api, seed: Seeder) -> None:
    job = seed.job()
    seed.builds(
        job,
        Build(seed.day(0), duration_ms=100_000, queue_ms=2_000),
        Build(seed.day(0), "FAILURE", duration_ms=200_000, queue_ms=4_000),
        Build(seed.day(1), "ABORTED", duration_ms=301_000, queue_ms=None),
        Build(seed.day(1), "NOT_BUILT", duration_ms=0, queue_ms=99_000),  # counts in totalBuilds only
    )
    body = metrics(api, job=job, **seed.window())
    assert body["avgDuration"] == 200_333
    assert body["avgQueueTime"] == 3_000
    assert body["totalBuilds"] == 4
    assert body["successRate"] == round(1 / 3, 4)


def test_p95_duration_is_within_two_percent_of_the_exact_value(api: Api, seed: Seeder) -> None:
    rng = random.Random(7)  # noqa: S311 (test data)
    jobs = [seed.job() for _ in range(3)]
    durations: dict[str, list[int]] = {job: [] for job in jobs}
    for job in jobs:
        made = []
        for n in range(150):
            duration = int(rng.lognormvariate(11.5, 0.6))  # around 100 s, with a long tail
            durations[job].append(duration)
            made.append(Build(seed.day(n % 7, hour=n % 24), duration_ms=duration))
        seed.builds(job, *made)
    every = [d for values in durations.values() for d in values]
    overall = metrics(api, group_by="job", **seed.window())
    assert overall["totalBuilds"] == 450
    assert abs(overall["p95Duration"] - exact_p95(every)) <= 0.02 * exact_p95(every)
    assert overall["avgDuration"] == round(sum(every) / len(every))
    for group in overall["groups"]:
        exact = exact_p95(durations[group["key"]])
        assert abs(group["p95Duration"] - exact) <= 0.02 * exact, (group, exact)


def test_group_by_job_folder_label_and_branch(api: Api, seed: Seeder) -> None:
    deploy = seed.job("deploy", folder="/pipelines")
    unit = seed.job("unit", folder="/tests")
    at = seed.day(2)
    seed.builds(
        deploy,
        Build(at, branch="main", label="linux"),
        Build(at, "FAILURE", branch="release/1.0", label="linux"),
        Build(at, branch="main", label=None),
    )
    seed.builds(unit, Build(at, "FAILURE", branch="main", label="windows"))
    window = seed.window()

    by_job = metrics(api, group_by="job", **window)
    assert [(g["key"], g["name"], g["totalBuilds"]) for g in by_job["groups"]] == [
        (deploy, "pipelines/deploy", 3),
        (unit, "tests/unit", 1),
    ]
    assert by_job["groupBy"] == "job"
    assert by_job["meta"] == {"page": 1, "per_page": 25, "total": 2}
    assert set(by_job["groups"][0]) >= FIGURES | {"key", "name"}

    by_folder = {g["key"]: g for g in metrics(api, group_by="folder", **window)["groups"]}
    assert {k: g["totalBuilds"] for k, g in by_folder.items()} == {"/pipelines": 3, "/tests": 1}
    assert by_folder["/tests"]["successRate"] == 0.0

    by_label = {g["key"]: g["totalBuilds"] for g in metrics(api, group_by="label", **window)["groups"]}
    assert by_label == {"linux": 2, "windows": 1, None: 1}

    by_branch = {g["key"]: g["successRate"] for g in metrics(api, group_by="branch", **window)["groups"]}
    assert by_branch == {"main": round(2 / 3, 4), "release/1.0": 0.0}


def test_groups_are_paged_most_builds_first(api: Api, seed: Seeder) -> None:
    made = {seed.job(): n for n in (1, 3, 2)}
    for job, n in made.items():
        seed.builds(job, *(Build(seed.day(0)) for _ in range(n)))
    first = metrics(api, group_by="job", per_page=2, **seed.window())
    second = metrics(api, group_by="job", per_page=2, page=2, **seed.window())
    assert [g["totalBuilds"] for g in first["groups"]] == [3, 2]
    assert [g["totalBuilds"] for g in second["groups"]] == [1]
    assert first["meta"] == {"page": 1, "per_page": 2, "total": 3}


def test_series_has_every_day_of_the_range(api: Api, seed: Seeder) -> None:
    job = seed.job()
    seed.builds(job, Build(seed.day(0, hour=23, minute=59)), Build(seed.day(2, hour=0), "FAILURE"))
    body = metrics(api, job=job, **seed.window(0, 3))
    series = body["series"]
    assert [d["date"] for d in series] == [(seed.start + timedelta(days=n)).date().isoformat() for n in range(3)]
    assert [d["totalBuilds"] for d in series] == [1, 0, 1]
    assert [d["successRate"] for d in series] == [1.0, None, 0.0]
    assert series[1]["p95Duration"] is None
    assert set(series[0]) >= FIGURES | {"date"}


def test_custom_range_counts_whole_hours_at_its_ends(api: Api, seed: Seeder) -> None:
    job = seed.job()
    seed.builds(
        job,
        Build(seed.day(0, hour=9, minute=59)),  # before the range
        Build(seed.day(0, hour=10, minute=30)),  # in the range's first, partial day
        Build(seed.day(1, hour=12)),  # a whole day
        Build(seed.day(2, hour=8, minute=15)),  # the last hour, counted whole
        Build(seed.day(2, hour=9)),  # after the range
    )
    start = seed.day(0, hour=10, minute=20).isoformat() + "Z"
    end = seed.day(2, hour=8, minute=40).isoformat() + "Z"
    body = metrics(api, job=job, **{"from": start, "to": end})
    assert body["totalBuilds"] == 3
    assert body["from"] == seed.day(0, hour=10).isoformat() + "Z"
    assert body["to"] == seed.day(2, hour=9).isoformat() + "Z"
    assert [d["totalBuilds"] for d in body["series"]] == [1, 1, 1]


def test_seed_001s_iso_interval_range_is_the_same_as_from_and_to(api: Api, seed: Seeder) -> None:
    job = seed.job()
    seed.builds(job, Build(seed.day(0, hour=11)), Build(seed.day(1, hour=12)), Build(seed.day(3, hour=1)))
    start, end = seed.day(0, hour=10).isoformat() + "Z", seed.day(2).isoformat() + "Z"
    interval = metrics(api, job=job, range=f"{start}/{end}")
    assert interval == metrics(api, job=job, **{"from": start, "to": end})
    assert interval["totalBuilds"] == 2
    export = api.get("/api/v1/analytics/export", params={"format": "json", "job": job, "range": f"{start}/{end}"})
    assert export.status_code == 200
    for bad in (f"{start}/", f"/{end}", f"{start}/tomorrow", f"{end}/{start}"):
        assert_bad_request(api.get("/api/v1/analytics/metrics", params={"range": bad}))


def test_bad_moments_are_named_as_the_query_names_them(api: Api) -> None:
    assert_bad_request(api.get("/api/v1/analytics/metrics", params={"from": "garbage"}), "from")
    assert_bad_request(api.get("/api/v1/analytics/metrics", params={"from": "2026-11-25T00:00:00Z", "to": "x"}), "to")
    assert_bad_request(api.get("/api/v1/analytics/export", params={"from": "garbage"}), "from")


def test_range_within_one_day_reads_hours(api: Api, seed: Seeder) -> None:
    job = seed.job()
    seed.builds(job, Build(seed.day(0, hour=3)), Build(seed.day(0, hour=5)), Build(seed.day(0, hour=7)))
    body = metrics(api, job=job, **{"from": seed.day(0, hour=4).isoformat(), "to": seed.day(0, hour=6).isoformat()})
    assert body["totalBuilds"] == 1
    assert len(body["series"]) == 1


def test_rolling_ranges_count_back_from_now(api: Api, seed: Seeder) -> None:
    job = seed.job()
    now = utcnow()
    seed.builds(
        job,
        Build(now - timedelta(hours=1)),
        Build(now - timedelta(hours=30), "FAILURE"),
        Build(now - timedelta(days=20), "FAILURE"),
        Build(now - timedelta(days=40)),
    )
    assert metrics(api, job=job, range="24h")["totalBuilds"] == 1
    assert metrics(api, job=job, range="7d")["totalBuilds"] == 2
    last_30 = metrics(api, job=job, range="30d")
    assert last_30["totalBuilds"] == 3
    # 720 whole hours touch 31 UTC days, or 30 when they end at midnight (asked during the day's last hour).
    assert len(last_30["series"]) == (30 if last_30["to"].endswith("T00:00:00Z") else 31), last_30["to"]
    assert metrics(api, job=job)["totalBuilds"] == 2  # the default range is 7d


def test_a_job_filter_counts_that_job_alone(api: Api, seed: Seeder) -> None:
    mine, other = seed.job(), seed.job()
    seed.builds(mine, Build(seed.day(0)))
    seed.builds(other, Build(seed.day(0), "FAILURE"), Build(seed.day(0), "FAILURE"))
    assert metrics(api, job=mine, **seed.window())["successRate"] == 1.0
    assert metrics(api, **seed.window())["totalBuilds"] == 3


def test_no_builds_gives_zero_and_nulls(api: Api, seed: Seeder) -> None:
    body = metrics(api, job=seed.job(), **seed.window())
    assert body["totalBuilds"] == 0
    assert (body["successRate"], body["avgDuration"], body["p95Duration"], body["avgQueueTime"]) == (None,) * 4


def test_counting_a_build_twice_changes_nothing(api: Api, seed: Seeder) -> None:
    job = seed.job()
    made = seed.builds(job, Build(seed.day(0)), Build(seed.day(0), "FAILURE"))
    seed.count(made)
    seed.count(made)
    assert metrics(api, job=job, **seed.window())["totalBuilds"] == 2


def test_a_running_build_counts_once_it_finishes(api: Api, seed: Seeder) -> None:
    job = seed.job()
    (running,) = seed.builds(job, Build(seed.day(0), None))
    assert metrics(api, job=job, **seed.window())["totalBuilds"] == 0
    seed.finish(running, "FAILURE", 90_000)
    body = metrics(api, job=job, **seed.window())
    assert (body["totalBuilds"], body["successRate"], body["avgDuration"]) == (1, 0.0, 90_000)


def test_rebuild_recomputes_what_add_builds_kept(api: Api, seed: Seeder) -> None:
    job = seed.job()
    rng = random.Random(3)  # noqa: S311 (test data)
    seed.builds(
        job,
        *(
            Build(seed.day(n % 5, hour=n % 24), rng.choice(["SUCCESS", "FAILURE"]), rng.randint(1, 10**6))
            for n in range(60)
        ),
    )
    uncounted = seed.job()
    seed.builds(uncounted, Build(seed.day(1)), count=False)
    before = metrics(api, job=job, group_by="branch", **seed.window())
    seed.delete_rollups_of(job)
    assert metrics(api, job=job, **seed.window())["totalBuilds"] == 0
    assert seed.rebuild() >= 61
    assert metrics(api, job=job, group_by="branch", **seed.window()) == before
    assert metrics(api, job=uncounted, **seed.window())["totalBuilds"] == 1


def test_unknown_job_is_404(api: Api, seed: Seeder) -> None:
    job = seed.job()
    gone = job[:-1] + ("a" if job[-1] != "a" else "b")
    response = api.get("/api/v1/analytics/metrics", params={"job": gone})
    assert response.status_code == 404, response.text
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"range": "1y"}, "range"),
        ({"group_by": "agent"}, "group_by"),
        ({"job": "build_123"}, "job"),
        ({"job": "j_!!"}, "job"),
        ({"range": "7d", "from": "2024-01-01T00:00:00Z"}, "range"),
        ({"to": "2024-01-01T00:00:00Z"}, "from"),
        ({"from": "2024-01-02T00:00:00Z", "to": "2024-01-01T00:00:00Z"}, "to"),
        ({"from": "2020-01-01T00:00:00Z", "to": "2024-01-01T00:00:00Z"}, "to"),
        ({"from": "yesterday"}, None),
        ({"from": "1900-01-01T00:00:00Z"}, "from"),
        ({"from": "2024-01-01T00:00:00Z", "to": "9999-12-31T23:59:59Z"}, "to"),
        ({"per_page": "0"}, None),
        ({"per_page": "-1"}, None),
        ({"page": "x"}, None),
    ],
)
def test_bad_parameters_are_400_in_the_seed_envelope(api: Api, params: dict[str, str], field: str | None) -> None:
    assert_bad_request(api.get("/api/v1/analytics/metrics", params=params), field)


def test_metrics_need_a_token(api: Api) -> None:
    response = api.http.get("/api/v1/analytics/metrics", headers={"Authorization": ""})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


def test_each_answer_reflects_the_rollups_written_before_it(api: Api, seed: Seeder) -> None:
    """Answers may be kept by the server, but never once builds were rolled up since, nor after a rebuild."""
    job = seed.job()
    other = seed.job()
    seed.builds(job, Build(seed.day(1)))
    asks: list[dict[str, Any]] = [
        {"job": job, **seed.window()},
        {"job": job, "group_by": "branch", **seed.window()},
        {"group_by": "job", **seed.window()},
        {"group_by": "job", "per_page": 1, **seed.window()},
        seed.window(),
    ]

    def totals() -> list[int]:
        first = [metrics(api, **params)["totalBuilds"] for params in asks]
        assert [metrics(api, **params)["totalBuilds"] for params in asks] == first  # asked again: the same
        return first

    assert totals() == [1, 1, 1, 1, 1]
    seed.builds(job, Build(seed.day(2), "FAILURE"))
    assert totals() == [2, 2, 2, 2, 2]
    (running,) = seed.builds(other, Build(seed.day(3), None))
    assert totals() == [2, 2, 2, 2, 2]
    seed.finish(running, "SUCCESS", 1_000)
    assert totals() == [2, 2, 3, 3, 3]
    grouped = metrics(api, group_by="job", **seed.window())
    assert {g["key"]: g["totalBuilds"] for g in grouped["groups"]} == {job: 2, other: 1}
    seed.delete_rollups_of(job)  # out of band: only a rebuild makes it right, and then the answers follow
    seed.rebuild()
    assert totals() == [2, 2, 3, 3, 3]
    seed.builds(other, Build(seed.day(4)), Build(seed.day(4)))
    assert totals() == [2, 2, 5, 5, 5]


def test_job_names_in_groups_are_read_each_time(api: Api, seed: Seeder) -> None:
    job = seed.job("before")
    seed.builds(job, Build(seed.day(1)))
    params = {"group_by": "job", **seed.window()}
    assert [g["name"] for g in metrics(api, **params)["groups"]] == ["pipelines/before"]
    seed.rename(job, "pipelines/after")
    assert [g["name"] for g in metrics(api, **params)["groups"]] == ["pipelines/after"]
    assert [g["name"] for g in metrics(api, job=job, **params)["groups"]] == ["pipelines/after"]
