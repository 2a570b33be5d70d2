"""What follows a build finishing, the same for a build an agent reports and one the Jenkins sync records.

Runs in the transaction that finished the builds, once their rows, stages
and log are written: each failed build gets its failure category, the
builds are counted into the analytics rollups (those of a job: the rollups
are kept per job), and each job involved has its flakiness weighed again.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from ghee.core.builds import failures, rollups
from ghee.core.jobs import flaky
from ghee.db.database import Write
from ghee.db.tables import builds

_IN_CHUNKS = 500  # ids per IN (...) list


async def builds_finished(work: Write, build_ids: Sequence[int]) -> None:
    """Classify, count and weigh the builds with row ids ``build_ids``, which just finished."""
    if not build_ids:
        return
    await failures.classify_builds(work, build_ids)
    await rollups.add_builds(work, build_ids)
    job_ids: set[int] = set()
    for start in range(0, len(build_ids), _IN_CHUNKS):
        chunk = list(build_ids[start : start + _IN_CHUNKS])
        rows = await work.execute(
            sa.select(builds.c.job_id).where(builds.c.id.in_(chunk), builds.c.job_id.is_not(None)).distinct()
        )
        job_ids.update(row[0] for row in rows)
    await flaky.update_jobs(work, sorted(job_ids))
