"""Statement budgets of the BuildButler reads: a page costs the same number of statements however long it is."""

from __future__ import annotations

from ghee.core import failure_causes
from ghee.core.builds.model import BuildFilter
from ghee.core.builds.reads import list_builds
from ghee.core.jobs.model import JobFilter
from ghee.core.jobs.reads import list_jobs
from ghee.core.paging import Window
from ghee.db.database import Write
from tests.support.buildbutler_factory import in_db, new_build, new_connection, new_job
from tests.support.counting_reads import CountingReads
from tests.support.servers import Server


def test_each_list_page_is_one_statement(server: Server) -> None:
    async def run(work: Write) -> dict[str, int]:
        connection_id, instance = await new_connection(work)
        jobs = [await new_job(work, connection_id, f"job-{n}") for n in range(30)]
        stages = [("Build", "SUCCESS", 1000), ("Test", "FAILED", 2000)]
        for number in range(1, 31):
            await new_build(work, jobs[0], number, "FAILURE", stages=stages)
        spent = {}
        reads = CountingReads(work)
        page = await list_jobs(reads, JobFilter(instance=instance), Window(25))
        assert len(page.items) == 25
        spent["jobs"], reads.statements = reads.statements, 0
        builds = await list_builds(reads, BuildFilter(job_id=jobs[0]), Window(25), counted=True)
        assert len(builds.items) == 25
        assert all(len(b.stages) == 2 for b in builds.items)
        spent["builds"], reads.statements = reads.statements, 0
        causes = await failure_causes.list_causes(reads, Window(25))
        assert causes.items
        spent["causes"] = reads.statements
        return spent

    assert in_db(server, run) == {"jobs": 1, "builds": 1, "causes": 1}
