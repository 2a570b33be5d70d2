"""Revisions: each publication of a post, page, collection item or content field keeps the live version it made.

A revision is numbered per post or entry from 1 and holds who published,
when, which fields changed from the version before, and the whole version
(JSON). The newest ``KEPT`` are kept. Restoring one makes it the working draft again (the callers in
``ghee.core.blog.drafts`` and ``ghee.core.content.entries`` decide how).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

import msgspec
import sqlalchemy as sa

from ghee.clock import utcnow
from ghee.core.paging import Window
from ghee.db.database import Write
from ghee.db.reads import Reads, as_datetime
from ghee.db.tables import content_revisions as revisions
from ghee.errors import NotFound

RevisionKind = Literal["post", "page", "item", "field"]
MAX_EDITOR = 200
KEPT = 100
"""Revisions kept per post or entry: publishing the 101st forgets the oldest (a body is up to 1 MB)."""

_ENCODE = msgspec.json.Encoder()
_SNAPSHOT = msgspec.json.Decoder(dict[str, Any])
_CHANGED = msgspec.json.Decoder(list[str])


class Revision(msgspec.Struct, frozen=True):
    """One publication: its number, who and when, the fields it changed, and the version it made live."""

    number: int
    editor: str
    created_at: datetime
    changed: list[str]
    snapshot: dict[str, Any]


def changed_fields(before: dict[str, Any] | None, after: dict[str, Any]) -> list[str]:
    """The keys whose values differ between two versions (every key of ``after`` when there is none before)."""
    if before is None:
        return sorted(after)
    return sorted(key for key in before.keys() | after.keys() if before.get(key) != after.get(key))


_LAST = (
    sa.select(revisions.c.number, revisions.c.snapshot)
    .where(revisions.c.kind == sa.bindparam("kind"), revisions.c.entry_id == sa.bindparam("entry_id"))
    .order_by(revisions.c.number.desc())
    .limit(1)
)


async def keep_revision(
    work: Write, kind: RevisionKind, entry_id: int, editor: str, snapshot: dict[str, Any]
) -> Revision:
    """Record that ``snapshot`` went live, as the next revision of ``entry_id``; returns it."""
    last = (await work.execute(_LAST, {"kind": kind, "entry_id": entry_id})).first()
    number = 1 if last is None else last[0] + 1
    changed = changed_fields(None if last is None else _SNAPSHOT.decode(last[1]), snapshot)
    now = utcnow()
    await work.execute(
        revisions.insert().values(
            kind=kind,
            entry_id=entry_id,
            number=number,
            editor=editor[:MAX_EDITOR],
            changed=_ENCODE.encode(changed).decode(),
            snapshot=_ENCODE.encode(snapshot).decode(),
            created_at=now,
        )
    )
    if number > KEPT:
        await work.execute(
            revisions.delete().where(
                revisions.c.kind == kind, revisions.c.entry_id == entry_id, revisions.c.number <= number - KEPT
            )
        )
    return Revision(number, editor[:MAX_EDITOR], now, changed, snapshot)


_COLUMNS = (revisions.c.number, revisions.c.editor, revisions.c.created_at, revisions.c.changed, revisions.c.snapshot)
_OF = (revisions.c.kind == sa.bindparam("kind"), revisions.c.entry_id == sa.bindparam("entry_id"))
_LIST = (
    sa.select(*_COLUMNS)
    .where(*_OF)
    .order_by(revisions.c.number.desc())
    .limit(sa.bindparam("limit"))
    .offset(sa.bindparam("offset"))
)
_COUNT = sa.select(sa.func.count()).select_from(revisions).where(*_OF)
_ONE = sa.select(*_COLUMNS).where(*_OF, revisions.c.number == sa.bindparam("number"))


def _revision(row: Any) -> Revision:  # noqa: ANN401 (a row of _COLUMNS)
    number, editor, created_at, changed, snapshot = row
    return Revision(number, editor, as_datetime(created_at), _CHANGED.decode(changed), _SNAPSHOT.decode(snapshot))  # type: ignore[arg-type]


async def list_revisions(reads: Reads, kind: RevisionKind, entry_id: int, window: Window) -> tuple[list[Revision], int]:
    """A page of ``entry_id``'s revisions, newest first, and how many there are."""
    params = {"kind": kind, "entry_id": entry_id}
    rows = await reads.all(_LIST, {**params, "limit": window.limit, "offset": window.offset})
    total = (await reads.first(_COUNT, params) or (0,))[0]
    return [_revision(row) for row in rows], int(total)


async def get_revision(reads: Reads, kind: RevisionKind, entry_id: int, number: int) -> Revision:
    """Revision ``number`` of ``entry_id``; raises ``NotFound``."""
    row = await reads.first(_ONE, {"kind": kind, "entry_id": entry_id, "number": number})
    if row is None:
        raise NotFound("revision", str(number))
    return _revision(row)


async def forget_revisions(work: Write, kind: RevisionKind, entry_id: int) -> None:
    """Delete every revision of ``entry_id`` (it was deleted)."""
    await work.execute(revisions.delete().where(revisions.c.kind == kind, revisions.c.entry_id == entry_id))
