"""Flaky jobs: both outcomes on one commit, or five flips in the last 30 finished builds."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ghee.core.jobs.flaky import Outcome, flaky_reason, update_jobs
from ghee.core.jobs.model import job_public_id
from ghee.db.database import Write
from tests.support.api import Api
from tests.support.buildbutler_factory import events_about, in_db, new_build, new_connection, new_job
from tests.support.servers import Server


def _outcomes(results: str, commits: Sequence[str | None] | None = None) -> list[Outcome]:
    """``"PPFP"``: passed, passed, failed, passed (oldest first), each on its own commit unless given."""
    return [
        Outcome(number, result == "P", commits[number - 1] if commits else f"c{number}")
        for number, result in enumerate(results, start=1)
    ]


def test_one_commit_that_both_passed_and_failed_is_flaky() -> None:
    reason = flaky_reason(_outcomes("PFP", ["aaa111", "bbb222", "bbb222"]))
    assert reason == "commit bbb222 both passed (#3) and failed (#2)"


def test_five_flips_are_flaky_and_four_are_not() -> None:
    assert flaky_reason(_outcomes("PFPFPF")) == "5 flips between passing and failing in the last 6 finished builds"
    assert flaky_reason(_outcomes("PFPFP")) is None
    assert flaky_reason(_outcomes("PPPPFFFFF")) is None
    assert flaky_reason(_outcomes("PP", [None, None])) is None  # no commit known: no same-commit verdict


def _job_history(server: Server, history: list[tuple[str, str | None]]) -> tuple[int, Any]:
    async def seed(work: Write) -> tuple[int, Any]:
        connection_id, _ = await new_connection(work)
        job = await new_job(work, connection_id)
        for number, (result, commit) in enumerate(history, start=1):
            await new_build(work, job, number, result, commit=commit)
        await update_jobs(work, [job])
        return job, await events_about(work, job_public_id(job))

    return in_db(server, seed)


def test_a_job_turning_flaky_is_flagged_explained_and_announced(api: Api, server: Server) -> None:
    job, events = _job_history(
        server, [("SUCCESS", "a1b2c3d"), ("FAILURE", "e4f5a6b"), ("UNSTABLE", "0c0ffee"), ("SUCCESS", "0c0ffee")]
    )
    detail = api.ok("GET", f"/api/v1/jobs/{job_public_id(job)}")
    assert detail["flaky"] is True
    assert detail["health"]["flakyReason"] == "commit 0c0ffee both passed (#4) and failed (#3)"
    assert [(t, p["reason"]) for t, p in events] == [("job.flaky", detail["health"]["flakyReason"])]


def test_aborted_and_running_builds_do_not_count_as_flips(api: Api, server: Server) -> None:
    history: list[tuple[str, str | None]] = [("SUCCESS", None), ("ABORTED", None)] * 6
    job, events = _job_history(server, [*history, ("FAILURE", None)])
    detail = api.ok("GET", f"/api/v1/jobs/{job_public_id(job)}")
    assert (detail["flaky"], detail["health"]["flakyReason"], events) == (False, None, [])


def test_a_flaky_job_that_steadies_is_cleared(api: Api, server: Server) -> None:
    job, _ = _job_history(server, [("SUCCESS", "c1"), ("FAILURE", "c1")])

    async def steady(work: Write) -> Any:
        for number in range(3, 40):
            await new_build(work, job, number, "SUCCESS", commit=f"c{number}")
        await update_jobs(work, [job])
        await update_jobs(work, [job])  # nothing changed: no event
        return await events_about(work, job_public_id(job))

    events = in_db(server, steady)
    assert [t for t, _ in events] == ["job.flaky", "job.steady"]
    detail = api.ok("GET", f"/api/v1/jobs/{job_public_id(job)}")
    assert (detail["flaky"], detail["health"]["flakyReason"]) == (False, None)


def test_only_the_last_30_finished_builds_count(api: Api, server: Server) -> None:
    old_flips: list[tuple[str, str | None]] = [("SUCCESS", None), ("FAILURE", None)] * 5
    job, _ = _job_history(server, [*old_flips, *[("SUCCESS", None)] * 30])
    assert api.ok("GET", "/api/v1/jobs/" + job_public_id(job))["flaky"] is False
