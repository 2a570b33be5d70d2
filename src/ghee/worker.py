"""Background work: a few named async loops run until SIGTERM or SIGINT, and the ``ghee worker`` command.

Each loop is an ``async def loop(context)`` that returns once
``context.stopping`` is set. Add a loop by adding it to ``LOOPS``. With
PostgreSQL run any number of ``ghee worker`` processes: the loops share
their queues through the database. On SQLite ``ghee serve`` runs the same
loops in process (see ``ghee.app``).
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

import click

from ghee.config import Settings, get_settings
from ghee.core.scheduled import schedule_loop
from ghee.db.database import Database, opened
from ghee.db.readiness import refuse_unmigrated
from ghee.db.sealing import sealer_for
from ghee.delivery.dispatcher import run_webhooks
from ghee.delivery.retention import retention_loop
from ghee.integrations.jenkins.dispatch import dispatch_loop
from ghee.integrations.jenkins.follow import follow_loop
from ghee.integrations.jenkins.loop import sync_loop

log = logging.getLogger("ghee.worker")

RESTART_PAUSE = 1.0
"""Seconds before a loop that crashed is started again."""


@dataclass(frozen=True)
class WorkerContext:
    """What every loop gets: the settings, the process's database, and the event that asks it to stop."""

    settings: Settings
    db: Database
    stopping: asyncio.Event = field(default_factory=asyncio.Event)


Loop = Callable[[WorkerContext], Awaitable[None]]


async def deliver_webhooks(context: WorkerContext) -> None:
    """Deliver webhooks as events happen (``ghee.delivery.dispatcher``)."""
    await run_webhooks(context.settings.delivery, context.db, sealer_for(context.settings), context.stopping)


async def run_jenkins_sync(context: WorkerContext) -> None:
    """Keep every Jenkins connection in step (``ghee.integrations.jenkins.loop``)."""
    await sync_loop(context.settings, context.db, context.stopping)


async def run_jenkins_dispatch(context: WorkerContext) -> None:
    """Start triggered builds on Jenkins and follow their queue items (``ghee.integrations.jenkins.dispatch``)."""
    await dispatch_loop(context.settings, context.db, context.stopping)


async def run_jenkins_follow(context: WorkerContext) -> None:
    """Sync pushed jobs at once and running builds every 2 s (``ghee.integrations.jenkins.follow``)."""
    await follow_loop(context.settings, context.db, context.stopping)


async def publish_scheduled(context: WorkerContext) -> None:
    """Publish posts and pages when their scheduled time comes (``ghee.core.scheduled``)."""
    await schedule_loop(context.db, context.stopping)


async def remove_expired_history(context: WorkerContext) -> None:
    """Remove delivered webhooks and old events past their age (``ghee.delivery.retention``)."""
    await retention_loop(context.settings.retention, context.db, context.stopping)


LOOPS: dict[str, Loop] = {
    "webhooks": deliver_webhooks,
    "schedule": publish_scheduled,
    "retention": remove_expired_history,
    "jenkins-sync": run_jenkins_sync,
    "jenkins-dispatch": run_jenkins_dispatch,
    "jenkins-follow": run_jenkins_follow,
}
"""The loops a worker runs, by name."""


async def _supervise(name: str, loop: Loop, context: WorkerContext) -> None:
    """Run one loop; if it crashes, log it and start it again, until stopping."""
    while not context.stopping.is_set():
        try:
            await loop(context)
        except Exception:
            log.exception("worker loop %r crashed; restarting in %s s", name, RESTART_PAUSE)
            try:
                await asyncio.wait_for(context.stopping.wait(), RESTART_PAUSE)
            except TimeoutError:
                continue
        else:
            return


async def run_loops(context: WorkerContext, loops: Mapping[str, Loop] = LOOPS) -> None:
    """Run every loop until ``context.stopping`` is set and each has returned."""
    log.info("worker loops starting: %s", ", ".join(loops))
    await asyncio.gather(*(_supervise(name, loop, context) for name, loop in loops.items()))
    log.info("worker loops stopped")


async def run_worker(settings: Settings, loops: Mapping[str, Loop] = LOOPS) -> None:
    """Run ``loops`` on the configured database until SIGTERM or SIGINT asks for a graceful stop."""
    async with opened(settings.database_url) as db:
        context = WorkerContext(settings=settings, db=db)
        running = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            running.add_signal_handler(signum, context.stopping.set)
        await run_loops(context, loops)


@click.command("worker")
@click.option("--only", "only", multiple=True, type=click.Choice(sorted(LOOPS)), help="Run only these loops.")
def worker_command(only: tuple[str, ...]) -> None:
    """Run the background loops (webhooks, retention, publishing, Jenkins sync, dispatch, follow) until SIGTERM."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    # httpx logs every request at INFO: a line per webhook delivery and Jenkins call is noise, and costs.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    loops = {name: LOOPS[name] for name in only} if only else LOOPS
    settings = get_settings()
    down = asyncio.run(refuse_unmigrated(settings.database_url))  # never migrated: one line naming `ghee migrate`
    if down is not None:
        click.echo(f"warning: {down}; starting anyway (the loops retry until it is back)", err=True)
    asyncio.run(run_worker(settings, loops))


@dataclass(frozen=True)
class InProcessWorker:
    """The loops running inside ``ghee serve`` (SQLite), and how to stop them."""

    context: WorkerContext
    task: asyncio.Task[None]

    async def stop(self) -> None:
        """Ask the loops to stop and wait for them (attempts in flight are finished or left to their lease)."""
        self.context.stopping.set()
        try:
            await asyncio.wait_for(asyncio.shield(self.task), self.context.settings.delivery.timeout_seconds + 5)
        except TimeoutError:
            self.task.cancel()


def start_in_process_worker(settings: Settings, db: Database) -> InProcessWorker | None:
    """Start ``LOOPS`` on the running event loop when the settings say ``ghee serve`` runs them (SQLite)."""
    if not settings.delivery.runs_in_process(settings.database_url):
        return None
    context = WorkerContext(settings=settings, db=db)
    return InProcessWorker(context, asyncio.create_task(run_loops(context), name="ghee-worker"))
