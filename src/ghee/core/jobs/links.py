"""Linking a job to a project: the job and every build it has then belong to the project."""

from __future__ import annotations

import msgspec

from ghee.clock import utcnow
from ghee.core.events import record_event
from ghee.core.jobs.model import Job
from ghee.core.projects import project_public_id
from ghee.db.database import Write
from ghee.db.tables import builds, jobs


async def link_job(work: Write, job: Job, project_id: int | None) -> Job:
    """Make ``job`` (and every build it has) belong to project ``project_id``, or to none; emits ``job.linked``.

    The job's history then shows among the project's builds, by when each
    was queued; builds triggered through the project go to this job.
    """
    await work.execute(jobs.update().where(jobs.c.id == job.id).values(project_id=project_id, updated_at=utcnow()))
    await work.execute(builds.update().where(builds.c.job_id == job.id).values(project_id=project_id))
    linked = msgspec.structs.replace(job, project_id=project_id)
    await record_event(
        work,
        "job.linked",
        resource_type="job",
        resource_id=linked.public_id,
        project_id=project_id,
        payload={
            "id": linked.public_id,
            "project": project_public_id(project_id) if project_id is not None else None,
        },
    )
    return linked
