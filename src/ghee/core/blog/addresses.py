"""Where the website shows each post: the installation's site (``GHEE_SITE_URL``), or its project's own.

A project whose website differs (a studio with a site per game) names it in
its settings (``site_url``, ``post_url``); its posts (patch notes) link there,
everything else to the installation's site. Never from a request's ``Host``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from ghee.config import SiteSettings
from ghee.core.project_settings import project_sites
from ghee.db.reads import Reads


class Sites:
    """The installation's site and the projects' own, for the posts of one answer."""

    def __init__(self, default: SiteSettings, projects: dict[int, SiteSettings] | None = None) -> None:
        self.default = default
        self._projects = projects or {}

    def post_url(self, slug: str, project_id: int | None) -> str:
        """Where the website shows the post ``slug`` of ``project_id`` (``None``: the studio's own)."""
        site = self._projects.get(project_id, self.default) if project_id is not None else self.default
        return site.post_url(slug)

    @property
    def blog_url(self) -> str:
        """The installation's blog front page."""
        return self.default.blog_url


async def sites_for(reads: Reads, default: SiteSettings, project_ids: Iterable[int | None]) -> Sites:
    """The sites the posts of ``project_ids`` link to (one read, and none when no post has a project)."""
    found = await project_sites(reads, {project_id for project_id in project_ids if project_id is not None})
    projects = {
        project_id: dataclasses.replace(
            default, site_url=site_url or default.site_url, post_path=post_path or default.post_path
        )
        for project_id, (site_url, post_path) in found.items()
    }
    return Sites(default, projects)
