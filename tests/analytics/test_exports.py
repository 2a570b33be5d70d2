"""BuildButler /api/v1/analytics/export: CSV and JSON of the same rows, and a PNG chart."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from PIL import Image

from ghee.analytics.exports import COLUMNS
from tests.support.analytics import Build, Seeder, assert_bad_request
from tests.support.api import Api

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def export(api: Api, **params: Any) -> Any:
    response = api.get("/api/v1/analytics/export", params=params)
    assert response.status_code == 200, response.text
    return response


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def as_text(value: Any) -> str:
    return "" if value is None else str(value)


@pytest.fixture
def history(seed: Seeder) -> tuple[Seeder, str, str]:
    """Two jobs with builds on days 0 and 2 of the test's stretch."""
    deploy, unit = seed.job("deploy"), seed.job("unit", folder="/tests")
    seed.builds(deploy, Build(seed.day(0), duration_ms=120_000), Build(seed.day(2), "FAILURE", duration_ms=60_000))
    seed.builds(unit, Build(seed.day(0), "UNSTABLE", queue_ms=5_000), Build(seed.day(0), duration_ms=30_000))
    return seed, deploy, unit


def test_csv_and_json_hold_the_same_rows(api: Api, history: tuple[Seeder, str, str]) -> None:
    seed, _, _ = history
    window = seed.window(0, 3)
    as_csv = export(api, format="csv", **window)
    as_json = export(api, format="json", **window)
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert "attachment" in as_csv.headers["content-disposition"]
    assert as_json.headers["content-type"].startswith("application/json")
    rows = as_json.json()["data"]
    parsed = csv_rows(as_csv.text)
    assert list(parsed[0]) == list(COLUMNS)
    assert [{k: as_text(v) for k, v in row.items()} for row in rows] == parsed
    assert [(r["date"], r["totalBuilds"], r["successRate"]) for r in rows] == [
        (seed.day(0).date().isoformat(), 3, round(2 / 3, 4)),
        (seed.day(1).date().isoformat(), 0, None),
        (seed.day(2).date().isoformat(), 1, 0.0),
    ]
    assert as_json.json()["from"] == window["from"]


def test_grouped_export_has_a_row_per_day_and_group(api: Api, history: tuple[Seeder, str, str]) -> None:
    seed, deploy, unit = history
    window = seed.window(0, 3)
    rows = export(api, format="json", group_by="job", **window).json()["data"]
    assert [(r["date"], r["group"], r["name"], r["totalBuilds"]) for r in rows] == [
        (seed.day(0).date().isoformat(), unit, "tests/unit", 2),
        (seed.day(0).date().isoformat(), deploy, "pipelines/deploy", 1),
        (seed.day(2).date().isoformat(), deploy, "pipelines/deploy", 1),
    ]
    assert rows[0]["unstable"] == 1
    parsed = csv_rows(export(api, format="csv", group_by="job", **window).text)
    assert [{k: as_text(v) for k, v in row.items()} for row in rows] == parsed
    metrics = api.ok("GET", "/api/v1/analytics/metrics", params={"group_by": "job", **window})
    assert sum(r["totalBuilds"] for r in rows) == metrics["totalBuilds"] == 4


def test_a_job_export_holds_that_job_alone(api: Api, history: tuple[Seeder, str, str]) -> None:
    seed, deploy, _ = history
    rows = export(api, format="json", job=deploy, **seed.window(0, 3)).json()["data"]
    assert [r["totalBuilds"] for r in rows] == [1, 0, 1]


def test_png_is_a_chart_of_sensible_size(api: Api, history: tuple[Seeder, str, str]) -> None:
    seed, _, _ = history
    response = export(api, format="png", **seed.window(0, 10))
    assert response.headers["content-type"] == "image/png"
    assert response.content.startswith(PNG_SIGNATURE)
    assert 10_000 < len(response.content) < 500_000
    with Image.open(io.BytesIO(response.content)) as image:
        assert image.format == "PNG"
        assert image.size == (1000, 500)


def test_png_of_an_empty_range_is_still_a_chart(api: Api, seed: Seeder) -> None:
    response = export(api, format="png", job=seed.job(), **seed.window())
    assert response.content.startswith(PNG_SIGNATURE)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"format": "xlsx"}, None),
        ({"format": "csv", "range": "90d"}, "range"),
        ({"format": "png", "group_by": "color"}, "group_by"),
        ({"format": "json", "job": "nope"}, "job"),
    ],
)
def test_bad_export_parameters_are_400(api: Api, params: dict[str, str], field: str | None) -> None:
    assert_bad_request(api.get("/api/v1/analytics/export", params=params), field)
