"""A folder of changes waiting to reach ghee: one JSON file per change, written whole or not at all.

A change is named by its source and key (``p4-12345``, ``git-<commit id>``),
so spooling it twice keeps one file. A file is replaced through a rename, so
a crash leaves the old file or the new one, never half of one. Only one
process sends from a spool at a time (an ``flock`` on ``.lock``); the
others leave it alone and spool what they could not send.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import msgspec

FIRST_BACKOFF_SECONDS = 30.0
LONGEST_BACKOFF_SECONDS = 3600.0
MAX_LISTED = 10_000  # entries one flush reads; the rest wait for the next


class SpooledFile(msgspec.Struct):
    """One file of a changelist, as ghee's API takes it."""

    path: str
    action: str


class OutgoingChangelist(msgspec.Struct, omit_defaults=True):
    """The body of ``POST /v1/projects/:id/changelists``."""

    author: str
    number: int | None = None
    description: str = ""
    submitted_at: str | None = None
    files: list[SpooledFile] = []
    revision: str | None = None


class Entry(msgspec.Struct):
    """A change waiting in the spool: its changelist, or (Perforce) only its number when ``p4`` failed too."""

    key: str
    queued_at: int
    """When it was first queued, in nanoseconds since 1970: the order the spool sends in."""
    changelist: OutgoingChangelist | None = None
    p4_change: int | None = None
    attempts: int = 0
    next_try_at: float = 0.0
    last_error: str = ""


_DECODER = msgspec.json.Decoder(Entry)


class Spool:
    """The spool folder of one source (``p4`` or ``git``) for one project."""

    def __init__(self, base: str, source: str, project: str) -> None:
        self.folder = Path(base).expanduser() / source / project
        self.rejected = self.folder / "rejected"

    def _file(self, key: str) -> Path:
        return self.folder / f"{key}.json"

    def put(self, entry: Entry) -> None:
        """Keep ``entry`` (replacing the change's earlier file, if any)."""
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        target = self._file(entry.key)
        temporary = target.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_bytes(msgspec.json.encode(entry))
        temporary.replace(target)

    def remove(self, entry: Entry) -> None:
        """Forget ``entry`` (it reached ghee)."""
        self._file(entry.key).unlink(missing_ok=True)

    def reject(self, entry: Entry) -> None:
        """Move ``entry`` to ``rejected/``: ghee refused it as malformed, and sending it again will not help."""
        self.rejected.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.rejected.joinpath(f"{entry.key}.json").write_bytes(msgspec.json.encode(entry))
        self.remove(entry)

    def retry_later(self, entry: Entry, error: str, now: float) -> None:
        """Keep ``entry`` with one more failed attempt, not tried again before its backoff has passed."""
        backoff = min(LONGEST_BACKOFF_SECONDS, FIRST_BACKOFF_SECONDS * 2 ** min(entry.attempts, 20))
        self.put(
            msgspec.structs.replace(
                entry, attempts=entry.attempts + 1, next_try_at=now + backoff, last_error=error[:500]
            )
        )

    def entries(self) -> list[Entry]:
        """The waiting entries, oldest first (unreadable files are skipped, left for a person to look at)."""
        if not self.folder.is_dir():
            return []
        found: list[Entry] = []
        for path in sorted(self.folder.glob("*.json"))[:MAX_LISTED]:
            try:
                found.append(_DECODER.decode(path.read_bytes()))
            except (OSError, msgspec.DecodeError):
                continue
        return sorted(found, key=lambda entry: entry.queued_at)

    def due(self, now: float) -> list[Entry]:
        """The entries whose backoff has passed, oldest first."""
        return [entry for entry in self.entries() if entry.next_try_at <= now]

    @contextmanager
    def sending(self) -> Iterator[bool]:
        """Hold the spool's send lock while the block runs; yields whether this process got it."""
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        with (self.folder / ".lock").open("a") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)


def new_entry(key: str, changelist: OutgoingChangelist | None = None, p4_change: int | None = None) -> Entry:
    """A change to send, queued now."""
    return Entry(key=key, queued_at=time.time_ns(), changelist=changelist, p4_change=p4_change)
