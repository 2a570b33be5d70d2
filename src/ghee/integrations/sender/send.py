"""Posting changelists to ghee within a time budget, and sending what the spool holds.

ghee's answer decides what happens to a change: 200 or 201, it is there;
400 or 413, it is malformed and moves to the spool's ``rejected/`` folder
(sending it again would not help); anything else (no answer in time, 5xx,
429, a token or project not yet right) keeps it in the spool to try again
after a backoff. Once ghee fails to answer, the rest of a batch is spooled
without trying, so a trigger never waits on a server that is down.
"""

from __future__ import annotations

import enum
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

import httpx
import msgspec

from ghee import __version__
from ghee.config import SenderSettings
from ghee.integrations.sender.spool import Entry, OutgoingChangelist, Spool

MIN_REQUEST_SECONDS = 0.5  # below this a request is not worth starting: spool instead
FLUSH_REQUEST_SECONDS = 10.0  # each request of an unhurried ``flush``
_REFUSED = frozenset({400, 413})  # the change itself is wrong: never sent again


class Outcome(enum.Enum):
    """What became of one attempt to send a change."""

    SENT = "sent"
    RETRY = "retry"
    REJECTED = "rejected"


@dataclass
class Tally:
    """How many changes were sent, spooled and rejected."""

    sent: int = 0
    spooled: int = 0
    rejected: int = 0

    def line(self) -> str:
        """One line for the trigger's or hook's output."""
        return f"{self.sent} sent to ghee, {self.spooled} spooled for later, {self.rejected} rejected"


Describe = Callable[[int], OutgoingChangelist]
"""Turns a Perforce change number spooled alone into its changelist (``ghee.integrations.perforce``)."""


class Sender:
    """Sends one source's changes to one project, within ``budget`` seconds from its creation (``None``: no limit)."""

    def __init__(self, settings: SenderSettings, source: str, budget: float | None) -> None:
        self.settings = settings
        self.spool = Spool(settings.spool_dir, source, settings.project)
        self._deadline = None if budget is None else time.monotonic() + budget
        self._down = False  # ghee failed to answer once: spool the rest without trying
        self._url = f"{settings.url}/v1/projects/{quote(settings.project, safe='')}/changelists"
        self._headers = {"Authorization": f"Bearer {settings.token}", "User-Agent": f"ghee-sender/{__version__}"}
        self.tally = Tally()

    def _seconds_left(self) -> float:
        if self._deadline is None:
            return FLUSH_REQUEST_SECONDS
        return min(FLUSH_REQUEST_SECONDS, self._deadline - time.monotonic())

    def post(self, changelist: OutgoingChangelist) -> tuple[Outcome, str]:
        """Send one changelist now: the outcome and, unless sent, why."""
        seconds = self._seconds_left()
        if self._down or seconds < MIN_REQUEST_SECONDS:
            return Outcome.RETRY, "not tried: ghee did not answer, or the time to send ran out"
        try:
            response = httpx.post(
                self._url, content=msgspec.json.encode(changelist), headers=self._headers, timeout=seconds
            )
        except httpx.HTTPError as exc:
            self._down = True
            return Outcome.RETRY, f"{type(exc).__name__}: {exc}"[:300]
        if response.status_code in (200, 201):
            return Outcome.SENT, ""
        problem = f"HTTP {response.status_code}: {response.text[:300]}"
        if response.status_code in _REFUSED:
            return Outcome.REJECTED, problem
        if response.status_code >= 500 or response.status_code == 429:  # noqa: PLR2004 (rate limited)
            self._down = True
        return Outcome.RETRY, problem

    def deliver(self, entry: Entry, describe: Describe | None = None) -> Outcome:
        """Send ``entry`` (a new change, or one from the spool) or keep it in the spool; counts it in ``tally``."""
        changelist = entry.changelist
        if changelist is None and entry.p4_change is not None and describe is not None:
            try:
                changelist = describe(entry.p4_change)
            except OSError as exc:  # p4 still cannot describe it
                return self._keep(entry, f"p4 describe failed: {exc}")
            entry = msgspec.structs.replace(entry, changelist=changelist)
        if changelist is None:
            return self._keep(entry, "waiting for p4 to describe it")
        outcome, problem = self.post(changelist)
        if outcome is Outcome.SENT:
            self.spool.remove(entry)
            self.tally.sent += 1
        elif outcome is Outcome.REJECTED:
            self.spool.reject(msgspec.structs.replace(entry, last_error=problem))
            self.tally.rejected += 1
        else:
            return self._keep(entry, problem)
        return outcome

    def _keep(self, entry: Entry, problem: str) -> Outcome:
        self.spool.retry_later(entry, problem, time.time())
        self.tally.spooled += 1
        return Outcome.RETRY

    def flush(self, describe: Describe | None = None, *, everything: bool = False) -> None:
        """Send the spooled changes whose backoff has passed (all of them with ``everything``), oldest first.

        Does nothing while another process is sending from the same spool.
        """
        with self.spool.sending() as mine:
            if mine:
                self._send_spooled(everything=everything, describe=describe)

    def send(self, changes: list[Entry], describe: Describe | None = None) -> None:
        """Send the spool, then ``changes`` in order; what cannot be sent in time is spooled.

        A change never overtakes one spooled before it (git commits are
        numbered as they arrive): while the spool is not empty, or another
        process is sending from it, new changes join it instead.
        """
        with self.spool.sending() as mine:
            behind = not mine or not self._send_spooled(everything=True, describe=describe)
            for change in changes:
                if behind:
                    self.spool.put(change)
                    self.tally.spooled += 1
                else:
                    behind = self.deliver(change, describe) is Outcome.RETRY

    def _send_spooled(self, *, everything: bool, describe: Describe | None) -> bool:
        """Send spooled entries while ghee answers and time is left; returns whether the spool is now empty."""
        waiting = self.spool.entries() if everything else self.spool.due(time.time())
        for entry in waiting:
            if self._down or self._seconds_left() < MIN_REQUEST_SECONDS:
                break  # what is left stays as it is, its backoff untouched
            self.deliver(entry, describe)
        return not self.spool.entries()
