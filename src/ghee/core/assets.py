"""Assets: every depot path a changelist touches, with its review status."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any, TypeVar

import msgspec
import sqlalchemy as sa

from ghee import ids
from ghee.clock import utcnow
from ghee.core.asset_types import ASSET_TYPES
from ghee.core.events import record_event
from ghee.core.inputs import check_free_text
from ghee.core.inserts import insert_unless_taken
from ghee.core.paging import Slice, Window, cut
from ghee.db.database import Write
from ghee.db.reads import Reads, Row, as_datetime
from ghee.db.tables import assets, changelist_files, changelists
from ghee.errors import Invalid, NotFound

APPROVAL_STATUSES = ("pending", "approved", "rejected", "needs_changes")
# Perforce's file actions (``p4 describe``); git hooks map A/M/D/R onto them.
FILE_ACTIONS = ("add", "edit", "delete", "branch", "integrate", "move/add", "move/delete", "purge", "archive", "import")
DELETING_ACTIONS = frozenset({"delete", "move/delete", "purge", "archive"})

T = TypeVar("T")


class Asset(msgspec.Struct, frozen=True):
    """One asset row."""

    id: int
    project_id: int
    path: str
    type: str
    approval_status: str
    deleted: bool
    created_at: datetime
    updated_at: datetime

    @property
    def public_id(self) -> str:
        """``asset_...``."""
        return ids.encode("asset", self.id)


class AssetTouch(msgspec.Struct, frozen=True):
    """A changelist that touched an asset, and how."""

    changelist_public_id: str
    number: int
    author: str
    description: str
    submitted_at: datetime
    action: str


class AssetFilter(msgspec.Struct, frozen=True):
    """Filters of the asset list; ``None`` means no filter."""

    path_prefix: str | None = None
    type: str | None = None
    status: str | None = None
    include_deleted: bool = False


def check_asset_type(asset_type: str) -> str:
    """Return ``asset_type`` if ghee infers it for some path, else raise ``Invalid``."""
    if asset_type not in ASSET_TYPES:
        raise Invalid("type", f"must be one of {', '.join(ASSET_TYPES)}")
    return asset_type


def check_approval_status(status: str) -> str:
    """Return ``status`` if it is a review status, else raise ``Invalid``."""
    if status not in APPROVAL_STATUSES:
        raise Invalid("approval_status", f"must be one of {', '.join(APPROVAL_STATUSES)}")
    return status


_COLUMNS = (
    assets.c.id,
    assets.c.project_id,
    assets.c.path,
    assets.c.type,
    assets.c.approval_status,
    assets.c.deleted,
    assets.c.created_at,
    assets.c.updated_at,
)


def _asset(row: Row) -> Asset:
    row_id, project_id, path, asset_type, approval_status, deleted, created_at, updated_at = row
    return Asset(
        row_id,
        project_id,
        path,
        asset_type,
        approval_status,
        bool(deleted),  # 0/1 on SQLite's fast path
        as_datetime(created_at),  # type: ignore[arg-type]
        as_datetime(updated_at),  # type: ignore[arg-type]
    )


# LIKE's escape character: what SQLAlchemy's ``autoescape`` uses.
_ESCAPE = "/"


@cache
def _list_statement(prefix: bool, asset_type: bool, status: bool, include_deleted: bool) -> sa.Select[Any]:
    """A page of a project's assets by path, for one combination of filters."""
    query = sa.select(*_COLUMNS).where(assets.c.project_id == sa.bindparam("project_id"))
    if prefix:
        # LIKE narrows the rows (the pattern escapes % and _), but SQLite's LIKE
        # may ignore ASCII case; comparing the leading characters makes the
        # match exact on every backend.
        query = query.where(
            assets.c.path.like(sa.bindparam("pattern"), escape=_ESCAPE),
            sa.func.substr(assets.c.path, 1, sa.bindparam("prefix_length", type_=sa.Integer()))
            == sa.bindparam("prefix"),
        )
    if asset_type:
        query = query.where(assets.c.type == sa.bindparam("type"))
    if status:
        query = query.where(assets.c.approval_status == sa.bindparam("status"))
    if not include_deleted:
        query = query.where(assets.c.deleted.is_(False))
    return query.order_by(assets.c.path).limit(sa.bindparam("limit")).offset(sa.bindparam("offset"))


def _like_prefix(prefix: str) -> str:
    """A LIKE pattern matching what starts with ``prefix`` (its ``%``, ``_`` and escape character kept literal)."""
    for special in (_ESCAPE, "%", "_"):
        prefix = prefix.replace(special, _ESCAPE + special)
    return prefix + "%"


async def list_assets(reads: Reads, project_id: int, filters: AssetFilter, window: Window) -> Slice[Asset]:
    """A project's assets by path. Raises ``Invalid`` for an unknown type or status filter."""
    params: dict[str, object] = {"project_id": project_id, "limit": window.limit + 1, "offset": window.offset}
    if filters.path_prefix:
        prefix = check_free_text("path", filters.path_prefix)
        params |= {"pattern": _like_prefix(prefix), "prefix_length": len(prefix), "prefix": prefix}
    if filters.type:
        params["type"] = check_asset_type(filters.type)
    if filters.status:
        params["status"] = check_approval_status(filters.status)
    statement = _list_statement(
        bool(filters.path_prefix), bool(filters.type), bool(filters.status), filters.include_deleted
    )
    return cut([_asset(row) for row in await reads.all(statement, params)], window)


_ONE = sa.select(*_COLUMNS).where(assets.c.id == sa.bindparam("asset_id"))


async def get_asset(reads: Reads, public_id: str, only: int | None = None) -> Asset:
    """The asset ``asset_...``; raises ``NotFound`` if missing or outside project ``only``."""
    row = await reads.first(_ONE, {"asset_id": ids.decode("asset", public_id, "asset")})
    if row is None:
        raise NotFound("asset", public_id)
    asset = _asset(row)
    if only is not None and asset.project_id != only:
        raise NotFound("asset", public_id)
    return asset


_HISTORY = (
    sa.select(
        changelists.c.public_id,
        changelists.c.number,
        changelists.c.author,
        changelists.c.description,
        changelists.c.submitted_at,
        changelist_files.c.action,
    )
    .join(changelists, changelists.c.id == changelist_files.c.changelist_id)
    .where(changelist_files.c.asset_id == sa.bindparam("asset_id"))
    .order_by(changelists.c.number.desc())
    .limit(sa.bindparam("limit"))
)


async def asset_history(reads: Reads, asset_id: int, limit: int = 100) -> list[AssetTouch]:
    """The newest ``limit`` changelists that touched an asset, newest first."""
    return [
        AssetTouch(public_id, number, author, description, as_datetime(submitted_at), action)  # type: ignore[arg-type]
        for public_id, number, author, description, submitted_at, action in await reads.all(
            _HISTORY, {"asset_id": asset_id, "limit": limit}
        )
    ]


async def set_approval_status(work: Write, asset: Asset, status: str) -> Asset:
    """Record a review decision; emits ``asset.approval_changed`` when it changes. Raises ``Invalid``.

    ``asset`` may have been read before ``work`` began: another review may
    have changed it since, so the decision is judged against the status the
    row has when it is written (each event's ``previous_status`` is the one it
    really replaced), as ``report_build`` judges a build's report.
    """
    check_approval_status(status)
    while status != asset.approval_status:
        changed = await _change_status(work, asset, status)
        if changed is not None:
            return changed
        asset = await _current(work, asset)
    return asset


async def _change_status(work: Write, asset: Asset, status: str, *, deleted: bool | None = None) -> Asset | None:
    """Write ``status`` (and ``deleted`` if given) if the row's status is still ``asset``'s.

    Returns the row as written, or ``None`` when another write changed the
    status since ``asset`` was read. A compare-and-set rather than a lock: on
    PostgreSQL the UPDATE waits for a concurrent writer of the row, then
    matches nothing if it left another status; on SQLite the write lock the
    UPDATE takes already orders the writers.
    """
    values: dict[str, object] = {"approval_status": status, "updated_at": utcnow()}
    if deleted is not None:
        values["deleted"] = deleted
    written = await work.first(
        assets.update()
        .where(assets.c.id == asset.id, assets.c.approval_status == asset.approval_status)
        .values(values)
        .returning(*_COLUMNS)
    )
    if written is None:
        return None
    changed = _asset(written)
    if status != asset.approval_status:
        await _approval_changed(work, changed, previous=asset.approval_status)
    return changed


async def _current(work: Write, asset: Asset) -> Asset:
    """``asset`` as it is now, read in ``work``."""
    row = await work.first(_ONE, {"asset_id": asset.id})
    if row is None:  # assets are marked deleted, never removed; a purge of the project would cascade here
        raise NotFound("asset", asset.public_id)
    return _asset(row)


async def _approval_changed(work: Write, asset: Asset, previous: str) -> None:
    await record_event(
        work,
        "asset.approval_changed",
        resource_type="asset",
        resource_id=asset.public_id,
        project_id=asset.project_id,
        payload={
            "id": asset.public_id,
            "path": asset.path,
            "approval_status": asset.approval_status,
            "previous_status": previous,
        },
    )


async def touch_assets(work: Write, project_id: int, changes: dict[str, tuple[str, str]]) -> dict[str, int]:
    """Create or update the assets for ``{path: (asset_type, action)}``; returns ``{path: asset id}``.

    A deleting action marks the asset deleted; any other brings it back. A new
    revision of a reviewed asset needs a new review, so its status returns to
    ``pending`` (with an ``asset.approval_changed`` event).
    """
    now = utcnow()
    result = await _insert_new_assets(work, project_id, changes, now)
    touched = [path for path in changes if path not in result]
    for batch in _batches(touched):
        rows = await work.execute(
            sa.select(*_COLUMNS).where(assets.c.project_id == project_id, assets.c.path.in_(batch))
        )
        for row in rows:
            asset = _asset(row)
            await _revise(work, asset, deleted=changes[asset.path][1] in DELETING_ACTIONS)
            result[asset.path] = asset.id
    return result


_BATCH = 1000  # rows per statement: 8 columns each stays under both databases' bind-parameter limits


def _batches(items: list[T]) -> list[list[T]]:
    return [items[start : start + _BATCH] for start in range(0, len(items), _BATCH)]


async def _insert_new_assets(
    work: Write, project_id: int, changes: dict[str, tuple[str, str]], now: datetime
) -> dict[str, int]:
    # A path another changelist is adding at the same moment is skipped here
    # (after waiting for it on PostgreSQL) and revised as an existing asset.
    rows = [
        {
            "project_id": project_id,
            "path": path,
            "type": asset_type,
            "approval_status": "pending",
            "deleted": action in DELETING_ACTIONS,
            "created_at": now,
            "updated_at": now,
        }
        for path, (asset_type, action) in changes.items()
    ]
    created: dict[str, int] = {}
    for batch in _batches(rows):
        statement = insert_unless_taken(work, assets).values(batch).returning(assets.c.id, assets.c.path)
        created.update((row.path, row.id) for row in await work.execute(statement))
    return created


async def _revise(work: Write, asset: Asset, *, deleted: bool) -> None:
    while await _change_status(work, asset, asset.approval_status if deleted else "pending", deleted=deleted) is None:
        asset = await _current(work, asset)
