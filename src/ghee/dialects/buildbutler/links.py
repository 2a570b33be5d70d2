"""Linking a Jenkins job to a ghee project: ``PATCH /api/v1/jobs/:id {"project": "proj_..." | null}``.

A linked job's builds belong to the project (ButterStack's ``/v1`` lists
them), and ``POST /v1/projects/:id/builds`` queues builds on the job.
"""

from __future__ import annotations

import msgspec
from litestar import patch

from ghee.core.jobs import links
from ghee.core.jobs.reads import get_job
from ghee.core.projects import get_project, project_public_id
from ghee.core.tokens import Principal
from ghee.db.database import Database
from ghee.dialects.buildbutler.errors import ERRORS
from ghee.errors import Forbidden
from ghee.http.auth import requires


class JobLinkBody(msgspec.Struct):
    project: str | None


class LinkedJob(msgspec.Struct, rename="camel"):
    id: str
    name: str
    instance: str
    folder: str
    project: str | None
    last_build: int | None
    last_result: str | None


@patch("/jobs/{job_id:str}", responses=ERRORS, opt=requires("write"))
async def link_job(db: Database, principal: Principal, job_id: str, data: JobLinkBody) -> LinkedJob:
    """Link a job to a project (``{"project": "proj_..."}``) or unlink it (``{"project": null}``).

    A token bound to a project sees only the jobs linked to that project (any
    other answers 404, so job ids cannot be probed), and may only unlink them:
    a job no project owns is linked by an unbound token alone, since its logs
    may carry any team's secrets.
    """
    only = principal.project_id
    async with db.write() as work:
        job = await get_job(work, job_id, only)
        if data.project is None:
            project_id = None
        elif only is not None:
            raise Forbidden("an unbound write")
        else:
            project_id = (await get_project(work, data.project, only)).id
        linked = await links.link_job(work, job, project_id)
    return LinkedJob(
        linked.public_id,
        linked.name,
        linked.instance,
        linked.folder,
        project_public_id(project_id) if project_id is not None else None,
        linked.last_build_number,
        linked.last_result,
    )


ROUTES = [link_job]
