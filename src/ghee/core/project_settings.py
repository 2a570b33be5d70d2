"""Per-project settings: whether ghee drafts patch notes when a deployment goes live, and who writes them."""

from __future__ import annotations

import msgspec
import sqlalchemy as sa

from ghee.clock import utcnow
from ghee.core.blog.authors import get_author
from ghee.core.events import record_event
from ghee.core.inserts import insert_unless_taken
from ghee.core.projects import Project
from ghee.db.database import Write
from ghee.db.reads import Reads
from ghee.db.tables import blog_authors, project_settings


class ProjectSettings(msgspec.Struct, frozen=True):
    """A project's settings; a project never configured has the defaults."""

    patch_notes: bool = True
    """Draft a blog post of patch notes when a deployment of this project goes live."""

    patch_notes_author: str | None = None
    """The slug of the blog author the drafts are written by; ``None``: the blog's first author."""


_ONE = (
    sa.select(project_settings.c.patch_notes, blog_authors.c.slug)
    .select_from(
        project_settings.outerjoin(blog_authors, blog_authors.c.id == project_settings.c.patch_notes_author_id)
    )
    .where(project_settings.c.project_id == sa.bindparam("project_id"))
)


async def get_project_settings(reads: Reads, project_id: int) -> ProjectSettings:
    """The settings of project ``project_id`` (the defaults if never set)."""
    row = await reads.first(_ONE, {"project_id": project_id})
    return ProjectSettings() if row is None else ProjectSettings(patch_notes=bool(row[0]), patch_notes_author=row[1])


class SettingsChange(msgspec.Struct, frozen=True):
    """What a change sets; ``UNSET`` leaves a setting as it is, a ``None`` author goes back to the default."""

    patch_notes: bool | msgspec.UnsetType = msgspec.UNSET
    patch_notes_author: str | msgspec.UnsetType | None = msgspec.UNSET


async def set_project_settings(work: Write, project: Project, change: SettingsChange) -> ProjectSettings:
    """Store the project's settings; emits ``project.settings_changed``. Raises ``NotFound`` for an unknown author."""
    current = await get_project_settings(work, project.id)
    patch_notes = current.patch_notes if change.patch_notes is msgspec.UNSET else change.patch_notes
    author = current.patch_notes_author if change.patch_notes_author is msgspec.UNSET else change.patch_notes_author
    author_id = None if author is None else (await get_author(work, author)).id
    values = {"patch_notes": patch_notes, "patch_notes_author_id": author_id, "updated_at": utcnow()}
    inserted = await work.scalar(
        insert_unless_taken(work, project_settings)
        .values(project_id=project.id, **values)
        .returning(project_settings.c.project_id)
    )
    if inserted is None:
        await work.execute(
            project_settings.update().where(project_settings.c.project_id == project.id).values(**values)
        )
    settings = ProjectSettings(patch_notes=patch_notes, patch_notes_author=author)
    await record_event(
        work,
        "project.settings_changed",
        resource_type="project",
        resource_id=project.public_id,
        project_id=project.id,
        payload={"id": project.public_id, "patch_notes": patch_notes, "patch_notes_author": author},
    )
    return settings
