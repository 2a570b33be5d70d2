"""One poller per process for every ``/live`` stream: it watches the event log and wakes the streams when it moves.

Each stream used to ask the database for new events every half second, so
a hundred open dashboards cost two hundred queries a second doing nothing.
Now one task asks for the log's newest readable cursor (``latest_cursor``)
every ``POLL_SECONDS`` while any stream is open, and a stream reads its own
page from its own cursor only when that changed. A stream still reads from
the shared ``events`` table, so what it sends (and resuming after
``Last-Event-ID``) is exactly as before.

The newest readable cursor moves whenever an event becomes readable: on
PostgreSQL an event is readable once every older transaction has ended, so
one that becomes readable sorts after the newest one already readable.
"""

from __future__ import annotations

import asyncio
import logging

from ghee.core.events import latest_cursor
from ghee.db.reads import Reads
from ghee.errors import Unavailable

POLL_SECONDS = 0.5

log = logging.getLogger(__name__)


class LogMoved:
    """Wakes waiters when the event log's newest readable cursor changes; polls only while someone waits."""

    def __init__(self, reads: Reads) -> None:
        self._reads = reads
        self._moved = asyncio.Event()
        self._listeners = 0
        self._poller: asyncio.Task[None] | None = None
        self._stopping: set[asyncio.Task[None]] = set()

    def listen(self) -> None:
        """Count one more stream; starts the poller for the first."""
        self._listeners += 1
        if self._poller is None:
            self._poller = asyncio.get_running_loop().create_task(self._poll(), name="ghee-live-poller")

    def leave(self) -> None:
        """Count one stream less; stops the poller after the last."""
        self._listeners -= 1
        if self._listeners == 0 and self._poller is not None:
            self._poller.cancel()
            self._stopping.add(self._poller)  # kept referenced until it has ended
            self._poller.add_done_callback(self._stopping.discard)
            self._poller = None

    def next_move(self) -> asyncio.Event:
        """What to wait on for the next move. Take it *before* reading, so a move during the read is not missed."""
        return self._moved

    async def _poll(self) -> None:
        seen: object = object()  # nothing seen: the first answer wakes every stream (one may have read just before)
        failing = False
        while True:
            try:
                cursor: object = await latest_cursor(self._reads)
            except (OSError, Unavailable) as exc:
                # The database is away: wake the streams anyway, so that their own reads notice it.
                if not failing:
                    log.warning("live: cannot read the event log: %s", exc)
                failing, cursor = True, object()
            else:
                if failing:
                    log.info("live: the event log can be read again")
                failing = False
            if cursor != seen:
                seen = cursor
                self._wake()
            await asyncio.sleep(POLL_SECONDS)

    def _wake(self) -> None:
        moved, self._moved = self._moved, asyncio.Event()
        moved.set()
