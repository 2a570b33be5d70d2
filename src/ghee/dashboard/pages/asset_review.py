"""Assets: a project's review queue (``/assets?project=prj_...``) and an asset's page with its history.

Reviews go through ``core.assets.set_approval_status``, as ``PATCH /v1/assets/{id}`` does.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Request, Response, get, post
from litestar.params import Parameter
from litestar.response import Redirect, Template

from ghee.core.asset_types import ASSET_TYPES
from ghee.core.assets import APPROVAL_STATUSES, AssetFilter, asset_history, get_asset, list_assets, set_approval_status
from ghee.core.events import EventFilter, recent_events
from ghee.core.paging import Window
from ghee.core.projects import get_project, list_projects, project_public_id
from ghee.dashboard.nav import NavItem, add_nav
from ghee.dashboard.web import form_fields, local_path, render
from ghee.db.database import Database
from ghee.errors import Invalid

ASSETS_PER_PAGE = 50
PROJECTS_PER_PAGE = 50
HISTORY = 100
"""Revisions and review decisions shown on an asset's page (the newest)."""
_MAX_PREFIX = 1000

DECISIONS = (("approved", "Approve", "a"), ("rejected", "Reject", "r"), ("needs_changes", "Needs changes", "n"))
"""The review buttons: the status each sets, its label, its keyboard shortcut."""
LABELS = {"pending": "pending", "approved": "approved", "rejected": "rejected", "needs_changes": "needs changes"}

add_nav(NavItem("Assets", "/assets", order=30))


@get("/assets")
async def assets_page(  # noqa: PLR0913 (the page's query arguments)
    request: Request[Any, Any, Any],
    db: Database,
    project: str | None = None,
    path: str = Parameter(default="", max_length=_MAX_PREFIX),
    status: str = Parameter(default="pending", max_length=100),
    page: int = Parameter(default=1, ge=1, le=100_000),
) -> Template:
    """Without ``project``: the projects to review. With it: that project's assets, filtered, by path."""
    reads = db.read()
    asset_type = str(request.query_params.get("type") or "")[:100]  # ``type`` would shadow the builtin
    if not project:
        projects = await list_projects(reads, Window(PROJECTS_PER_PAGE, (page - 1) * PROJECTS_PER_PAGE))
        return render(
            request,
            "pages/assets_projects.html",
            title="Assets",
            projects=projects.items,
            page=page,
            has_more=projects.has_more,
        )
    found = await get_project(reads, project)
    filters = {"project": found.public_id, "path": path, "type": asset_type, "status": status}
    error = ""
    items: list[Any] = []
    has_more = False
    try:
        listed = await list_assets(
            reads,
            found.id,
            AssetFilter(path_prefix=path or None, type=asset_type or None, status=status or None),
            Window(ASSETS_PER_PAGE, (page - 1) * ASSETS_PER_PAGE),
        )
        items, has_more = listed.items, listed.has_more
    except Invalid as exc:
        error = f"The {exc.field} filter {exc.problem}."
    here = "/assets?" + urlencode({**filters, "page": page})
    return render(
        request,
        "pages/assets.html",
        status_code=400 if error else 200,
        title=f"Assets · {found.name}",
        project=found,
        assets=items,
        filters=filters,
        query=urlencode(filters),
        here=here,
        page=page,
        has_more=has_more,
        error=error,
        types=ASSET_TYPES,
        statuses=APPROVAL_STATUSES,
        labels=LABELS,
        decisions=DECISIONS,
    )


@get("/assets/{asset_id:str}")
async def asset_page(request: Request[Any, Any, Any], db: Database, asset_id: str) -> Template:
    """One asset: its status, the changelists that made its revisions, and its review decisions."""
    reads = db.read()
    asset = await get_asset(reads, asset_id)
    touches = await asset_history(reads, asset.id, HISTORY)
    reviews = await recent_events(
        reads,
        EventFilter(type="asset.approval_changed", resource_type="asset", resource_id=asset.public_id),
        HISTORY,
    )
    project = await get_project(reads, project_public_id(asset.project_id))
    return render(
        request,
        "pages/asset.html",
        title=asset.path,
        asset=asset,
        project=project,
        touches=touches,
        reviews=reviews,
        labels=LABELS,
        decisions=DECISIONS,
        here=f"/assets/{asset.public_id}",
    )


@post("/assets/{asset_id:str}/review")
async def review_asset(request: Request[Any, Any, Any], db: Database, asset_id: str) -> Response[Any]:
    """Set an asset's review status. A script asking for JSON gets the asset back; a form goes back where it was.

    Any signed-in user may review (the router's guard), as any write token may on ``/v1``.
    """
    fields = await form_fields(request)
    status = str(fields.get("status", ""))
    async with db.write() as work:
        asset = await get_asset(work, asset_id)
        updated = await set_approval_status(work, asset, status)
    if "application/json" in request.headers.get("accept", ""):
        return Response(
            {
                "id": updated.public_id,
                "path": updated.path,
                "approval_status": updated.approval_status,
                "label": LABELS[updated.approval_status],
            }
        )
    back = local_path(str(fields.get("next", "")), f"/assets/{updated.public_id}")
    return Redirect(back, status_code=303)


ROUTES = [assets_page, asset_page, review_asset]
