"""``/v1/projects/{id}/settings``: per-project switches (patch notes drafted when a deployment goes live)."""

from __future__ import annotations

import msgspec
from litestar import get, patch
from sqlalchemy.ext.asyncio import AsyncConnection

from ghee.core import project_settings, projects
from ghee.core.tokens import Principal
from ghee.db.reads import ConnectionReads
from ghee.dialects.butterstack.routes import _ERRORS


class ButterstackProjectSettings(msgspec.Struct):
    patch_notes: bool


class ProjectSettingsBody(msgspec.Struct):
    patch_notes: bool


@get("/projects/{project_id:str}/settings", responses=_ERRORS)
async def get_project_settings(
    conn: AsyncConnection, principal: Principal, project_id: str
) -> ButterstackProjectSettings:
    """A project's settings."""
    project = await projects.get_project(ConnectionReads(conn), project_id, principal.project_id)
    settings = await project_settings.get_project_settings(conn, project.id)
    return ButterstackProjectSettings(patch_notes=settings.patch_notes)


@patch("/projects/{project_id:str}/settings", responses=_ERRORS)
async def set_project_settings(
    conn: AsyncConnection, principal: Principal, project_id: str, data: ProjectSettingsBody
) -> ButterstackProjectSettings:
    """Change a project's settings (admin); ``patch_notes: false`` stops drafting patch notes."""
    principal.require("admin")
    project = await projects.get_project(ConnectionReads(conn), project_id, principal.project_id)
    settings = await project_settings.set_project_settings(conn, project, patch_notes=data.patch_notes)
    await conn.commit()
    return ButterstackProjectSettings(patch_notes=settings.patch_notes)


HANDLERS = [get_project_settings, set_project_settings]
