"""Starting triggered builds on Jenkins: the dispatcher drains ``build_dispatches`` outside any transaction.

A trigger (``ghee.core.builds.trigger``) answered at once with a pending
build and left a dispatch. Here each due dispatch is leased in a short
transaction, Jenkins is called with no transaction open (``buildWithParameters``,
then the queue item every second), and what Jenkins said is written in
another short transaction: the queue item's id, then the job's build number
and URL once an executor took it. Unreachable or refusing servers are tried
again with backoff, ``MAX_ATTEMPTS`` times, before the build is cancelled.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

from sqlalchemy.exc import DBAPIError

from ghee.config import Settings
from ghee.core.builds import dispatches
from ghee.core.builds.dispatches import Dispatch
from ghee.core.connections import credentials_of
from ghee.db.database import Database
from ghee.db.sealing import SealBroken, sealer_for
from ghee.errors import NotFound, Unavailable
from ghee.integrations.jenkins.client import JenkinsClient, JenkinsError

log = logging.getLogger("ghee.dispatch")

BATCH = 16  # dispatches handled at once


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(300, 2 ** (attempts + 1)))


async def handle(db: Database, settings: Settings, dispatch: Dispatch) -> None:
    """Move one leased dispatch along: send it to Jenkins, or look at its queue item once."""
    if dispatch.adopted:
        async with db.write() as work:
            await dispatches.forgotten(work, dispatch)
        return
    try:
        credentials = await credentials_of(db.read(), sealer_for(settings), dispatch.connection_id)
    except (NotFound, SealBroken) as exc:
        async with db.write() as work:
            await dispatches.refused(
                work, dispatch, f"the connection's credentials cannot be used ({exc})", retry_in=None
            )
        return
    try:
        async with JenkinsClient(credentials.url, credentials.username, credentials.token) as client:
            if dispatch.state == "waiting":
                queue_id = await client.trigger(dispatch.job_full_name, dispatch.parameters)
                async with db.write() as work:
                    await dispatches.sent(work, dispatch, queue_id)
                return
            assert dispatch.queue_id is not None  # noqa: S101 (a queued dispatch has its item)
            item = await client.queue_item(dispatch.queue_id)
    except JenkinsError as exc:
        log.warning("dispatch of build %s to %s failed: %s", dispatch.build_id, dispatch.job_full_name, exc)
        async with db.write() as work:
            await dispatches.refused(work, dispatch, str(exc), retry_in=_backoff(dispatch.attempts))
        return
    async with db.write() as work:
        if item is None:
            await dispatches.forgotten(work, dispatch)
        elif item.cancelled:
            await dispatches.abandoned(work, dispatch)
        elif item.executable is not None:
            await dispatches.started(work, dispatch, item.executable.number, item.executable.url)
        else:
            await dispatches.still_queued(work, dispatch)


async def dispatch_due(db: Database, settings: Settings) -> int:
    """Send or look at up to ``BATCH`` dispatches due now, at once; how many there were."""
    async with db.write() as work:
        due = await dispatches.claim_due(work, BATCH)
    await asyncio.gather(*(handle(db, settings, dispatch) for dispatch in due))
    return len(due)


async def dispatch_loop(settings: Settings, db: Database, stop: asyncio.Event) -> None:
    """Send and follow due dispatches until ``stop`` is set, looking for new ones every ``poll_seconds``."""
    poll = settings.delivery.poll_seconds
    while not stop.is_set():
        try:
            if await dispatch_due(db, settings):
                continue
        except (DBAPIError, OSError, Unavailable) as exc:
            log.warning("cannot dispatch builds: %s", exc)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), poll)
