"""The one trigger rule, whichever dialect asks: a project linked to a Jenkins job builds there, else an agent does.

Either way the trigger answers at once with a pending build. For a linked
project the same transaction records a dispatch (``dispatches``): the
dispatcher calls Jenkins afterwards, outside any transaction, and follows the
queue item to the build's status, number and URL.
"""

from __future__ import annotations

import sqlalchemy as sa

from ghee.core.builds.dispatches import record_dispatch
from ghee.core.builds.model import Build
from ghee.core.builds.reports import NewBuild, create_build
from ghee.core.changelists import latest_changelist
from ghee.core.jobs.reads import job_for_project
from ghee.db.database import Write
from ghee.db.tables import builds

_LAST_TARGET = (
    sa.select(builds.c.platform, builds.c.configuration)
    .where(builds.c.project_id == sa.bindparam("project_id"), builds.c.platform != "", builds.c.configuration != "")
    .order_by(builds.c.created_at.desc(), builds.c.id.desc())
    .limit(1)
)


async def trigger_build(work: Write, project_id: int, new: NewBuild) -> Build:
    """Queue ``new``: on the Jenkins job linked to the project (for ``new.branch``) if any, else for an agent.

    Raises what ``create_build`` raises. Nothing talks to Jenkins here.
    """
    job = await job_for_project(work, project_id, new.branch)
    build = await create_build(work, project_id, new)
    if job is not None:
        await record_dispatch(work, build.id, job.id)  # the build itself is as created: pending, no job yet
    return build


async def trigger_branch(work: Write, project_id: int, branch: str) -> Build:
    """Queue a build of ``branch`` at the newest changelist (none if the project has none yet), by ``trigger_build``.

    Platform and configuration repeat the project's last build that names
    them, since a branch trigger names neither. Raises ``Invalid`` for a
    blank branch.
    """
    last = (await work.execute(_LAST_TARGET, {"project_id": project_id})).first()
    platform, configuration = (last.platform, last.configuration) if last else ("default", "development")
    changelist = "latest" if await latest_changelist(work, project_id) is not None else None
    return await trigger_build(work, project_id, NewBuild(platform, configuration, changelist, branch))
