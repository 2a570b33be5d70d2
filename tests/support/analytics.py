"""Analytics under test: Jenkins builds written straight into the rollups' tables, and the API's error shape."""

from __future__ import annotations

import asyncio
import itertools
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
import sqlalchemy as sa

from ghee import ids
from ghee.clock import utcnow
from ghee.core.builds.rollups import add_builds, rebuild
from ghee.core.jobs.model import job_row_id
from ghee.db.database import Write, opened
from ghee.db.tables import builds, connections, jobs
from tests.support.api import Api
from tests.support.servers import Server

_stretches = itertools.count()


_STATUS = {"SUCCESS": "success", "FAILURE": "failed", "UNSTABLE": "failed", "ABORTED": "cancelled"}


_STATUS["NOT_BUILT"] = "cancelled"


@dataclass(frozen=True)
class Build:
    """A Jenkins build as the sync records it; ``result`` ``None`` while it runs."""

    started_at: datetime
    result: str | None = "SUCCESS"
    duration_ms: int | None = 60_000
    queue_ms: int | None = 1_000
    branch: str = "main"
    label: str | None = "linux"


class Seeder:
    """Writes connections, jobs and builds straight into the server's database, then counts them."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.start = datetime(2020, 1, 1) + timedelta(days=20 * next(_stretches))  # noqa: DTZ001
        self._connection: int | None = None
        self._numbers = itertools.count(1)

    def day(self, n: int, hour: int = 12, minute: int = 0) -> datetime:
        """A moment on day ``n`` of this test's own stretch."""
        return self.start + timedelta(days=n, hours=hour, minutes=minute)

    def window(self, first_day: int = 0, days: int = 10) -> dict[str, str]:
        """``from``/``to`` query parameters covering whole days of the stretch."""
        end = self.start + timedelta(days=first_day + days)
        return {"from": self.day(first_day, 0).isoformat() + "Z", "to": end.isoformat() + "Z"}

    def _run(self, unit: Any) -> Any:
        async def main() -> Any:
            async with opened(self.server.database_url) as db, db.write() as work:
                return await unit(work)

        return asyncio.run(main())

    def job(self, name: str | None = None, folder: str = "/pipelines") -> str:
        """A new job on this test's connection; returns its public id (``j_...``)."""
        name = name or f"job-{uuid.uuid4().hex[:8]}"

        async def unit(work: Write) -> int:
            now = utcnow()
            if self._connection is None:
                self._connection = (
                    await work.execute(
                        connections.insert()
                        .values(
                            name=f"jenkins-{uuid.uuid4().hex[:8]}",
                            url="http://127.0.0.1:1",
                            username="ci-bot",
                            token_encrypted="x",  # noqa: S106 (no secret: the sync never runs here)
                            status="ok",
                            failures=0,
                            created_at=now,
                        )
                        .returning(connections.c.id)
                    )
                ).scalar_one()
            values = {
                "connection_id": self._connection,
                "full_name": f"{folder.strip('/')}/{name}".strip("/"),
                "name": name,
                "folder": folder,
                "url": f"http://127.0.0.1:1/job/{name}/",
                "kind": "pipeline",
                "flaky": False,
                "deleted": False,
                "created_at": now,
                "updated_at": now,
            }
            return int((await work.execute(jobs.insert().values(values).returning(jobs.c.id))).scalar_one())

        return ids.encode("j", self._run(unit), "job")

    def builds(self, job: str, *made: Build, count: bool = True) -> list[int]:
        """Insert builds of ``job`` as the sync does and, with ``count``, roll up the finished ones."""
        job_id = job_row_id(job)

        async def unit(work: Write) -> list[int]:
            rows = [self._row(job_id, b) for b in made]
            result = await work.execute(builds.insert().returning(builds.c.id, sort_by_parameter_order=True), rows)
            build_ids = [int(i) for i in result.scalars()]
            if count:
                await add_builds(work, build_ids)
            return build_ids

        built: list[int] = self._run(unit)
        return built

    def _row(self, job_id: int, b: Build) -> dict[str, object]:
        finished = (
            None if b.result is None or b.duration_ms is None else b.started_at + timedelta(milliseconds=b.duration_ms)
        )
        return {
            "project_id": None,
            "job_id": job_id,
            "number": next(self._numbers),
            "status": "running" if b.result is None else _STATUS[b.result],
            "platform": "jenkins",
            "configuration": "default",
            "branch": b.branch,
            "label": b.label,
            "created_at": b.started_at - timedelta(milliseconds=b.queue_ms or 0),
            "started_at": b.started_at,
            "finished_at": finished,
            "result": b.result,
            "duration_ms": b.duration_ms if b.result is not None else None,
            "queue_ms": b.queue_ms,
        }

    def finish(self, build_id: int, result: str, duration_ms: int) -> None:
        """Record a running build's result, as the sync does when it finishes, and count it."""

        async def unit(work: Write) -> None:
            await work.execute(
                builds.update()
                .where(builds.c.id == build_id)
                .values(result=result, status=_STATUS[result], duration_ms=duration_ms)
            )
            await add_builds(work, [build_id])

        self._run(unit)

    def count(self, build_ids: list[int]) -> None:
        """Call ``add_builds`` again for builds (it must change nothing for those counted)."""

        async def unit(work: Write) -> None:
            await add_builds(work, build_ids)

        self._run(unit)

    def rebuild(self) -> int:
        """Recompute every rollup from the builds."""

        async def unit(work: Write) -> int:
            return await rebuild(work)

        counted: int = self._run(unit)
        return counted

    def rename(self, job: str, full_name: str) -> None:
        """Give a job another full name, as the sync does when Jenkins renames it (the rollups unchanged)."""

        async def unit(work: Write) -> None:
            await work.execute(jobs.update().where(jobs.c.id == job_row_id(job)).values(full_name=full_name))

        self._run(unit)

    def delete_rollups_of(self, job: str) -> None:
        """Forget a job's rollups (so ``rebuild`` must bring them back)."""

        async def unit(work: Write) -> None:
            await work.execute(sa.text("DELETE FROM build_rollups WHERE job_id = :j"), {"j": job_row_id(job)})

        self._run(unit)


def assert_bad_request(response: httpx.Response, field: str | None = None) -> dict[str, Any]:
    """A 400 in BuildButler's envelope, naming ``field`` if given."""
    assert response.status_code == 400, (response.status_code, response.text)
    body: dict[str, Any] = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == "bad_request"
    assert body["error"]["message"]
    assert "Traceback" not in body["error"]["message"]
    if field is not None:
        assert body["error"]["details"].get("field") == field, body
    return body


def metrics(api: Api, **params: Any) -> dict[str, Any]:
    body: dict[str, Any] = api.ok("GET", "/api/v1/analytics/metrics", params=params)
    return body
