"""Wake-ups: a unit of work announces work for a background loop, and the loop wakes when it commits.

A loop that waits for work (the webhooks loop waits for events) would
otherwise find it only at its next poll. ``Write.announce(channel)`` marks
the unit; when it commits, ``Database`` sets the channel's ``asyncio.Event``
in this process (SQLite's ``ghee serve`` runs its loops in process), and on
PostgreSQL the unit also runs ``NOTIFY <channel>``, which PostgreSQL delivers
at commit to every process that listens: ``listen`` keeps one connection
per process listening and sets the same event. A notification lost while
that connection is down only delays the work until the loop's next poll.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Iterable

log = logging.getLogger("ghee.wakes")

_CHANNEL = re.compile(r"[a-z_]{1,40}")
RECONNECT_SECONDS = 1.0
"""How long a listener waits before connecting again after its connection broke."""


def check_channel(channel: str) -> str:
    """``channel`` if it is a plain identifier (it is written into ``NOTIFY``/``LISTEN``); raises ``ValueError``."""
    if not _CHANNEL.fullmatch(channel):
        raise ValueError(f"not a channel name: {channel!r}")
    return channel


class Wakes:
    """The channels' events of one process."""

    def __init__(self) -> None:
        self._events: dict[str, asyncio.Event] = {}

    def event(self, channel: str) -> asyncio.Event:
        """The event a commit announcing ``channel`` sets (the waiter clears it before looking for work)."""
        return self._events.setdefault(check_channel(channel), asyncio.Event())

    def fire(self, channels: Iterable[str]) -> None:
        """Set the events of ``channels``."""
        for channel in channels:
            self.event(channel).set()

    async def listen(self, dsn: str, channels: list[str], stop: asyncio.Event) -> None:
        """Listen for PostgreSQL notifications on ``channels`` until ``stop`` is set, reconnecting when cut off."""
        while not stop.is_set():
            await self._listen_once(dsn, channels, stop)
            if not stop.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), RECONNECT_SECONDS)

    async def _listen_once(self, dsn: str, channels: list[str], stop: asyncio.Event) -> None:
        """One connection's listening: until ``stop`` is set or the connection breaks."""
        import asyncpg  # noqa: PLC0415 (PostgreSQL only; SQLite installs never load it)

        try:
            conn = await asyncpg.connect(dsn)
        except (OSError, asyncpg.PostgresError) as exc:
            log.warning("cannot listen for wake-ups (the loops poll meanwhile): %s", exc)
            return
        closed = asyncio.Event()
        conn.add_termination_listener(lambda _conn: closed.set())
        try:
            for channel in channels:
                await conn.add_listener(check_channel(channel), self._notified)
            self.fire(channels)  # anything announced while no one listened is looked for now
            waits = {asyncio.ensure_future(stop.wait()), asyncio.ensure_future(closed.wait())}
            _, pending = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
            for task in pending:
                task.cancel()
        finally:
            with contextlib.suppress(Exception):
                await conn.close(timeout=2)

    def _notified(self, _conn: object, _pid: int, channel: str, _payload: str) -> None:
        self.event(channel).set()
