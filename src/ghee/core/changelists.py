"""Changelists: what a Perforce change-commit trigger or a git hook reports."""

from __future__ import annotations

import re
from datetime import datetime

import msgspec
import sqlalchemy as sa

from ghee import ids
from ghee.clock import utcnow
from ghee.core.asset_types import infer_asset_type
from ghee.core.assets import FILE_ACTIONS, touch_assets
from ghee.core.events import record_event
from ghee.core.inputs import check_free_text, check_label, check_moment
from ghee.core.inserts import insert_unless_taken
from ghee.core.paging import Slice, Window, cut
from ghee.db.database import Write
from ghee.db.functions import json_rows
from ghee.db.reads import Reads, Row, as_datetime
from ghee.db.tables import changelist_files, changelists
from ghee.errors import Conflict, Invalid, NotFound

MAX_FILES = 10_000
MAX_PATH = 1024
MAX_NUMBER = 2**63 - 1  # a BIGINT column
MAX_AUTHOR = 200
NEXT_NUMBER_TRIES = 20  # a git commit's number is the project's next; other commits may take it first
# A git commit id: SHA-1 (40) or SHA-256 (64) hexadecimal digits.
_REVISION = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
# cl_<number>, or cl_<number>_<project code> when another project had the number first.
_PUBLIC_ID = re.compile(r"cl_[1-9][0-9]{0,18}(?:_[0-9a-z]{8})?")


class FileChange(msgspec.Struct, frozen=True):
    """One file of a changelist."""

    path: str
    action: str


class Changelist(msgspec.Struct, frozen=True):
    """One changelist and its files."""

    id: int
    project_id: int
    number: int
    public_id: str
    author: str
    description: str
    submitted_at: datetime
    created_at: datetime
    files: list[FileChange] = []
    revision: str | None = None


class NewChangelist(msgspec.Struct, frozen=True):
    """What a VCS hook sends: a Perforce change has its ``number``; a git commit its ``revision`` (commit id).

    A changelist with a revision and no number is numbered after the
    project's newest, so ``changelist=latest`` and patch notes follow git
    pushes as they follow Perforce submits.
    """

    number: int | None
    author: str
    description: str = ""
    submitted_at: datetime | None = None
    files: list[FileChange] = []
    revision: str | None = None


def _validate(new: NewChangelist) -> tuple[NewChangelist, dict[str, tuple[str, str]]]:
    """``new`` normalised (author stripped, time in UTC) and ``{path: (asset type, action)}``."""
    if new.number is None and new.revision is None:
        raise Invalid("number", "is required (or a git commit's revision, which ghee numbers)")
    if new.number is not None and not 1 <= new.number <= MAX_NUMBER:
        raise Invalid("number", f"must be a positive integer up to {MAX_NUMBER}")
    revision = None if new.revision is None else new.revision.lower()
    if revision is not None and not _REVISION.fullmatch(revision):
        raise Invalid("revision", "must be a git commit id: 40 or 64 hexadecimal digits")
    checked = msgspec.structs.replace(
        new,
        revision=revision,
        author=check_label("author", new.author, MAX_AUTHOR),
        description=check_free_text("description", new.description),
        submitted_at=check_moment("submitted_at", new.submitted_at) if new.submitted_at else None,
    )
    if len(new.files) > MAX_FILES:
        raise Invalid("files", f"at most {MAX_FILES} files per changelist")
    changes: dict[str, tuple[str, str]] = {}
    for index, change in enumerate(new.files):
        if change.action not in FILE_ACTIONS:
            raise Invalid(f"files[{index}].action", f"must be one of {', '.join(FILE_ACTIONS)}")
        if not change.path.strip() or len(change.path) > MAX_PATH or "\x00" in change.path:
            raise Invalid(f"files[{index}].path", "must be a depot path of 1 to 1024 characters")
        changes[change.path] = (infer_asset_type(change.path), change.action)
    return checked, changes


def _public_ids(number: int, project_id: int) -> tuple[str, str]:
    # The seed names changelists cl_<number>; Perforce numbers are unique per
    # server, but two projects fed by different servers may share a number, and
    # the second one then gets a suffix naming its project.
    plain = f"cl_{number}"
    return plain, f"{plain}_{ids.encode('proj', project_id).removeprefix('proj_')}"


async def record_changelist(work: Write, project_id: int, new: NewChangelist) -> tuple[Changelist, bool]:
    """Store a submitted changelist and touch its assets; returns it and whether it is new.

    Re-posting a number, or a revision (git commit id), the project already
    has returns the stored changelist unchanged (hooks retry, hosts
    re-deliver). A revision without a number gets the project's next number.
    Raises ``Invalid`` for malformed input, ``Conflict`` when the number
    given already holds another commit.
    """
    new, changes = _validate(new)
    known = await _already_stored(work, project_id, new)
    if known is not None:
        return known, False
    now = utcnow()
    submitted_at = new.submitted_at or now
    stored: tuple[int, str] | Changelist | None = None
    for _ in range(1 if new.number is not None else NEXT_NUMBER_TRIES):
        number = new.number or await _next_number(work, project_id)
        stored = await _insert(work, project_id, number, new, (submitted_at, now))
        if stored is not None:
            break
    if isinstance(stored, Changelist):
        return stored, False
    if stored is None:
        raise Conflict(f"changelist number {number} holds another change; try again")
    row_id, public_id = stored
    asset_ids = await touch_assets(work, project_id, changes)
    if changes:
        await work.execute(
            changelist_files.insert(),
            [
                {"changelist_id": row_id, "asset_id": asset_ids[path], "path": path, "action": action}
                for path, (_, action) in changes.items()
            ],
        )
    changelist = Changelist(
        id=row_id,
        project_id=project_id,
        number=number,
        public_id=public_id,
        author=new.author,
        description=new.description,
        submitted_at=submitted_at,
        created_at=now,
        files=[FileChange(path=path, action=action) for path, (_, action) in changes.items()],
        revision=new.revision,
    )
    await record_event(
        work,
        "changelist.created",
        resource_type="changelist",
        resource_id=public_id,
        project_id=project_id,
        payload={"id": public_id, "number": number, "author": changelist.author, "files": len(changes)},
    )
    return changelist, True


async def _already_stored(reads: Reads, project_id: int, new: NewChangelist) -> Changelist | None:
    """The stored changelist ``new`` repeats (same revision, or same number), if any.

    Raises ``Conflict`` when ``new``'s number holds a commit other than ``new``'s revision.
    """
    if new.revision is not None and (found := await _find_revision(reads, project_id, new.revision)) is not None:
        return found
    if new.number is None:
        return None
    found = await _find(reads, project_id, new.number)
    if found is not None and None not in (found.revision, new.revision):
        raise Conflict(f"changelist {new.number} is commit {found.revision}, not {new.revision}")
    return found


async def _next_number(reads: Reads, project_id: int) -> int:
    row = await reads.first(_NEXT_NUMBER, {"project_id": project_id})
    return int(row[0]) if row is not None else 1


async def _insert(
    work: Write, project_id: int, number: int, new: NewChangelist, times: tuple[datetime, datetime]
) -> tuple[int, str] | Changelist | None:
    """Insert ``new`` as ``number`` unless a unique key is taken; see what it returns below.

    Returns its row id and public id when stored, the stored changelist when
    another delivery of the same change won a race, ``None`` when the number
    holds another change. ``times`` are its submission time and now.
    """
    plain, suffixed = _public_ids(number, project_id)
    taken = await work.scalar(sa.select(changelists.c.id).where(changelists.c.public_id == plain))
    for public_id in (plain, suffixed) if taken is None else (suffixed,):
        row_id = await work.scalar(
            insert_unless_taken(work, changelists)
            .values(
                project_id=project_id,
                number=number,
                public_id=public_id,
                author=new.author,
                description=new.description,
                submitted_at=times[0],
                created_at=times[1],
                revision=new.revision,
            )
            .returning(changelists.c.id)
        )
        if row_id is not None:
            return row_id, public_id
        # Two deliveries of the same change raced and the other one won, another change took the
        # number (a git commit numbered at the same time), or another project took the plain id.
        if new.revision is not None:
            raced = await _find_revision(work, project_id, new.revision)
        else:
            raced = await _find(work, project_id, number)
        if raced is not None:
            return raced
        if await changelist_id_for(work, project_id, number) is not None:
            return None
    raise Conflict(f"changelist id {suffixed!r} is taken; try again")


# A changelist as read: its columns in ``Changelist``'s order, then (where its
# files are wanted) the files as one JSON text of [id, path, action] arrays, one
# row per changelist (see ``ghee.core.builds``).
_COLUMNS = (
    changelists.c.id,
    changelists.c.project_id,
    changelists.c.number,
    changelists.c.public_id,
    changelists.c.author,
    changelists.c.description,
    changelists.c.submitted_at,
    changelists.c.created_at,
    changelists.c.revision,
)
_FILES = (
    sa.select(json_rows(changelist_files.c.id, changelist_files.c.path, changelist_files.c.action))
    .where(changelist_files.c.changelist_id == changelists.c.id)
    .scalar_subquery()
)
_FILE_ROWS = msgspec.json.Decoder(list[tuple[int, str, str]] | None)
_WITH_FILES = sa.select(*_COLUMNS, _FILES)

_BY_NUMBER = _WITH_FILES.where(
    changelists.c.project_id == sa.bindparam("project_id"), changelists.c.number == sa.bindparam("number")
)
_BY_PUBLIC_ID = _WITH_FILES.where(changelists.c.public_id == sa.bindparam("public_id"))
_BY_ROW_ID = _WITH_FILES.where(changelists.c.id == sa.bindparam("row_id"))
_PAGE = (
    _WITH_FILES.where(changelists.c.project_id == sa.bindparam("project_id"))
    .order_by(changelists.c.number.desc())
    .limit(sa.bindparam("limit"))
    .offset(sa.bindparam("offset"))
)
_LATEST = (
    sa.select(*_COLUMNS)
    .where(changelists.c.project_id == sa.bindparam("project_id"))
    .order_by(changelists.c.number.desc())
    .limit(1)
)
_BY_REVISION = _WITH_FILES.where(
    changelists.c.project_id == sa.bindparam("project_id"), changelists.c.revision == sa.bindparam("revision")
)
_NEXT_NUMBER = sa.select(sa.func.coalesce(sa.func.max(changelists.c.number), 0) + 1).where(
    changelists.c.project_id == sa.bindparam("project_id")
)
_ROW_ID_OF_NUMBER = sa.select(changelists.c.id).where(
    changelists.c.project_id == sa.bindparam("project_id"), changelists.c.number == sa.bindparam("number")
)


def _changelist(row: Row) -> Changelist:
    """A row of ``_COLUMNS``, with its files when the row carries them (``_WITH_FILES``)."""
    row_id, project_id, number, public_id, author, description, submitted_at, created_at, revision = row[:9]
    files: list[FileChange] = []
    if len(row) > len(_COLUMNS) and row[9] is not None:
        listed = _FILE_ROWS.decode(row[9])
        if listed:
            listed.sort()  # by id: the order the hook sent them in
            files = [FileChange(path, action) for _, path, action in listed]
    return Changelist(
        row_id,
        project_id,
        number,
        public_id,
        author,
        description,
        as_datetime(submitted_at),  # type: ignore[arg-type]
        as_datetime(created_at),  # type: ignore[arg-type]
        files,
        revision,
    )


async def _find(reads: Reads, project_id: int, number: int) -> Changelist | None:
    row = await reads.first(_BY_NUMBER, {"project_id": project_id, "number": number})
    return None if row is None else _changelist(row)


async def _find_revision(reads: Reads, project_id: int, revision: str) -> Changelist | None:
    row = await reads.first(_BY_REVISION, {"project_id": project_id, "revision": revision})
    return None if row is None else _changelist(row)


async def get_changelist(reads: Reads, public_id: str, only: int | None = None) -> Changelist:
    """The changelist ``cl_<number>`` with its files; raises ``NotFound`` if missing or outside ``only``."""
    if not _PUBLIC_ID.fullmatch(public_id):
        raise NotFound("changelist", public_id)
    row = await reads.first(_BY_PUBLIC_ID, {"public_id": public_id})
    if row is None:
        raise NotFound("changelist", public_id)
    changelist = _changelist(row)
    if only is not None and changelist.project_id != only:
        raise NotFound("changelist", public_id)
    return changelist


async def get_changelist_by_row_id(reads: Reads, row_id: int) -> Changelist | None:
    """The changelist stored as row ``row_id`` with its files (a build's ``changelist_id``), or ``None``."""
    row = await reads.first(_BY_ROW_ID, {"row_id": row_id})
    return None if row is None else _changelist(row)


async def list_changelists(reads: Reads, project_id: int, window: Window) -> Slice[Changelist]:
    """A project's changelists, newest number first, each with its files."""
    params = {"project_id": project_id, "limit": window.limit + 1, "offset": window.offset}
    return cut([_changelist(row) for row in await reads.all(_PAGE, params)], window)


async def latest_changelist(reads: Reads, project_id: int) -> Changelist | None:
    """The project's highest-numbered changelist, without files, or ``None``."""
    row = await reads.first(_LATEST, {"project_id": project_id})
    return None if row is None else _changelist(row)


async def changelist_id_for(reads: Reads, project_id: int, number: int) -> int | None:
    """The row id of the project's changelist ``number``, if ghee has it."""
    row = await reads.first(_ROW_ID_OF_NUMBER, {"project_id": project_id, "number": number})
    return None if row is None else int(row[0])
