"""Sources (``/sources``, admins only): how each project's changes reach ghee, and the last one that did.

For each git host, the push webhook URL (``POST /v1/projects/:id/git/push``,
``ghee.integrations.git``) and where its secret goes; the secret itself is
never put on a page: ``ghee git secret`` prints it on the server. For
Perforce, the triggers table line (``docs/perforce.md``). Then the newest
changelist the project received, by whichever way it came.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.params import Parameter
from litestar.response import Template

from ghee.core.changelists import latest_changelist
from ghee.core.git_push_secrets import stored_git_push_secret
from ghee.core.paging import Window
from ghee.core.projects import get_project, list_projects
from ghee.dashboard.nav import NavItem, add_nav
from ghee.dashboard.web import render, require_admin
from ghee.db.database import Database
from ghee.db.sealing import sealer_for
from ghee.http.services import services_of

PROJECTS_PER_PAGE = 50
GIT_HOSTS = (
    (
        "GitHub",
        "Settings → Webhooks → Add webhook: content type application/json, the secret as Secret",
        "X-Hub-Signature-256",
    ),
    ("GitLab", "Settings → Webhooks: Push events, the secret as Secret token", "X-Gitlab-Token"),
    (
        "Gitea / Forgejo",
        "Settings → Webhooks → Add webhook (Gitea or Forgejo): POST, JSON, the secret as Secret",
        "X-Gitea-Signature",
    ),
)
"""Each host, where its webhook is set up, and the header ghee checks its pushes by."""

add_nav(NavItem("Sources", "/sources", order=85, admin_only=True))


@get("/sources", guards=[require_admin])
async def sources_index(
    request: Request[Any, Any, Any], db: Database, page: int = Parameter(default=1, ge=1, le=100_000)
) -> Template:
    """The projects, each linking to its sources page."""
    found = await list_projects(db.read(), Window(PROJECTS_PER_PAGE, (page - 1) * PROJECTS_PER_PAGE))
    return render(
        request, "pages/sources.html", title="Sources", projects=found.items, has_more=found.has_more, page=page
    )


@get("/sources/{project_id:str}", guards=[require_admin])
async def project_sources(request: Request[Any, Any, Any], db: Database, project_id: str) -> Template:
    """One project's git push URL and hosts, its Perforce trigger line, and the last change it received."""
    reads = db.read()
    project = await get_project(reads, project_id)
    settings = services_of(request.app.state).settings
    has_secret = await stored_git_push_secret(reads, sealer_for(settings), project.id) is not None
    return render(
        request,
        "pages/project_sources.html",
        title=f"Sources · {project.name}",
        project=project,
        push_url=f"{settings.site.public_url}/v1/projects/{project.public_id}/git/push",
        public_url=settings.site.public_url,
        hosts=GIT_HOSTS,
        has_secret=has_secret,
        latest=await latest_changelist(reads, project.id),
    )


ROUTES = [sources_index, project_sources]
