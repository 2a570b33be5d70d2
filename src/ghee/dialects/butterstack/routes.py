"""ButterStack's routes: each parses, calls one piece of ``ghee.core`` and renders the seed's shape."""

from __future__ import annotations

from typing import Annotated, Literal

from litestar import Response, Router, get, patch, post
from litestar.middleware import DefineMiddleware
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import QueryParameter

from ghee.core import assets, changelists, deployments, projects
from ghee.core.builds import reads as build_reads
from ghee.core.builds import reports
from ghee.core.builds.model import Artifact, BuildFilter
from ghee.core.builds.trigger import trigger_build as queue_build
from ghee.core.paging import Window
from ghee.core.tokens import Principal
from ghee.db.database import Database
from ghee.dialects.butterstack.shapes import (
    ApprovalBody,
    AssetList,
    BuildList,
    BuildReportBody,
    ButterstackAssetDetail,
    ButterstackBuild,
    ButterstackChangelist,
    ButterstackDeployment,
    ButterstackError,
    ButterstackProject,
    ChangelistList,
    DeploymentList,
    DeploymentStatusBody,
    NewChangelistBody,
    NewDeploymentBody,
    NewProjectBody,
    ProjectList,
    TriggerBuildBody,
    asset_detail_shape,
    asset_shape,
    build_shape,
    changelist_shape,
    deployment_shape,
    project_shape,
)
from ghee.http.answers import keep_answers, kept
from ghee.http.auth import DEPENDENCIES, ApiRequest, authenticated, requires
from ghee.http.pagination import Limit, Offset

_ERRORS = {
    status: ResponseSpec(data_container=ButterstackError, description=text, generate_examples=False)
    for status, text in {
        400: "Bad request: a malformed parameter or body",
        401: "Missing or invalid token",
        403: "The token lacks the scope needed",
        404: "No such resource, or not visible to this token",
        409: "The request clashes with the resource's state",
        429: "Rate limit exceeded",
        503: "Database or Redis unavailable",
    }.items()
}


BuildStatus = Literal["pending", "running", "success", "failed", "cancelled"]
ApprovalStatus = Literal["pending", "approved", "rejected", "needs_changes"]
DeploymentStatus = Literal["pending", "live", "failed", "superseded"]


# Projects


@get("/projects", responses=_ERRORS)
async def list_projects(request: ApiRequest, limit: Limit = 20, offset: Offset = 0) -> ProjectList:
    """List the projects this token can see."""
    page = await projects.list_projects(request.reads, Window(limit, offset), only=request.principal.project_id)
    return ProjectList([project_shape(p) for p in page.items], limit, offset, page.has_more)


@post("/projects", responses=_ERRORS, opt=requires("admin", unbound=True))
async def create_project(db: Database, data: NewProjectBody) -> ButterstackProject:
    """Create a project (admin tokens not bound to a project)."""
    async with db.write() as work:
        project = await projects.create_project(work, data.name, data.engine)
    return project_shape(project)


@get("/projects/{project_id:str}", responses=_ERRORS)
async def get_project(request: ApiRequest, project_id: str) -> ButterstackProject:
    """Get one project."""
    return project_shape(await projects.get_project(request.reads, project_id, request.principal.project_id))


# Builds


@get("/projects/{project_id:str}/builds", responses=_ERRORS, opt=kept())
async def list_project_builds(  # noqa: PLR0913 (one parameter per documented query argument)
    request: ApiRequest,
    project_id: str,
    status: BuildStatus | None = None,
    branch: str | None = None,
    limit: Limit = 20,
    offset: Offset = 0,
) -> BuildList:
    """List a project's builds, newest first."""
    filters = BuildFilter(status=status, branch=branch)
    only = request.principal.project_id
    page = await build_reads.list_project_builds(request.reads, project_id, only, filters, Window(limit, offset))
    return BuildList([build_shape(b) for b in page.items], limit, offset, page.has_more)


@post("/projects/{project_id:str}/builds", responses=_ERRORS, opt=requires("write"))
async def trigger_build(
    db: Database, principal: Principal, project_id: str, data: TriggerBuildBody
) -> ButterstackBuild:
    """Queue a build; ``changelist`` is a number or ``latest``. A project linked to a Jenkins job builds there.

    Answers at once with the pending build; Jenkins is asked in the background.
    """
    project = await projects.get_project(db.read(), project_id, principal.project_id)
    changelist = None if data.changelist is None else str(data.changelist)
    new = reports.NewBuild(data.platform, data.configuration, changelist, data.branch)
    async with db.write() as work:
        build = await queue_build(work, project.id, new)
    return build_shape(build)


@get("/builds/{build_id:str}", responses=_ERRORS, opt=kept())
async def get_build(request: ApiRequest, build_id: str) -> ButterstackBuild:
    """Get one build with its artifacts."""
    return build_shape(
        await build_reads.get_build(request.reads, build_id, request.principal.project_id, of_project=True)
    )


@patch("/builds/{build_id:str}", responses=_ERRORS, opt=requires("write"))
async def report_build(db: Database, principal: Principal, build_id: str, data: BuildReportBody) -> ButterstackBuild:
    """Report a build's progress: status (forward only), timestamps, artifacts."""
    build = await build_reads.get_build(db.read(), build_id, principal.project_id, of_project=True)
    artifacts = None
    if data.artifacts is not None:
        artifacts = [Artifact(a.name, a.size_bytes, a.url) for a in data.artifacts]
    report = reports.BuildReport(data.status, data.started_at, data.finished_at, artifacts)
    async with db.write() as work:
        updated = await reports.report_build(work, build, report)
    return build_shape(updated)


# Changelists


@get("/projects/{project_id:str}/changelists", responses=_ERRORS)
async def list_project_changelists(
    request: ApiRequest, project_id: str, limit: Limit = 20, offset: Offset = 0
) -> ChangelistList:
    """List a project's changelists, newest first."""
    project = await projects.get_project(request.reads, project_id, request.principal.project_id)
    page = await changelists.list_changelists(request.reads, project.id, Window(limit, offset))
    return ChangelistList([changelist_shape(c) for c in page.items], limit, offset, page.has_more)


@post(
    "/projects/{project_id:str}/changelists",
    responses={
        **_ERRORS,
        200: ResponseSpec(
            data_container=ButterstackChangelist,
            description="Already recorded: the stored changelist, unchanged",
            generate_examples=False,
        ),
    },
    status_code=201,
    opt=requires("write"),
)
async def submit_changelist(
    db: Database, principal: Principal, project_id: str, data: NewChangelistBody
) -> Response[ButterstackChangelist]:
    """Record a submitted changelist (what a VCS trigger sends); re-posting a number returns it with 200.

    A git commit gives its ``revision`` and may leave ``number`` out: ghee numbers it after the project's
    newest changelist, and re-posting the revision returns it with 200.
    """
    project = await projects.get_project(db.read(), project_id, principal.project_id)
    new = changelists.NewChangelist(
        number=data.number,
        author=data.author,
        description=data.description,
        submitted_at=data.submitted_at,
        files=[changelists.FileChange(f.path, f.action) for f in data.files],
        revision=data.revision,
    )
    async with db.write() as work:
        changelist, created = await changelists.record_changelist(work, project.id, new)
    return Response(changelist_shape(changelist), status_code=201 if created else 200)


@get("/changelists/{changelist_id:str}", responses=_ERRORS)
async def get_changelist(request: ApiRequest, changelist_id: str) -> ButterstackChangelist:
    """Get one changelist (``cl_<number>``) with its files."""
    found = await changelists.get_changelist(request.reads, changelist_id, request.principal.project_id)
    return changelist_shape(found)


# Assets


@get("/projects/{project_id:str}/assets", responses=_ERRORS)
async def list_project_assets(  # noqa: PLR0913 (one parameter per documented query argument)
    request: ApiRequest,
    project_id: str,
    path: str | None = None,
    asset_type: Annotated[str | None, QueryParameter(name="type")] = None,
    status: ApprovalStatus | None = None,
    include_deleted: bool = False,
    limit: Limit = 20,
    offset: Offset = 0,
) -> AssetList:
    """List a project's assets by depot path; ``path`` filters by prefix."""
    project = await projects.get_project(request.reads, project_id, request.principal.project_id)
    filters = assets.AssetFilter(path, asset_type, status, include_deleted)
    page = await assets.list_assets(request.reads, project.id, filters, Window(limit, offset))
    return AssetList([asset_shape(a) for a in page.items], limit, offset, page.has_more)


@get("/assets/{asset_id:str}", responses=_ERRORS)
async def get_asset(request: ApiRequest, asset_id: str) -> ButterstackAssetDetail:
    """Get one asset with the changelists that touched it."""
    asset = await assets.get_asset(request.reads, asset_id, request.principal.project_id)
    return asset_detail_shape(asset, await assets.asset_history(request.reads, asset.id))


@patch("/assets/{asset_id:str}", responses=_ERRORS, opt=requires("write"))
async def review_asset(db: Database, principal: Principal, asset_id: str, data: ApprovalBody) -> ButterstackAssetDetail:
    """Set an asset's approval status: pending, approved, rejected or needs_changes."""
    asset = await assets.get_asset(db.read(), asset_id, principal.project_id)
    async with db.write() as work:
        updated = await assets.set_approval_status(work, asset, data.approval_status)
    return asset_detail_shape(updated, await assets.asset_history(db.read(), updated.id))


# Deployments


@post("/builds/{build_id:str}/deployments", responses=_ERRORS, opt=requires("write"))
async def deploy_build(
    db: Database, principal: Principal, build_id: str, data: NewDeploymentBody
) -> ButterstackDeployment:
    """Deploy a successful build to a platform and branch."""
    build = await build_reads.get_build(db.read(), build_id, principal.project_id, of_project=True)
    async with db.write() as work:
        deployment = await deployments.create_deployment(work, build, data.platform, data.branch)
    return deployment_shape(deployment)


@patch("/deployments/{deployment_id:str}", responses=_ERRORS, opt=requires("write"))
async def set_deployment_status(
    db: Database, principal: Principal, deployment_id: str, data: DeploymentStatusBody
) -> ButterstackDeployment:
    """Move a pending deployment to live or failed."""
    deployment = await deployments.get_deployment(db.read(), deployment_id, principal.project_id)
    async with db.write() as work:
        updated = await deployments.set_deployment_status(work, deployment, data.status)
    return deployment_shape(updated)


@get("/projects/{project_id:str}/deployments", responses=_ERRORS)
async def list_project_deployments(  # noqa: PLR0913 (one parameter per documented query argument)
    request: ApiRequest,
    project_id: str,
    platform: str | None = None,
    branch: str | None = None,
    status: DeploymentStatus | None = None,
    limit: Limit = 20,
    offset: Offset = 0,
) -> DeploymentList:
    """List a project's deployments, newest first."""
    project = await projects.get_project(request.reads, project_id, request.principal.project_id)
    filters = deployments.DeploymentFilter(platform, branch, status)
    page = await deployments.list_deployments(request.reads, project.id, filters, Window(limit, offset))
    return DeploymentList([deployment_shape(d) for d in page.items], limit, offset, page.has_more)


@get("/deployments/{deployment_id:str}", responses=_ERRORS)
async def get_deployment(request: ApiRequest, deployment_id: str) -> ButterstackDeployment:
    """Get one deployment."""
    found = await deployments.get_deployment(request.reads, deployment_id, request.principal.project_id)
    return deployment_shape(found)


router = Router(
    path="/v1",
    route_handlers=[
        list_projects,
        create_project,
        get_project,
        list_project_builds,
        trigger_build,
        get_build,
        report_build,
        list_project_changelists,
        submit_changelist,
        get_changelist,
        list_project_assets,
        get_asset,
        review_asset,
        deploy_build,
        set_deployment_status,
        list_project_deployments,
        get_deployment,
    ],
    dependencies=DEPENDENCIES,
    before_request=authenticated,
    request_class=ApiRequest,
    middleware=[DefineMiddleware(keep_answers)],
    tags=["ButterStack"],
)
