"""Following Jenkins between passes: a pushed job synced at once, a running build read every 2 seconds.

A sync pass runs every ``GHEE_SYNC_INTERVAL`` seconds (60 by default); that
is too slow to watch a build. The follower looks every ``LOOK_EVERY``
seconds for jobs a push from Jenkins named (``ghee.core.jobs.following``)
and for jobs with a build running, and syncs each of those jobs the way a
pass does (the job's numbers, its new and open builds, their stages and the
next piece of their console log), a running one at most every
``FOLLOW_EVERY`` seconds, and at most ``PER_CONNECTION`` jobs of a
connection per round.

It takes the connection's lease for its turn, like a pass, so the two never
write one job at once; while a pass holds the lease the follower leaves the
connection to it. Its turn ends with ``hand_back``, which leaves the
connection's status and schedule to the passes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from datetime import timedelta

from sqlalchemy.exc import DBAPIError

from ghee.clock import utcnow
from ghee.config import Settings
from ghee.core.builds.synced import OpenBuild, open_builds
from ghee.core.connections import claim_connection, credentials_of, hand_back, renew_lease, sync_soon
from ghee.core.jobs.following import Followed, followed, followed_jobs, jobs_to_follow
from ghee.core.jobs.model import Job
from ghee.core.jobs.seen import SeenJob
from ghee.db.database import Database
from ghee.db.sealing import SealBroken, sealer_for
from ghee.errors import NotFound, Unavailable
from ghee.ids import encode
from ghee.integrations.jenkins.client import JenkinsClient, JenkinsError
from ghee.integrations.jenkins.loop import worker_name
from ghee.integrations.jenkins.sync import JobChanges, fetch_job, seen_again, write_job_changes

log = logging.getLogger("ghee.follow")

LOOK_EVERY = 0.5  # seconds between looks for pushed jobs and running builds
FOLLOW_EVERY = 2.0  # seconds between two reads of a job whose build is running
PER_CONNECTION = 8  # jobs of one connection synced per round
LEASE = timedelta(seconds=60)  # a turn is short; a crashed follower's lease frees itself soon
QUIET_AFTER_ERROR = 30.0  # seconds a connection that failed is left alone (its passes report the error)


class Follower:
    """One worker's follower: when it last read each job, and which connections failed lately."""

    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings
        self.owner = worker_name()
        self.read_at: dict[int, float] = {}
        self.quiet_until: dict[int, float] = {}

    async def round(self) -> int:
        """Sync the jobs due now on every connection at once; how many jobs were synced."""
        wanted = await jobs_to_follow(self.db.read(), PER_CONNECTION)
        now = time.monotonic()
        due = {
            connection_id: [f for f in found if f.nudged or now - self.read_at.get(f.job_id, 0.0) >= FOLLOW_EVERY]
            for connection_id, found in wanted.items()
            if self.quiet_until.get(connection_id, 0.0) <= now
        }
        done = await asyncio.gather(*(self.follow(cid, found) for cid, found in due.items() if found))
        return sum(done)

    async def follow(self, connection_id: int, wanted: list[Followed]) -> int:
        """One connection's turn: lease it, sync ``wanted`` jobs, hand it back; how many jobs were synced."""
        async with self.db.write() as work:
            if await claim_connection(work, self.owner, connection_id=connection_id, lease=LEASE) is None:
                return 0  # a pass (or another follower) is on it and will see the same
            jobs = await followed_jobs(work, wanted)
            still_open = await open_builds(work, [job.id for job in jobs])
        began = utcnow()
        try:
            credentials = await credentials_of(self.db.read(), sealer_for(self.settings), connection_id)
            async with JenkinsClient(
                credentials.url, credentials.username, credentials.token, in_flight=credentials.concurrency
            ) as client:
                fetched = await asyncio.gather(*(self._fetch(client, job, still_open) for job in jobs))
            for job, found in zip(jobs, fetched, strict=True):
                self.read_at[job.id] = time.monotonic()
                async with self.db.write() as work:
                    if not await renew_lease(work, connection_id, self.owner, LEASE):
                        return 0
                    if found is not None:
                        await write_job_changes(work, job, *found)
                    else:  # gone from Jenkins (or renamed): a pass walks the tree again now
                        await sync_soon(work, encode("conn", connection_id))
                    await followed(work, job.id, began)
            return len(jobs)
        except (JenkinsError, NotFound, SealBroken) as exc:
            log.warning("following connection %s failed: %s", connection_id, exc)
            self.quiet_until[connection_id] = time.monotonic() + QUIET_AFTER_ERROR
            return 0
        finally:
            async with self.db.write() as work:
                await hand_back(work, connection_id, self.owner)

    @staticmethod
    async def _fetch(
        client: JenkinsClient, job: Job, still_open: dict[int, list[OpenBuild]]
    ) -> tuple[SeenJob, JobChanges] | None:
        remote = await client.job(job.full_name)
        if remote is None:
            return None
        seen = seen_again(job, remote)
        return seen, await fetch_job(client, job, seen, still_open.get(job.id, ()))


async def follow_loop(settings: Settings, db: Database, stop: asyncio.Event) -> None:
    """Follow pushed jobs and running builds until ``stop`` is set."""
    follower = Follower(db, settings)
    while not stop.is_set():
        try:
            await follower.round()
        except (DBAPIError, OSError, Unavailable) as exc:
            log.warning("cannot follow running builds: %s", exc)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), LOOK_EVERY)
