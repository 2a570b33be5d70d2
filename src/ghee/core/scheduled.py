"""Scheduled publication: the worker publishes posts and entries whose time has come.

Each one is published in a transaction of its own, with the same events and
revision as a publication by hand. Its schedule is cleared in that
transaction by a conditional update, so of several workers exactly one
publishes it. A publication that cannot happen (its draft's slug was taken
meanwhile) clears the schedule and is logged; the draft stays.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from sqlalchemy.exc import DBAPIError

from ghee.clock import utcnow
from ghee.core.blog import writing
from ghee.core.content import publishing
from ghee.db.database import Database
from ghee.errors import Invalid, Unavailable

log = logging.getLogger("ghee.scheduled")

POLL_SECONDS = 1.0
"""How often the worker looks for due publications: a scheduled post goes live within about a second."""


async def publish_due(db: Database) -> int:
    """Publish every post and entry due now; returns how many went live."""
    now = utcnow()
    published = 0
    for post_id in await writing.due_posts(db.read(), now):
        try:
            async with db.write() as work:
                published += await writing.publish_scheduled(work, post_id, now) is not None
        except Invalid as exc:
            log.warning("scheduled post %s cannot be published, its schedule is cleared: %s", post_id, exc)
            async with db.write() as work:
                await writing.cancel_schedule(work, post_id)
    for entry_id in await publishing.due_entries(db.read(), now):
        try:
            async with db.write() as work:
                published += await publishing.publish_scheduled(work, entry_id, now)
        except Invalid as exc:
            log.warning("scheduled entry %s cannot be published, its schedule is cleared: %s", entry_id, exc)
            async with db.write() as work:
                await publishing.cancel_schedule(work, entry_id)
    return published


async def schedule_loop(db: Database, stop: asyncio.Event, poll: float = POLL_SECONDS) -> None:
    """Publish what is due until ``stop`` is set, looking every ``poll`` seconds."""
    while not stop.is_set():
        try:
            count = await publish_due(db)
            if count:
                log.info("published %d scheduled posts and entries", count)
        except (DBAPIError, OSError, Unavailable) as exc:
            log.warning("cannot publish scheduled content: %s", exc)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), poll)
