"""Building a project on the Jenkins job linked to it: ``buildWithParameters``, then the queue item to the number.

The build row is made first (``create_build``: its checks, its number in
the project, ``build.created``) with the queue item's id. If Jenkins starts
the build within ``FOLLOW_FOR`` seconds the row takes the job and Jenkins'
number at once; otherwise the next sync pass does, matching ``queue_id``
(see ``ghee.core.ci_builds``), and keeps it up to date from then on.
"""

from __future__ import annotations

import asyncio
import time

from ghee.config import Settings
from ghee.core import builds
from ghee.core.ci_builds import attach_to_job, remember_queue_item
from ghee.core.connections import credentials_of
from ghee.core.credentials import SealBroken, sealer_for
from ghee.core.jobs import job_for_project
from ghee.db.database import Write
from ghee.errors import Unavailable
from ghee.integrations.jenkins.client import JenkinsClient, JenkinsError

FOLLOW_FOR = 3.0  # seconds to wait for the queue item to become a build
FOLLOW_EVERY = 0.25


async def trigger_linked_build(
    work: Write, settings: Settings, project_id: int, new: builds.NewBuild
) -> builds.Build | None:
    """Queue ``new`` on the Jenkins job linked to the project; ``None`` if no job is linked.

    Raises what ``create_build`` raises, and ``Unavailable`` when Jenkins
    cannot be reached or refuses (nothing is stored then).
    """
    job = await job_for_project(work, project_id, new.branch)
    if job is None:
        return None
    build = await builds.create_build(work, project_id, new)
    parameters = [("PLATFORM", build.platform), ("CONFIGURATION", build.configuration)]
    if build.changelist is not None:
        parameters.append(("CHANGELIST", build.changelist))
    try:
        credentials = await credentials_of(work, sealer_for(settings), job.connection_id)
        async with JenkinsClient(credentials.url, credentials.username, credentials.token) as client:
            queue_id = await client.trigger(job.full_name, parameters)
            number = await _follow(client, queue_id) if queue_id is not None else None
    except (JenkinsError, SealBroken) as exc:
        raise Unavailable(f"Jenkins server of job {job.full_name!r} ({exc})") from exc
    if queue_id is not None:
        await remember_queue_item(work, build.id, queue_id)
    if number is not None:
        await attach_to_job(work, build.id, job.id, number)
    return await builds.get_build(work, build.public_id)


async def _follow(client: JenkinsClient, queue_id: int) -> int | None:
    """The build number the queue item became, if it starts within ``FOLLOW_FOR`` seconds."""
    deadline = time.monotonic() + FOLLOW_FOR
    while True:
        item = await client.queue_item(queue_id)
        if item is None or item.cancelled:
            return None
        if item.executable is not None:
            return item.executable.number
        if time.monotonic() + FOLLOW_EVERY > deadline:
            return None
        await asyncio.sleep(FOLLOW_EVERY)
