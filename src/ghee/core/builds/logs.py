"""A build's console text, read back from its zlib-compressed chunks a few at a time.

The sync stores the log as it fetches it: rows of ``build_log_chunks``, each
``length`` bytes of text starting at byte ``offset``. Readers ask for a byte
range and get it piece by piece, so a log of any size costs a few chunks of
memory.
"""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator

import sqlalchemy as sa

from ghee.db.functions import in_json_list, json_list
from ghee.db.reads import Reads
from ghee.db.tables import build_log_chunks

_BATCH = 8  # chunks per query: the sync stores chunks of up to a few hundred KB

_SIZE = (
    sa.select(build_log_chunks.c.offset + build_log_chunks.c.length)
    .where(build_log_chunks.c.build_id == sa.bindparam("build_id"))
    .order_by(build_log_chunks.c.offset.desc())
    .limit(1)
)
# The chunk holding byte ``start``: the last one starting at or before it.
_FIRST_OFFSET = (
    sa.select(build_log_chunks.c.offset)
    .where(build_log_chunks.c.build_id == sa.bindparam("build_id"), build_log_chunks.c.offset <= sa.bindparam("start"))
    .order_by(build_log_chunks.c.offset.desc())
    .limit(1)
)
_CHUNKS = (
    sa.select(build_log_chunks.c.offset, build_log_chunks.c.data)
    .where(
        build_log_chunks.c.build_id == sa.bindparam("build_id"),
        build_log_chunks.c.offset >= sa.bindparam("from_offset"),
        build_log_chunks.c.offset < sa.bindparam("end"),
    )
    .order_by(build_log_chunks.c.offset)
    .limit(_BATCH)
)


async def log_size(reads: Reads, build_id: int) -> int:
    """How many bytes of the build's console text are stored (0 when none)."""
    row = await reads.first(_SIZE, {"build_id": build_id})
    return int(row[0]) if row else 0


async def read_log(reads: Reads, build_id: int, start: int, end: int) -> AsyncIterator[bytes]:
    """Yield the stored console text from byte ``start`` up to byte ``end`` (exclusive), chunk by chunk."""
    if start >= end:
        return
    first = await reads.first(_FIRST_OFFSET, {"build_id": build_id, "start": start})
    from_offset = int(first[0]) if first else 0
    while True:
        rows = await reads.all(_CHUNKS, {"build_id": build_id, "from_offset": from_offset, "end": end})
        for offset, data in rows:
            text = zlib.decompress(data)
            low, high = max(start - offset, 0), min(end - offset, len(text))
            if low < high:
                yield text[low:high]
        if len(rows) < _BATCH:
            return
        from_offset = int(rows[-1][0]) + 1


_SMALL_LOGS = (
    sa.select(build_log_chunks.c.build_id, build_log_chunks.c.data)
    .where(in_json_list(build_log_chunks.c.build_id, sa.bindparam("ids")))
    .order_by(build_log_chunks.c.build_id, build_log_chunks.c.offset)
)


async def small_logs(reads: Reads, build_ids: list[int]) -> dict[int, str]:
    """The whole stored text of each build's log, in one statement: for logs known to be small only."""
    found: dict[int, list[bytes]] = {build_id: [] for build_id in build_ids}
    if build_ids:
        for build_id, data in await reads.all(_SMALL_LOGS, {"ids": json_list(sorted(set(build_ids)))}):
            found[build_id].append(zlib.decompress(data))
    return {build_id: b"".join(parts).decode("utf-8", errors="replace") for build_id, parts in found.items()}


async def log_excerpts(reads: Reads, build_id: int, head: int, tail: int) -> list[tuple[int, str]]:
    """The first ``head`` and last ``tail`` bytes of the log as text (one piece when they overlap), with offsets.

    Failures show at the end of a log and setup problems at its start, so
    scanning these bounds the work on a log of any size. Each piece comes as
    (the byte in the log where it starts, its text).
    """
    size = await log_size(reads, build_id)
    if size <= head + tail:
        return [await _text(reads, build_id, 0, size)]
    return [await _text(reads, build_id, 0, head), await _text(reads, build_id, size - tail, size)]


async def _text(reads: Reads, build_id: int, start: int, end: int) -> tuple[int, str]:
    """Bytes ``start`` to ``end`` as text; a piece starting inside a UTF-8 character starts at the next one."""
    raw = b"".join([piece async for piece in read_log(reads, build_id, start, end)])
    skip = 0
    while start and skip < min(3, len(raw)) and raw[skip] & 0xC0 == 0x80:  # noqa: PLR2004 (UTF-8 continuation bytes)
        skip += 1
    return start + skip, raw[skip:].decode("utf-8", errors="replace")


async def whole_log(reads: Reads, build_id: int) -> bytes:
    """The build's stored console text, whole (for tests and small logs: a reader of any size streams ``read_log``)."""
    return b"".join([piece async for piece in read_log(reads, build_id, 0, await log_size(reads, build_id))])
