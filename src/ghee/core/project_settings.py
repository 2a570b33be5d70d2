"""Per-project settings: for now, whether ghee drafts patch notes when a deployment goes live."""

from __future__ import annotations

import msgspec
import sqlalchemy as sa

from ghee.clock import utcnow
from ghee.core.events import record_event
from ghee.core.inserts import insert_unless_taken
from ghee.core.projects import Project
from ghee.db.database import Write
from ghee.db.reads import Reads
from ghee.db.tables import project_settings


class ProjectSettings(msgspec.Struct, frozen=True):
    """A project's settings; a project never configured has the defaults."""

    patch_notes: bool = True
    """Draft a blog post of patch notes when a deployment of this project goes live."""


_ONE = sa.select(project_settings.c.patch_notes).where(project_settings.c.project_id == sa.bindparam("project_id"))


async def get_project_settings(reads: Reads, project_id: int) -> ProjectSettings:
    """The settings of project ``project_id`` (the defaults if never set)."""
    row = await reads.first(_ONE, {"project_id": project_id})
    return ProjectSettings() if row is None else ProjectSettings(patch_notes=bool(row[0]))


async def set_project_settings(work: Write, project: Project, *, patch_notes: bool) -> ProjectSettings:
    """Store the project's settings; emits ``project.settings_changed``."""
    now = utcnow()
    inserted = await work.scalar(
        insert_unless_taken(work, project_settings)
        .values(project_id=project.id, patch_notes=patch_notes, updated_at=now)
        .returning(project_settings.c.project_id)
    )
    if inserted is None:
        await work.execute(
            project_settings.update()
            .where(project_settings.c.project_id == project.id)
            .values(patch_notes=patch_notes, updated_at=now)
        )
    settings = ProjectSettings(patch_notes=patch_notes)
    await record_event(
        work,
        "project.settings_changed",
        resource_type="project",
        resource_id=project.public_id,
        project_id=project.id,
        payload={"id": project.public_id, "patch_notes": patch_notes},
    )
    return settings
