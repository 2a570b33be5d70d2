"""The buddybuild dialect at ``/v1/apps`` (seeds 002/003): projects seen as apps, and their builds."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from litestar import Router, get, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import Parameter

from ghee.clock import iso
from ghee.core import projects
from ghee.core.builds.model import Build, BuildFilter
from ghee.core.builds.reads import list_project_builds
from ghee.core.builds.trigger import trigger_branch
from ghee.core.paging import Window
from ghee.core.projects import Project
from ghee.core.tokens import Principal
from ghee.db.database import Database
from ghee.http.auth import DEPENDENCIES, ApiRequest, authenticated, requires
from ghee.http.errors import Problem
from ghee.http.pagination import CLAMPED, MAX_LIMIT, Offset

# buddybuild names the build states differently; ghee's "pending" is its "queued".
_STATUS_OUT = {"pending": "queued"}
_STATUS_IN = {"queued": "pending"}


class BuddybuildError(msgspec.Struct):
    """``{"error": "No authorization token was found"}``."""

    error: str


def render_problem(problem: Problem) -> BuddybuildError:
    """Buddybuild's error envelope: a single message."""
    return BuddybuildError(error=problem.message)


class App(msgspec.Struct):
    id: str = msgspec.field(name="_id")
    app_name: str = ""
    engine: str = ""
    created_at: str = ""


class CommitInfo(msgspec.Struct):
    branch: str
    commit_sha: str | None


class BuddybuildBuild(msgspec.Struct):
    id: str = msgspec.field(name="_id")
    build_id: str = ""
    app_id: str = ""
    build_number: int = 0
    build_status: str = ""
    branch: str = ""
    scheme: str = ""
    platform: str = ""
    commit_info: CommitInfo | None = None
    created_at: str = ""
    started_at: str | None = None
    finished_at: str | None = None
    duration_seconds: int | None = None


class TriggerBody(msgspec.Struct):
    branch: str


def _app(project: Project) -> App:
    return App(
        id=project.public_id, app_name=project.name, engine=project.engine, created_at=iso(project.created_at) or ""
    )


def _build(build: Build) -> BuddybuildBuild:
    return BuddybuildBuild(
        id=build.public_id,
        build_id=build.public_id,
        app_id=projects.project_public_id(build.project_id),  # type: ignore[arg-type]  # an app's build has one
        build_number=build.number,
        build_status=_STATUS_OUT.get(build.status, build.status),
        branch=build.branch,
        scheme=build.configuration,
        platform=build.platform,
        commit_info=CommitInfo(branch=build.branch, commit_sha=build.commit or build.changelist),
        created_at=iso(build.created_at) or "",
        started_at=iso(build.started_at),
        finished_at=iso(build.finished_at),
        duration_seconds=build.duration_seconds,
    )


_ERRORS = {
    status: ResponseSpec(data_container=BuddybuildError, description=text, generate_examples=False)
    for status, text in {
        400: "Bad Request: a missing or malformed parameter",
        401: "Unauthorized: no valid personal access token",
        403: "The token lacks the scope needed",
        404: "Not Found: no such app or action",
        409: "Conflict with the app's state",
        429: "Rate limit exceeded",
        503: "Service Unavailable",
    }.items()
}


BuildStatus = Literal["cancelled", "failed", "queued", "running", "success"]
Limit10 = Annotated[int, Parameter(ge=1, le=MAX_LIMIT, description=f"Number of builds to list {CLAMPED}")]


@get("/", responses=_ERRORS)
async def list_apps(request: ApiRequest, limit: Limit10 = 100, offset: Offset = 0) -> list[App]:
    """List the apps (ghee projects) this token can see."""
    page = await projects.list_projects(request.reads, Window(limit, offset), only=request.principal.project_id)
    return [_app(p) for p in page.items]


@get("/{app_id:str}", responses=_ERRORS)
async def get_app(request: ApiRequest, app_id: str) -> App:
    """Get one app."""
    return _app(await projects.get_project(request.reads, app_id, request.principal.project_id))


@get("/{app_id:str}/builds", responses=_ERRORS)
async def list_app_builds(  # noqa: PLR0913 (one parameter per documented query argument)
    request: ApiRequest,
    app_id: str,
    branch: str | None = None,
    scheme: str | None = None,
    status: BuildStatus | None = None,
    limit: Limit10 = 10,
    offset: Offset = 0,
) -> list[BuddybuildBuild]:
    """The app's most recent builds, filtered by branch, scheme (configuration) and status."""
    wanted = _STATUS_IN.get(status, status) if status else None
    filters = BuildFilter(status=wanted, branch=branch, configuration=scheme)
    only = request.principal.project_id
    page = await list_project_builds(request.reads, app_id, only, filters, Window(limit, offset))
    return [_build(b) for b in page.items]


@post("/{app_id:str}/build", responses=_ERRORS, opt=requires("write"))
async def trigger_app_build(db: Database, principal: Principal, app_id: str, data: TriggerBody) -> BuddybuildBuild:
    """Trigger a build of a branch: on the Jenkins job linked to the app if any, else for an agent; answers at once."""
    project = await projects.get_project(db.read(), app_id, principal.project_id)
    async with db.write() as work:
        build = await trigger_branch(work, project.id, data.branch)
    return _build(build)


router = Router(
    path="/v1/apps",
    route_handlers=[list_apps, get_app, list_app_builds, trigger_app_build],
    dependencies=DEPENDENCIES,
    before_request=authenticated,
    request_class=ApiRequest,
    tags=["buddybuild"],
)
