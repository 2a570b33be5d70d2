"""Assets: every depot path a changelist touches, with its review status."""

from __future__ import annotations

from datetime import datetime
from typing import TypeVar

import msgspec
import sqlalchemy as sa

from ghee import ids
from ghee.clock import utcnow
from ghee.core.asset_types import ASSET_TYPES
from ghee.core.errors import Invalid, NotFound
from ghee.core.events import record_event
from ghee.core.inputs import check_free_text
from ghee.core.inserts import insert_unless_taken
from ghee.core.paging import Slice, Window, cut
from ghee.db.database import Write
from ghee.db.tables import assets, changelist_files, changelists

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


async def list_assets(work: Write, project_id: int, filters: AssetFilter, window: Window) -> Slice[Asset]:
    """A project's assets by path. Raises ``Invalid`` for an unknown type or status filter."""
    query = sa.select(assets).where(assets.c.project_id == project_id)
    if filters.path_prefix:
        prefix = check_free_text("path", filters.path_prefix)
        # LIKE narrows the rows (``autoescape`` keeps % and _ literal), but
        # SQLite's LIKE ignores ASCII case; comparing the leading characters
        # makes the match exact on every backend.
        query = query.where(
            assets.c.path.startswith(prefix, autoescape=True),
            sa.func.substr(assets.c.path, 1, len(prefix)) == prefix,
        )
    if filters.type:
        query = query.where(assets.c.type == check_asset_type(filters.type))
    if filters.status:
        query = query.where(assets.c.approval_status == check_approval_status(filters.status))
    if not filters.include_deleted:
        query = query.where(assets.c.deleted.is_(False))
    query = query.order_by(assets.c.path).limit(window.limit + 1).offset(window.offset)
    return cut([Asset(**row._mapping) for row in await work.execute(query)], window)


async def get_asset(work: Write, public_id: str, only: int | None = None) -> Asset:
    """The asset ``asset_...``; raises ``NotFound`` if missing or outside project ``only``."""
    row_id = ids.decode("asset", public_id, "asset")
    row = (await work.execute(sa.select(assets).where(assets.c.id == row_id))).first()
    if row is None or (only is not None and row.project_id != only):
        raise NotFound("asset", public_id)
    return Asset(**row._mapping)


async def asset_history(work: Write, asset_id: int, limit: int = 100) -> list[AssetTouch]:
    """The newest ``limit`` changelists that touched an asset, newest first."""
    query = (
        sa.select(
            changelists.c.public_id.label("changelist_public_id"),
            changelists.c.number,
            changelists.c.author,
            changelists.c.description,
            changelists.c.submitted_at,
            changelist_files.c.action,
        )
        .join(changelists, changelists.c.id == changelist_files.c.changelist_id)
        .where(changelist_files.c.asset_id == asset_id)
        .order_by(changelists.c.number.desc())
        .limit(limit)
    )
    return [AssetTouch(**row._mapping) for row in await work.execute(query)]


async def set_approval_status(work: Write, asset: Asset, status: str) -> Asset:
    """Record a review decision; emits ``asset.approval_changed`` when it changes. Raises ``Invalid``."""
    check_approval_status(status)
    if status == asset.approval_status:
        return asset
    now = utcnow()
    await work.execute(assets.update().where(assets.c.id == asset.id).values(approval_status=status, updated_at=now))
    updated = msgspec.structs.replace(asset, approval_status=status, updated_at=now)
    await _approval_changed(work, updated, previous=asset.approval_status)
    return updated


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
        rows = await work.execute(sa.select(assets).where(assets.c.project_id == project_id, assets.c.path.in_(batch)))
        for row in rows:
            asset = Asset(**row._mapping)
            await _revise(work, asset, deleted=changes[asset.path][1] in DELETING_ACTIONS, now=now)
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


async def _revise(work: Write, asset: Asset, *, deleted: bool, now: datetime) -> None:
    status = asset.approval_status if deleted else "pending"
    await work.execute(
        assets.update().where(assets.c.id == asset.id).values(deleted=deleted, approval_status=status, updated_at=now)
    )
    if status != asset.approval_status:
        changed = msgspec.structs.replace(asset, approval_status=status, deleted=deleted, updated_at=now)
        await _approval_changed(work, changed, previous=asset.approval_status)
