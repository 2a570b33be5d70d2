"""``/v1/projects/{id}/settings``: per-project switches (patch notes drafted when a deployment goes live)."""

from __future__ import annotations

import msgspec
from litestar import get, patch

from ghee.core import project_settings, projects
from ghee.core.tokens import Principal
from ghee.db.database import Database
from ghee.dialects.butterstack.routes import _ERRORS
from ghee.http.auth import ApiRequest, requires


class ButterstackProjectSettings(msgspec.Struct):
    patch_notes: bool
    patch_notes_author: str | None
    site_url: str | None
    post_url: str | None


class ProjectSettingsBody(msgspec.Struct):
    """The settings to change; absent ones stay, ``null`` (author, site) goes back to the default."""

    patch_notes: bool | msgspec.UnsetType = msgspec.UNSET
    patch_notes_author: str | msgspec.UnsetType | None = msgspec.UNSET
    site_url: str | msgspec.UnsetType | None = msgspec.UNSET
    post_url: str | msgspec.UnsetType | None = msgspec.UNSET


@get("/projects/{project_id:str}/settings", responses=_ERRORS)
async def get_project_settings(request: ApiRequest, project_id: str) -> ButterstackProjectSettings:
    """A project's settings."""
    project = await projects.get_project(request.reads, project_id, request.principal.project_id)
    settings = await project_settings.get_project_settings(request.reads, project.id)
    return ButterstackProjectSettings(*msgspec.structs.astuple(settings))


@patch("/projects/{project_id:str}/settings", responses=_ERRORS, opt=requires("admin"))
async def set_project_settings(
    db: Database, principal: Principal, project_id: str, data: ProjectSettingsBody
) -> ButterstackProjectSettings:
    """Change a project's settings (admin): patch notes, who writes them, and the project's own website."""
    project = await projects.get_project(db.read(), project_id, principal.project_id)
    change = project_settings.SettingsChange(data.patch_notes, data.patch_notes_author, data.site_url, data.post_url)
    async with db.write() as work:
        settings = await project_settings.set_project_settings(work, project, change)
    return ButterstackProjectSettings(*msgspec.structs.astuple(settings))


HANDLERS = [get_project_settings, set_project_settings]
