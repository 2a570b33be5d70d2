"""Per-project settings: patch notes (drafted when a deployment goes live, and by whom), and the project's website."""

from __future__ import annotations

import msgspec
import sqlalchemy as sa

from ghee.clock import utcnow
from ghee.config import post_path_problem, site_address_problem
from ghee.core.blog.authors import get_author
from ghee.core.events import record_event
from ghee.core.inserts import insert_unless_taken
from ghee.core.projects import Project
from ghee.db.database import Write
from ghee.db.functions import in_json_list, json_list
from ghee.db.reads import Reads
from ghee.db.tables import blog_authors, project_settings
from ghee.errors import Invalid


class ProjectSettings(msgspec.Struct, frozen=True):
    """A project's settings; a project never configured has the defaults."""

    patch_notes: bool = True
    """Draft a blog post of patch notes when a deployment of this project goes live."""

    patch_notes_author: str | None = None
    """The slug of the blog author the drafts are written by; ``None``: the blog's first author."""

    site_url: str | None = None
    """The project's own website, where its posts are read; ``None``: the installation's (``GHEE_SITE_URL``)."""

    post_url: str | None = None
    """Where that website shows a post, a path holding ``{slug}``; ``None``: ``GHEE_POST_URL``."""


_ONE = (
    sa.select(
        project_settings.c.patch_notes, blog_authors.c.slug, project_settings.c.site_url, project_settings.c.post_path
    )
    .select_from(
        project_settings.outerjoin(blog_authors, blog_authors.c.id == project_settings.c.patch_notes_author_id)
    )
    .where(project_settings.c.project_id == sa.bindparam("project_id"))
)


async def get_project_settings(reads: Reads, project_id: int) -> ProjectSettings:
    """The settings of project ``project_id`` (the defaults if never set)."""
    row = await reads.first(_ONE, {"project_id": project_id})
    return ProjectSettings() if row is None else ProjectSettings(bool(row[0]), *row[1:])


class SettingsChange(msgspec.Struct, frozen=True):
    """What a change sets; ``UNSET`` leaves a setting as it is, ``None`` goes back to the default."""

    patch_notes: bool | msgspec.UnsetType = msgspec.UNSET
    patch_notes_author: str | msgspec.UnsetType | None = msgspec.UNSET
    site_url: str | msgspec.UnsetType | None = msgspec.UNSET
    post_url: str | msgspec.UnsetType | None = msgspec.UNSET


MAX_URL = 2048
MAX_POST_PATH = 200


def _site_url(text: str | None) -> str | None:
    if text is None or not text.strip():
        return None
    problem = site_address_problem(text.strip())
    if problem is not None or len(text) > MAX_URL:
        raise Invalid("site_url", problem or f"must be at most {MAX_URL} characters")
    return text.strip().rstrip("/")


def _post_url(text: str | None) -> str | None:
    if text is None or not text.strip():
        return None
    problem = post_path_problem(text.strip())
    if problem is not None or len(text) > MAX_POST_PATH:
        raise Invalid("post_url", problem or f"must be at most {MAX_POST_PATH} characters")
    return text.strip()


async def set_project_settings(work: Write, project: Project, change: SettingsChange) -> ProjectSettings:
    """Store the project's settings; emits ``project.settings_changed``.

    Raises ``NotFound`` for an unknown author, ``Invalid`` for a malformed site address or post URL pattern.
    """
    current = await get_project_settings(work, project.id)
    settings = ProjectSettings(
        current.patch_notes if change.patch_notes is msgspec.UNSET else change.patch_notes,
        current.patch_notes_author if change.patch_notes_author is msgspec.UNSET else change.patch_notes_author,
        current.site_url if change.site_url is msgspec.UNSET else _site_url(change.site_url),
        current.post_url if change.post_url is msgspec.UNSET else _post_url(change.post_url),
    )
    author = settings.patch_notes_author
    author_id = None if author is None else (await get_author(work, author)).id
    values = {
        "patch_notes": settings.patch_notes,
        "patch_notes_author_id": author_id,
        "site_url": settings.site_url,
        "post_path": settings.post_url,
        "updated_at": utcnow(),
    }
    inserted = await work.scalar(
        insert_unless_taken(work, project_settings)
        .values(project_id=project.id, **values)
        .returning(project_settings.c.project_id)
    )
    if inserted is None:
        await work.execute(
            project_settings.update().where(project_settings.c.project_id == project.id).values(**values)
        )
    await record_event(
        work,
        "project.settings_changed",
        resource_type="project",
        resource_id=project.public_id,
        project_id=project.id,
        payload={"id": project.public_id, **msgspec.structs.asdict(settings)},
    )
    return settings


_SITES = sa.select(project_settings.c.project_id, project_settings.c.site_url, project_settings.c.post_path).where(
    in_json_list(project_settings.c.project_id, sa.bindparam("ids")),
    sa.or_(project_settings.c.site_url.is_not(None), project_settings.c.post_path.is_not(None)),
)


async def project_sites(reads: Reads, project_ids: set[int]) -> dict[int, tuple[str | None, str | None]]:
    """``(site_url, post_url)`` of those of ``project_ids`` whose website differs from the installation's."""
    if not project_ids:
        return {}
    rows = await reads.all(_SITES, {"ids": json_list(sorted(project_ids))})
    return {project_id: (site_url, post_path) for project_id, site_url, post_path in rows}
