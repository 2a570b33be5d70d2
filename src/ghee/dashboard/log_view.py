"""What of a build's console log its page shows first: the end, or the part around the line that says why it failed.

A failed build's classification stores the line its category rests on and
the byte where it starts (``ghee.core.builds.failures``). The page shows the
log's last ``LOG_TAIL`` bytes; when that line lies before them, it shows the
``LOG_TAIL`` bytes starting a little before the line instead. The line is
marked (``<mark id="first-error">``) for ``app.js`` to scroll into view.
A build without a stored line (not failed, unknown, classified before lines
were stored) gets the first line of what is shown that looks like an error.
"""

from __future__ import annotations

from dataclasses import dataclass

from ghee.core.builds import logs as build_logs
from ghee.core.builds.failures import explain_in_thread, line_around, matched_line
from ghee.core.builds.model import FAILED_RESULTS, Build
from ghee.core.failure_causes import all_causes
from ghee.db.reads import Reads

LOG_TAIL = 64 * 1024
"""Bytes of the console log a build page shows at first (the end, where failures are)."""
BEFORE_ERROR = 8 * 1024
"""Bytes shown before the error line when the page opens the log there rather than at its end."""


@dataclass(frozen=True)
class LogView:
    """The shown part of the log (``start`` to ``end``, bytes) cut around its error line (``error``, maybe empty).

    ``why`` is the line the build's category rests on, ``""`` when none is
    stored; ``guessed`` says the marked line was found by looking like an error.
    """

    start: int
    end: int
    size: int
    before: str = ""
    error: str = ""
    after: str = ""
    why: str = ""
    guessed: bool = False


async def log_view(reads: Reads, build: Build) -> LogView:
    """The part of ``build``'s log its page shows first, its error line marked out."""
    size = await build_logs.log_size(reads, build.id)
    failed = build.result in FAILED_RESULTS
    matched = await matched_line(reads, build.id) if failed and size else None
    start = max(0, size - LOG_TAIL)
    if matched is not None and matched[1] < start:
        start = max(0, matched[1] - BEFORE_ERROR)
    end = min(size, start + LOG_TAIL)
    if not size:
        return LogView(0, 0, 0)
    raw = b"".join([piece async for piece in build_logs.read_log(reads, build.id, start, end)])
    text = raw.decode("utf-8", errors="replace")
    span = None
    if matched is not None and start <= matched[1] < end:
        # The offset counts bytes: find its character in what was decoded the same way. It is exact for a
        # UTF-8 log and a little late after bytes that are not (each became a 3-byte U+FFFD when counted),
        # so the line is the last one holding the stored text up to there.
        at = len(raw[: matched[1] - start].decode("utf-8", errors="replace"))
        found = text.rfind(matched[0], 0, line_around(text, at, at)[1])
        span = None if found < 0 else line_around(text, found, found + len(matched[0]))
    guessed = False
    if span is None and failed:
        stages = [stage.name for stage in build.stages if stage.failed]
        explained = await explain_in_thread(await all_causes(reads), text, stages)
        span = None if explained.start is None or explained.end is None else (explained.start, explained.end)
        guessed = span is not None
    cut = span or (len(text), len(text))
    why = matched[0] if matched is not None else ""
    return LogView(start, end, size, text[: cut[0]], text[cut[0] : cut[1]], text[cut[1] :], why, guessed)
