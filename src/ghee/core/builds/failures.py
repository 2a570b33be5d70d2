"""Why builds failed: each failed build's log and stages matched against the failure causes.

A cause applies when one of its indications is found in the log and, if it
names a stage pattern, a failed stage's name matches it. Of the causes that
apply, the one of highest priority gives the category; a failed build no
cause explains is ``unknown``, a build that did not fail has none.

Only the head and the tail of a log are searched (``HEAD_BYTES``,
``TAIL_BYTES``): Jenkins logs end with what went wrong, and start with what
went wrong before the build could begin. A build's classification thus costs
the same whatever its log's size.

The patterns are searched with RE2 (``ghee.core.log_patterns``), in a worker
thread (``asyncio.to_thread``): the search lets go of the GIL, so the event
loop goes on serving requests, and whoever classifies (an agent's report,
the Jenkins sync, an admin's change of the causes) waits without blocking.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import msgspec
import sqlalchemy as sa

from ghee.core.builds.logs import log_excerpts, small_logs
from ghee.core.builds.model import FAILED_RESULTS, Build
from ghee.core.builds.reads import builds_by_row_ids
from ghee.core.events import NewEvent, record_events
from ghee.core.failure_causes import FailureCause, all_causes
from ghee.core.jobs.model import job_public_id
from ghee.core.log_patterns import LinePattern, compile_line_pattern, usable_pattern
from ghee.db.database import Write
from ghee.db.functions import in_json_list, json_list
from ghee.db.reads import Reads
from ghee.db.tables import builds


class ClassifiedPayload(msgspec.Struct, frozen=True, rename="camel"):
    """The payload of ``build.classified``, in BuildButler's words (``jobId``, ``failureCategory``)."""

    id: str
    job_id: str | None
    number: int
    result: str | None
    failure_category: str | None


HEAD_BYTES = 64 * 1024
TAIL_BYTES = 512 * 1024
UNKNOWN = "unknown"
RECLASSIFY_LIMIT = 1000
"""How many of the newest failed builds are classified again when the causes change."""


def matching_cause(
    causes: Sequence[FailureCause], texts: Sequence[str], failed_stages: Sequence[str]
) -> FailureCause | None:
    """The first cause of ``causes`` (ordered by priority, highest first) that applies, or ``None``.

    CPU work: call it through ``asyncio.to_thread`` from a coroutine.
    """
    encoded = [text.encode() for text in texts]  # once, not once per pattern
    return next((cause for cause in causes if _applies(cause, encoded, failed_stages)), None)


def _applies(cause: FailureCause, texts: Sequence[bytes], failed_stages: Sequence[str]) -> bool:
    """Whether ``cause`` explains the log; a pattern RE2 refuses (stored before ghee used RE2) matches nothing."""
    if cause.stage_pattern is not None:
        stage = usable_pattern(cause.stage_pattern)
        if stage is None or not any(stage.search(name) is not None for name in failed_stages):
            return False
    if not cause.indications:
        return True
    return any(pattern.found_in(text) for pattern in _indications(cause) for text in texts)


def _indications(cause: FailureCause) -> list[LinePattern]:
    return [pattern for indication in cause.indications if (pattern := usable_pattern(indication)) is not None]


MATCHED_LINE_CHARS = 500
"""How much of the line that gave a build its category is stored (``builds.failure_line``)."""


class Classification(msgspec.Struct, frozen=True):
    """What a failed build's log and stages say: the cause that applies (``None``: unknown), and its line.

    ``line`` is the first log line one of the cause's indications found
    (stripped, ``MATCHED_LINE_CHARS`` at most) and ``line_at`` the byte of the
    log where it starts; both ``None`` when no cause applies or the cause
    names only a failed stage.
    """

    cause: FailureCause | None
    line: str | None = None
    line_at: int | None = None

    @property
    def category(self) -> str:
        """The failure category: the cause's, or ``unknown``."""
        return UNKNOWN if self.cause is None else self.cause.category


def classify(
    causes: Sequence[FailureCause], pieces: Sequence[tuple[int, str]], failed_stages: Sequence[str]
) -> Classification:
    """The cause of ``causes`` (highest priority first) that applies to a failed build, and the line that shows it.

    ``pieces``: what is searched of the log, each as (the byte where it starts, its text). The line's
    byte is exact for a UTF-8 log; bytes that are not UTF-8 before it count as the 3 of U+FFFD.
    CPU work: call it through ``asyncio.to_thread`` from a coroutine.
    """
    cause = matching_cause(causes, [text for _, text in pieces], failed_stages)
    if cause is None:
        return Classification(None)
    for at, text in pieces:
        found = _indicated_line(cause, text)
        if found is not None:
            line = text[found[0] : found[1]].replace("\x00", "").strip()[:MATCHED_LINE_CHARS]
            return Classification(cause, line, at + len(text[: found[0]].encode()))
    return Classification(cause)


def _indicated_line(cause: FailureCause, text: str) -> tuple[int, int] | None:
    """Where the first line of ``text`` one of ``cause``'s indications finds starts and ends, or ``None``."""
    first: tuple[int, int] | None = None
    for pattern in _indications(cause):
        found = pattern.search(text)
        if found is not None and (first is None or found[0] < first[0]):
            first = found
    return None if first is None else line_around(text, *first)


def line_around(text: str, start: int, end: int) -> tuple[int, int]:
    """The whole lines of ``text`` holding ``text[start:end]``, with the last line's newline."""
    after = text.find("\n", end)
    return text.rfind("\n", 0, start) + 1, len(text) if after < 0 else after + 1


class Explanation(msgspec.Struct, frozen=True):
    """Where a piece of a failed build's log says why: the cause that applies (if any) and the line that shows it.

    ``start`` and ``end`` are character offsets of that line in the text
    searched; ``None`` when no line stands out.
    """

    cause: FailureCause | None
    start: int | None = None
    end: int | None = None


ERROR_LINE = compile_line_pattern(r"(?i)\b(error|fatal|failed|failure|exception|traceback)\b|\berror[:\[]")
"""What marks a line as an error when no cause's indication does."""


def explain(causes: Sequence[FailureCause], text: str, failed_stages: Sequence[str]) -> Explanation:
    """The cause that applies to ``text`` and the first line of it matching one of the cause's indications.

    Without a cause, or when the cause names no indication, the first line
    that looks like an error (``ERROR_LINE``). For a piece of log the
    classification did not see whole, or builds classified before lines were
    stored; ``classify`` says what a build's category rests on. CPU work: a
    coroutine calls ``explain_in_thread``.
    """
    cause = matching_cause(causes, [text], failed_stages)
    first = _indicated_line(cause, text) if cause is not None else None
    if first is None:
        found = ERROR_LINE.search(text)
        first = line_around(text, *found) if found is not None else None
    return Explanation(cause) if first is None else Explanation(cause, *first)


async def explain_in_thread(causes: Sequence[FailureCause], text: str, failed_stages: Sequence[str]) -> Explanation:
    """``explain``, run in a worker thread so that the event loop goes on serving meanwhile."""
    return await asyncio.to_thread(explain, causes, text, failed_stages)


PREVIEW_BUILDS = 100
"""How many of the newest failed builds with a log a cause is tried on before it is saved."""


class PreviewMatch(msgspec.Struct, frozen=True):
    """A recent failed build a cause would apply to, and the log line that would show it (``None``: stage only)."""

    build: Build
    line: str | None


_PREVIEWED = (
    sa.select(builds.c.id)
    .where(
        sa.or_(*(builds.c.result == result for result in sorted(FAILED_RESULTS))),  # the fast path expands no IN
        builds.c.log_bytes > 0,
        builds.c.deleted.is_(False),
    )
    .order_by(builds.c.id.desc())
    .limit(sa.bindparam("limit"))
)


async def preview_cause(
    reads: Reads, cause: FailureCause, limit: int = PREVIEW_BUILDS
) -> tuple[int, list[PreviewMatch]]:
    """How many recent failed builds were tried, and those ``cause`` applies to, newest first, each with its line."""
    looked = await builds_by_row_ids(reads, [row[0] for row in await reads.all(_PREVIEWED, {"limit": limit})])
    matches = []
    for build in sorted(looked, key=lambda b: b.id, reverse=True):
        stages = [stage.name for stage in build.stages if stage.failed]
        pieces = await log_excerpts(reads, build.id, HEAD_BYTES, TAIL_BYTES)
        tried = await asyncio.to_thread(classify, [cause], pieces, stages)
        if tried.cause is not None:
            matches.append(PreviewMatch(build, tried.line))
    return len(looked), matches


def _classify_each(
    causes: Sequence[FailureCause], searched: Sequence[tuple[Sequence[tuple[int, str]], Sequence[str]]]
) -> list[Classification]:
    """``classify`` for each failed build's (log pieces, failed stages): one worker thread's work."""
    return [classify(causes, pieces, failed_stages) for pieces, failed_stages in searched]


async def classify_builds(work: Write, build_ids: Sequence[int]) -> None:
    """Set each build's ``failure_category`` and the line it rests on (``failure_line``) from its log and stages.

    Call it when builds finish (or their logs are complete). A build whose
    category changes gets a ``build.classified`` event. Builds that do not
    exist are skipped; nothing is raised for them.
    """
    reads = work
    causes = await all_causes(reads)
    happened: list[NewEvent] = []
    changed: list[dict[str, object]] = []
    stored = await _worth_a_look(work, build_ids)
    looked = await builds_by_row_ids(reads, list(stored))
    failed = [b for b in looked if b.result in FAILED_RESULTS]
    # Logs that fit in the head and tail searched are read whole, all in one statement.
    small = await small_logs(reads, [b.id for b in failed if (b.log_bytes or 0) <= HEAD_BYTES + TAIL_BYTES])
    searched = [
        (
            [(0, small[b.id])] if b.id in small else await log_excerpts(reads, b.id, HEAD_BYTES, TAIL_BYTES),
            [stage.name for stage in b.stages if stage.failed],
        )
        for b in failed
    ]
    # All the searching in one worker thread: the event loop serves meanwhile, without a hand-over per build.
    classified_each = await asyncio.to_thread(_classify_each, causes, searched) if searched else []
    found = dict(zip((b.id for b in failed), classified_each, strict=True))
    for build in looked:
        classified = found.get(build.id)
        category = None if classified is None else classified.category
        line = (None, None) if classified is None else (classified.line, classified.line_at)
        if (category, *line) == (build.failure_category, *stored[build.id]):
            continue
        changed.append({"build_id": build.id, "category": category, "line": line[0], "line_at": line[1]})
        if category == build.failure_category:
            continue  # the same category, shown by another line (the causes changed): no news
        payload = ClassifiedPayload(
            build.public_id,
            None if build.job_id is None else job_public_id(build.job_id),
            build.number,
            build.result,
            category,
        )
        happened.append(
            NewEvent("build.classified", "build", build.public_id, build.project_id, msgspec.to_builtins(payload))
        )
    if changed:
        await work.execute(_SET_CATEGORY, changed)
    await record_events(work, happened)


_SET_CATEGORY = (
    builds.update()
    .where(builds.c.id == sa.bindparam("build_id"))
    .values(
        failure_category=sa.bindparam("category"),
        failure_line=sa.bindparam("line"),
        failure_line_at=sa.bindparam("line_at"),
    )
)
_WORTH_A_LOOK = (
    sa.select(builds.c.id, builds.c.failure_line, builds.c.failure_line_at)
    .where(
        in_json_list(builds.c.id, sa.bindparam("ids")),
        sa.or_(
            builds.c.result.in_(sorted(FAILED_RESULTS)),
            builds.c.status.in_(("failed", "cancelled")),
            builds.c.failure_category.is_not(None),
        ),
    )
    .order_by(builds.c.id)
)


async def _worth_a_look(work: Write, build_ids: Sequence[int]) -> dict[int, tuple[str | None, int | None]]:
    """Those of ``build_ids`` that failed or have a category, each with its stored line and where it starts.

    A passing build without a category stays as it is.
    """
    rows = await work.execute(_WORTH_A_LOOK, {"ids": json_list(list(build_ids))})
    return {row[0]: (row[1], row[2]) for row in rows}


_MATCHED_LINE = sa.select(builds.c.failure_line, builds.c.failure_line_at).where(
    builds.c.id == sa.bindparam("build_id")
)


async def matched_line(reads: Reads, build_id: int) -> tuple[str, int] | None:
    """The log line that gave the build its failure category and the byte where it starts, or ``None``.

    ``None`` when the build did not fail, no cause applies, the cause names
    only a failed stage, or it was classified before lines were stored.
    """
    row = await reads.first(_MATCHED_LINE, {"build_id": build_id})
    if row is None or not row[0] or row[1] is None:
        return None
    return str(row[0]), int(row[1])


_RECENT_FAILED = (
    sa.select(builds.c.id)
    .where(builds.c.result.in_(sorted(FAILED_RESULTS)), builds.c.deleted == sa.false())
    .order_by(builds.c.id.desc())
    .limit(sa.bindparam("limit"))
)


async def reclassify_recent(work: Write, limit: int = RECLASSIFY_LIMIT) -> int:
    """Classify the newest ``limit`` failed builds again (after the causes changed); returns how many."""
    build_ids = [row[0] for row in await work.execute(_RECENT_FAILED, {"limit": limit})]
    await classify_builds(work, build_ids)
    return len(build_ids)


def _breakdown(*, one_job: bool) -> sa.Select[Any]:
    count = sa.func.count()
    started = sa.func.coalesce(builds.c.started_at, builds.c.finished_at, builds.c.created_at)
    select = sa.select(builds.c.failure_category, count).where(
        builds.c.job_id.is_not(None),
        builds.c.failure_category.is_not(None),
        builds.c.deleted == sa.false(),
        started >= sa.bindparam("start"),
        started < sa.bindparam("end"),
    )
    if one_job:
        select = select.where(builds.c.job_id == sa.bindparam("job_id"))
    return select.group_by(builds.c.failure_category).order_by(count.desc(), builds.c.failure_category)


_BREAKDOWN, _BREAKDOWN_OF_JOB = _breakdown(one_job=False), _breakdown(one_job=True)


async def failure_breakdown(
    reads: Reads, start: datetime, end: datetime, job_id: int | None = None
) -> list[tuple[str, int]]:
    """How many failed Jenkins builds fell in each failure category, most first.

    Builds count by the moment they started (as in the rollups), from
    ``start`` (inclusive) to ``end`` (exclusive); ``job_id`` keeps one job's.
    """
    params: dict[str, object] = {"start": start, "end": end}
    if job_id is not None:
        params["job_id"] = job_id
    rows = await reads.all(_BREAKDOWN if job_id is None else _BREAKDOWN_OF_JOB, params)
    return [(str(row[0]), int(row[1])) for row in rows]
