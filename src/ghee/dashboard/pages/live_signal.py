"""One poller per process for every ``/live`` stream: it watches the event log and the streams' sessions.

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

The same task checks, every ``SESSION_CHECK_SECONDS``, that the sessions
the streams were opened with are still live (``live_sessions``: one
statement for all of them), so a stream ends soon after its session does
(sign-out, a password reset, expiry, a disabled user) or its user gains or
loses admin rights (what the stream may send changed; the browser
reconnects with the new rights). A stream asks ``ended`` when woken, which
reads memory: no query per stream, let alone per event.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter

from ghee.core.events import latest_cursor
from ghee.core.sessions import live_sessions
from ghee.db.reads import Reads
from ghee.errors import Unavailable

POLL_SECONDS = 0.5
SESSION_CHECK_SECONDS = 2.0

log = logging.getLogger(__name__)

Opened = tuple[str, bool]
"""What a stream was opened with: its session's id and whether its user was an admin."""


class LiveSignal:
    """Wakes waiters when the event log's newest readable cursor changes or a watched session ends.

    Polls only while someone waits.
    """

    def __init__(self, reads: Reads) -> None:
        self._reads = reads
        self._moved = asyncio.Event()
        self._watched: Counter[Opened] = Counter()
        self._ended: set[Opened] = set()
        self._poller: asyncio.Task[None] | None = None
        self._stopping: set[asyncio.Task[None]] = set()

    def listen(self, opened: Opened) -> None:
        """Count one more stream, opened with ``opened``; starts the poller for the first."""
        self._watched[opened] += 1
        if self._poller is None:
            self._poller = asyncio.get_running_loop().create_task(self._poll(), name="ghee-live-poller")

    def leave(self, opened: Opened) -> None:
        """Count one stream less; stops the poller after the last."""
        self._watched[opened] -= 1
        if self._watched[opened] <= 0:
            del self._watched[opened]
            self._ended.discard(opened)
        if not self._watched and self._poller is not None:
            self._poller.cancel()
            self._stopping.add(self._poller)  # kept referenced until it has ended
            self._poller.add_done_callback(self._stopping.discard)
            self._poller = None

    def next_move(self) -> asyncio.Event:
        """What to wait on for the next move. Take it *before* reading, so a move during the read is not missed."""
        return self._moved

    def ended(self, opened: Opened) -> bool:
        """Whether the session a stream was opened with has ended (or its user's admin right changed) since."""
        return opened in self._ended

    async def _poll(self) -> None:
        seen: object = object()  # nothing seen: the first answer wakes every stream (one may have read just before)
        failing = False
        checked = time.monotonic()
        while True:
            ended = False
            try:
                cursor: object = await latest_cursor(self._reads)
                if time.monotonic() - checked >= SESSION_CHECK_SECONDS:
                    checked = time.monotonic()
                    ended = await self._check_sessions()
            except (OSError, Unavailable) as exc:
                # The database is away: wake the streams anyway, so that their own reads notice it.
                if not failing:
                    log.warning("live: cannot read the event log: %s", exc)
                failing, cursor = True, object()
            else:
                if failing:
                    log.info("live: the event log can be read again")
                failing = False
            if cursor != seen or ended:  # an ended session wakes every stream: its own ones stop
                seen = cursor
                self._wake()
            await asyncio.sleep(POLL_SECONDS)

    async def _check_sessions(self) -> bool:
        """Mark the watched sessions that ended; whether any newly did."""
        watching = list(self._watched)
        live = await live_sessions(self._reads, {sid for sid, _ in watching})
        ended = {opened for opened in watching if live.get(opened[0]) != opened[1]} - self._ended
        self._ended |= ended
        return bool(ended)

    def _wake(self) -> None:
        moved, self._moved = self._moved, asyncio.Event()
        moved.set()
