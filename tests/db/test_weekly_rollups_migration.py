"""Migration 0025: the week rows it sums from the stored days are the ones ``add_builds`` writes; down drops them."""

from __future__ import annotations

import random
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa

from ghee.core.builds.rollups import WEEK
from ghee.db.database import Write
from ghee.db.tables import build_dimension_rollups
from tests.support.analytics import Build, Seeder
from tests.support.databases import downgrade, make_database, migrate


def _week_rows(seed: Seeder) -> list[tuple[Any, ...]]:
    async def unit(work: Write) -> list[tuple[Any, ...]]:
        rows = await work.execute(
            sa.select(build_dimension_rollups)
            .where(build_dimension_rollups.c.span_hours == WEEK)
            .order_by(*build_dimension_rollups.primary_key.columns)
        )
        return [tuple(row) for row in rows]

    found: list[tuple[Any, ...]] = seed._run(unit)
    return found


def test_the_weeks_summed_from_stored_days_are_those_add_builds_writes(backend: str, tmp_path: Path) -> None:
    url, drop = make_database(backend, tmp_path)
    try:
        seed = Seeder(SimpleNamespace(database_url=url))  # type: ignore[arg-type] (only its database is used)
        rng = random.Random(25)  # noqa: S311 (test data)
        for folder in ("/pipelines", "/pipelines", "/tests"):
            seed.builds(
                seed.job(folder=folder),
                *(
                    Build(
                        seed.day(rng.randrange(30), hour=rng.randrange(24)),
                        rng.choice(["SUCCESS", "FAILURE", "ABORTED", "NOT_BUILT"]),
                        rng.choice([None, rng.randint(1, 3_600_000)]),
                        branch=rng.choice(["main", "develop"]),
                        label=rng.choice(["linux", None]),
                    )
                    for _ in range(60)
                ),
            )
        written = _week_rows(seed)
        assert len({row[2] for row in written}) >= 4  # a month of builds spans four weeks at least
        downgrade(url, "0024")
        assert _week_rows(seed) == []
        migrate(url)
        assert _week_rows(seed) == written
    finally:
        drop()
