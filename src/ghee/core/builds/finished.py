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
from ghee.db.functions import in_json_list, json_list
from ghee.db.tables import builds

_JOBS_OF = (
    sa.select(builds.c.job_id)
    .where(in_json_list(builds.c.id, sa.bindparam("ids")), builds.c.job_id.is_not(None))
    .distinct()
)


async def builds_finished(work: Write, build_ids: Sequence[int]) -> None:
    """Classify, count and weigh the builds with row ids ``build_ids``, which just finished."""
    if not build_ids:
        return
    await failures.classify_builds(work, build_ids)
    await rollups.add_builds(work, build_ids)
    rows = await work.execute(_JOBS_OF, {"ids": json_list(list(build_ids))})
    await flaky.update_jobs(work, sorted(row[0] for row in rows))
