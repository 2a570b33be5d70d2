"""Deployments: a successful build pushed to a store platform and branch."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

import msgspec
import sqlalchemy as sa

from ghee import ids
from ghee.clock import utcnow
from ghee.core.builds.model import Build
from ghee.core.events import record_event
from ghee.core.inputs import check_filter, check_label
from ghee.core.paging import Slice, Window, cut
from ghee.core.projects import lock_project
from ghee.db.database import Write
from ghee.db.newest_first import newest_first, of_parent
from ghee.db.reads import Reads, Row, as_datetime
from ghee.db.tables import deployments
from ghee.errors import Conflict, Invalid, NotFound

MAX_PLATFORM = 60
MAX_BRANCH = 255
STATUSES = ("pending", "live", "failed", "superseded")
# pending → live | failed; a newer live deployment on the same target
# supersedes the live one (that move is ghee's, not a caller's).
_MOVES = {"pending": ("live", "failed")}


class Deployment(msgspec.Struct, frozen=True):
    """One deployment row."""

    id: int
    project_id: int
    build_id: int
    platform: str
    branch: str
    status: str
    created_at: datetime
    deployed_at: datetime | None
    superseded_at: datetime | None

    @property
    def public_id(self) -> str:
        """``deploy_...``."""
        return ids.encode("deploy", self.id)

    @property
    def build_public_id(self) -> str:
        """The ``build_...`` id of the deployed build."""
        return ids.encode("build", self.build_id)


class DeploymentFilter(msgspec.Struct, frozen=True):
    """Filters of the deployment list; ``None`` means no filter."""

    platform: str | None = None
    branch: str | None = None
    status: str | None = None


async def create_deployment(work: Write, build: Build, platform: str, branch: str) -> Deployment:
    """Start deploying ``build`` to ``platform``/``branch``; emits ``deployment.created``.

    Raises ``Conflict`` unless the build succeeded, ``Invalid`` for blank targets.
    """
    platform = check_label("platform", platform, MAX_PLATFORM)
    branch = check_label("branch", branch, MAX_BRANCH)
    if build.status != "success":
        raise Conflict(f"only a successful build can be deployed; this one is {build.status}")
    now = utcnow()
    values = {
        "project_id": build.project_id,
        "build_id": build.id,
        "platform": platform,
        "branch": branch,
        "status": "pending",
        "created_at": now,
        "deployed_at": None,
        "superseded_at": None,
    }
    row_id = (await work.execute(deployments.insert().values(**values).returning(deployments.c.id))).scalar_one()
    deployment = Deployment(id=row_id, **values)  # type: ignore[arg-type]
    await _emit(work, "deployment.created", deployment)
    return deployment


async def set_deployment_status(work: Write, deployment: Deployment, status: str) -> Deployment:
    """Move a pending deployment to ``live`` or ``failed``; emits ``deployment.live``/``deployment.failed``.

    Going live supersedes the previous live deployment on the same platform and
    branch. Raises ``Invalid`` for an unknown status and ``Conflict`` for a move
    the lifecycle does not allow.
    """
    if status not in STATUSES:
        raise Invalid("status", f"must be one of {', '.join(STATUSES)}")
    if status == deployment.status:
        return deployment
    if status not in _MOVES.get(deployment.status, ()):
        raise Conflict(f"a {deployment.status} deployment cannot become {status}")
    now = utcnow()
    if status == "live":
        await lock_project(work, deployment.project_id)  # two go-lives on one target take turns, so one stays live
    deployed_at = now if status == "live" else None
    moved = await work.execute(
        deployments.update()
        .where(deployments.c.id == deployment.id, deployments.c.status == deployment.status)
        .values(status=status, deployed_at=deployed_at)
    )
    if moved.rowcount != 1:
        # Another request moved it since it was read: judge this move against where it is now.
        current = await _deployment_by_row_id(work, deployment.id, deployment.public_id)
        return await set_deployment_status(work, current, status)
    if status == "live":
        await work.execute(
            deployments.update()
            .where(
                deployments.c.project_id == deployment.project_id,
                deployments.c.platform == deployment.platform,
                deployments.c.branch == deployment.branch,
                deployments.c.status == "live",
                deployments.c.id != deployment.id,
            )
            .values(status="superseded", superseded_at=now)
        )
    updated = msgspec.structs.replace(deployment, status=status, deployed_at=deployed_at)
    await _emit(work, f"deployment.{status}", updated)
    return updated


_COLUMNS = [deployments.c[name] for name in Deployment.__struct_fields__]


def _deployment(row: Row) -> Deployment:
    row_id, project_id, build_id, platform, branch, status, created_at, deployed_at, superseded_at = row
    return Deployment(
        row_id,
        project_id,
        build_id,
        platform,
        branch,
        status,
        as_datetime(created_at),  # type: ignore[arg-type]
        as_datetime(deployed_at),
        as_datetime(superseded_at),
    )


async def get_deployment(reads: Reads, public_id: str, only: int | None = None) -> Deployment:
    """The deployment ``deploy_...``; raises ``NotFound`` if missing or outside project ``only``."""
    deployment = await _deployment_by_row_id(reads, ids.decode("deploy", public_id, "deployment"), public_id)
    if only is not None and deployment.project_id != only:
        raise NotFound("deployment", public_id)
    return deployment


_ONE = sa.select(*_COLUMNS).where(deployments.c.id == sa.bindparam("deployment_id"))


async def _deployment_by_row_id(reads: Reads, row_id: int, public_id: str) -> Deployment:
    row = await reads.first(_ONE, {"deployment_id": row_id})
    if row is None:
        raise NotFound("deployment", public_id)
    return _deployment(row)


@cache
def _list_statement(platform: bool, branch: bool, status: bool) -> sa.Select[Any]:
    """A page of a project's deployments, newest first, for one combination of filters."""
    query = sa.select(*_COLUMNS).where(of_parent(deployments.c.project_id, sa.bindparam("project_id")))
    if platform:
        query = query.where(deployments.c.platform == sa.bindparam("platform"))
    if branch:
        query = query.where(deployments.c.branch == sa.bindparam("branch"))
    if status:
        query = query.where(deployments.c.status == sa.bindparam("status"))
    query = query.order_by(*newest_first(deployments.c.project_id, deployments.c.id))
    return query.limit(sa.bindparam("limit")).offset(sa.bindparam("offset"))


async def list_deployments(
    reads: Reads, project_id: int, filters: DeploymentFilter, window: Window
) -> Slice[Deployment]:
    """A project's deployments, newest first. Raises ``Invalid`` for an unknown status filter."""
    params: dict[str, object] = {"project_id": project_id, "limit": window.limit + 1, "offset": window.offset}
    if filters.platform is not None:
        params["platform"] = check_filter("platform", filters.platform)
    if filters.branch is not None:
        params["branch"] = check_filter("branch", filters.branch)
    if filters.status is not None:
        if filters.status not in STATUSES:
            raise Invalid("status", f"must be one of {', '.join(STATUSES)}")
        params["status"] = filters.status
    statement = _list_statement(filters.platform is not None, filters.branch is not None, filters.status is not None)
    return cut([_deployment(row) for row in await reads.all(statement, params)], window)


_LIVE = (
    sa.select(*_COLUMNS)
    .where(deployments.c.project_id == sa.bindparam("project_id"), deployments.c.status == "live")
    .order_by(deployments.c.id.desc())
)


async def live_deployments(reads: Reads, project_id: int) -> list[Deployment]:
    """What is live: the newest ``live`` deployment of each platform and branch, by platform then branch."""
    latest: dict[tuple[str, str], Deployment] = {}
    for row in await reads.all(_LIVE, {"project_id": project_id}):
        deployment = _deployment(row)
        latest.setdefault((deployment.platform, deployment.branch), deployment)
    return [latest[target] for target in sorted(latest)]


_OF_BUILD = (
    sa.select(*_COLUMNS)
    .where(deployments.c.build_id == sa.bindparam("build_id"))
    .order_by(deployments.c.id.desc())
    .limit(sa.bindparam("limit"))
)


async def deployments_of_build(reads: Reads, build_id: int, limit: int = 50) -> list[Deployment]:
    """The newest ``limit`` deployments of build row ``build_id``."""
    return [_deployment(row) for row in await reads.all(_OF_BUILD, {"build_id": build_id, "limit": limit})]


async def _emit(work: Write, event_type: str, deployment: Deployment) -> None:
    await record_event(
        work,
        event_type,
        resource_type="deployment",
        resource_id=deployment.public_id,
        project_id=deployment.project_id,
        payload={
            "id": deployment.public_id,
            "build_id": deployment.build_public_id,
            "platform": deployment.platform,
            "branch": deployment.branch,
            "status": deployment.status,
        },
    )
