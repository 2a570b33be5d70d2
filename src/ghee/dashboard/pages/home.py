"""Overview (``/``): what is failing now, then every project with its latest builds, following new ones live."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.params import Parameter
from litestar.response import Template

from ghee import ids
from ghee.core.builds.model import BuildFilter
from ghee.core.builds.reads import failing_projects, get_build, list_builds
from ghee.core.jobs.reads import failing_jobs
from ghee.core.paging import Window
from ghee.core.projects import get_project, list_projects
from ghee.dashboard.nav import NavItem, add_nav
from ghee.dashboard.web import render
from ghee.db.database import Database
from ghee.errors import NotFound

PROJECTS_PER_PAGE = 20
LATEST_BUILDS = 5
FAILING_JOBS = 10
FAILING_PROJECTS = 10

add_nav(NavItem("Overview", "/", order=10))


@get("/")
async def overview(
    request: Request[Any, Any, Any], db: Database, page: int = Parameter(default=1, ge=1, le=100_000)
) -> Template:
    """What is failing now (projects and Jenkins jobs whose newest build failed), then projects and their builds."""
    reads = db.read()
    projects = await list_projects(reads, Window(PROJECTS_PER_PAGE, (page - 1) * PROJECTS_PER_PAGE))
    rows = [
        (project, (await list_builds(reads, BuildFilter(project_id=project.id), Window(LATEST_BUILDS))).items)
        for project in projects.items
    ]
    return render(
        request,
        "pages/home.html",
        title="Overview",
        rows=rows,
        latest_builds=LATEST_BUILDS,
        failing_projects=await failing_projects(reads, FAILING_PROJECTS),
        failing=await failing_jobs(reads, FAILING_JOBS),
        page=page,
        has_more=projects.has_more,
    )


@get("/overview/builds/{build_id:str}/row")
async def overview_build_row(request: Request[Any, Any, Any], db: Database, build_id: str) -> Template:
    """One build as a row of its project's card (what the overview adds live); 404 for a build outside any project."""
    reads = db.read()
    build = await get_build(reads, build_id, of_project=True)
    if build.project_id is None:
        raise NotFound("build", build_id)
    project = await get_project(reads, ids.encode("proj", build.project_id))
    return render(request, "pages/_overview_build_row.html", title="", build=build, project=project)


ROUTES = [overview, overview_build_row]
