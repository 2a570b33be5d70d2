"""Patch notes drafted from a release: what changed between two live deployments of one target.

When a deployment goes live, the outbox hands its ``deployment.live`` event
here (nothing calls this from the deployments code). The draft is a blog post
(status draft) editors refine and publish through the ButterCMS write API.
"""

from __future__ import annotations

import html
from collections import defaultdict
from datetime import datetime

import msgspec
import sqlalchemy as sa

from ghee import ids
from ghee.core.blog.posts import Post
from ghee.core.blog.writing import AuthorRef, PostChanges, create_post
from ghee.core.project_settings import get_project_settings
from ghee.core.release_areas import area_of, headline
from ghee.db.database import Write
from ghee.db.tables import (
    assets,
    blog_authors,
    blog_posts,
    builds,
    changelist_files,
    changelists,
    deployments,
    projects,
)
from ghee.errors import NotFound

PATCH_NOTES_TAG = "patch-notes"
"""The tag every patch-note draft carries: the dashboard's post list can hide them by it."""
MAX_CHANGELISTS = 200
MAX_ASSETS = 100


class ReleaseChange(msgspec.Struct, frozen=True):
    """One changelist of a release, with its area."""

    number: int
    author: str
    description: str
    area: str


class ReleaseAsset(msgspec.Struct, frozen=True):
    """An asset a release's changelists touched."""

    path: str
    action: str
    approval_status: str


class Release(msgspec.Struct, frozen=True):
    """What went live: the deployment's target and build, and what changed since the previous one."""

    deployment_public_id: str
    project_name: str
    platform: str
    branch: str
    build_number: int
    changelist_number: int | None
    previous_changelist_number: int | None
    changes: list[ReleaseChange]
    assets: list[ReleaseAsset]
    more_changes: bool


class _Target(msgspec.Struct, frozen=True):
    id: int
    project_id: int
    platform: str
    branch: str
    deployed_at: datetime | None
    build_number: int
    changelist_number: int | None
    project_name: str


def patch_notes_slug(deployment_public_id: str) -> str:
    """The slug of a deployment's patch notes (``patch-notes-deploy-...``), drafted or not."""
    return f"patch-notes-{deployment_public_id.replace('_', '-')}"


async def draft_patch_notes(work: Write, deployment_public_id: str) -> Post | None:
    """Draft the patch notes of a deployment that went live, by the project's patch-notes author; ``draft.saved``.

    Returns the draft, or ``None`` when the project turned patch notes off or
    the draft already exists (an event handed over twice drafts once). Raises
    ``NotFound`` if the deployment is gone.
    """
    target = await _target(work, ids.decode("deploy", deployment_public_id, "deployment"), deployment_public_id)
    settings = await get_project_settings(work, target.project_id)
    if not settings.patch_notes:
        return None
    slug = patch_notes_slug(deployment_public_id)
    if await work.scalar(sa.select(sa.literal(1)).where(sa.exists().where(blog_posts.c.slug == slug))):
        return None
    release = await _release_of(work, target, deployment_public_id)
    title = f"{release.project_name}: build {release.build_number} live on {release.platform}/{release.branch}"
    author = settings.patch_notes_author or await work.scalar(
        sa.select(blog_authors.c.slug).order_by(blog_authors.c.id).limit(1)
    )
    return await create_post(
        work,
        PostChanges(
            slug=slug,
            title=title[:500],
            body=render_body(release),
            summary=_summary(release),
            status="draft",
            author=AuthorRef(slug=author) if author else None,
            tags=[PATCH_NOTES_TAG],
        ),
        editor="patch notes",
        project_id=target.project_id,
    )


async def _target(work: Write, row_id: int, public_id: str) -> _Target:
    row = (
        await work.execute(
            sa.select(
                deployments.c.id,
                deployments.c.project_id,
                deployments.c.platform,
                deployments.c.branch,
                deployments.c.deployed_at,
                builds.c.number.label("build_number"),
                changelists.c.number.label("changelist_number"),
                projects.c.name.label("project_name"),
            )
            .select_from(
                deployments.join(builds, builds.c.id == deployments.c.build_id)
                .join(projects, projects.c.id == deployments.c.project_id)
                .outerjoin(changelists, changelists.c.id == builds.c.changelist_id)
            )
            .where(deployments.c.id == row_id)
        )
    ).first()
    if row is None:
        raise NotFound("deployment", public_id)
    return _Target(**row._mapping)


async def _previous_changelist(work: Write, target: _Target) -> int | None:
    """The changelist of the deployment live on the same target before this one (``None`` if none)."""
    if target.deployed_at is None:
        return None
    query = (
        sa.select(changelists.c.number)
        .select_from(
            deployments.join(builds, builds.c.id == deployments.c.build_id).join(
                changelists, changelists.c.id == builds.c.changelist_id
            )
        )
        .where(
            deployments.c.project_id == target.project_id,
            deployments.c.platform == target.platform,
            deployments.c.branch == target.branch,
            deployments.c.id != target.id,
            deployments.c.deployed_at.is_not(None),
            deployments.c.deployed_at <= target.deployed_at,
        )
        .order_by(deployments.c.deployed_at.desc(), deployments.c.id.desc())
        .limit(1)
    )
    number: int | None = await work.scalar(query)
    return number


async def _release_of(work: Write, target: _Target, public_id: str) -> Release:
    """The changelists after the previous live deployment's, up to this one's, and the assets they touched."""
    previous = await _previous_changelist(work, target)
    rows: list[sa.Row[tuple[int, int, str, str]]] = []
    if target.changelist_number is not None:
        query = sa.select(
            changelists.c.id, changelists.c.number, changelists.c.author, changelists.c.description
        ).where(changelists.c.project_id == target.project_id, changelists.c.number <= target.changelist_number)
        if previous is not None:
            query = query.where(changelists.c.number > previous)
        rows = list(await work.execute(query.order_by(changelists.c.number.desc()).limit(MAX_CHANGELISTS + 1)))
    more = len(rows) > MAX_CHANGELISTS
    rows = sorted(rows[:MAX_CHANGELISTS], key=lambda row: row.number)
    paths = await _paths(work, [row.id for row in rows])
    changes = [
        ReleaseChange(row.number, row.author, row.description, area_of(row.description, paths.get(row.id, [])))
        for row in rows
    ]
    return Release(
        deployment_public_id=public_id,
        project_name=target.project_name,
        platform=target.platform,
        branch=target.branch,
        build_number=target.build_number,
        changelist_number=target.changelist_number,
        previous_changelist_number=previous,
        changes=changes,
        assets=await _assets(work, [row.id for row in rows]),
        more_changes=more,
    )


async def _paths(work: Write, changelist_ids: list[int]) -> dict[int, list[str]]:
    paths: dict[int, list[str]] = defaultdict(list)
    if changelist_ids:
        rows = await work.execute(
            sa.select(changelist_files.c.changelist_id, changelist_files.c.path).where(
                changelist_files.c.changelist_id.in_(changelist_ids)
            )
        )
        for row in rows:
            paths[row.changelist_id].append(row.path)
    return paths


async def _assets(work: Write, changelist_ids: list[int]) -> list[ReleaseAsset]:
    if not changelist_ids:
        return []
    rows = await work.execute(
        sa.select(assets.c.path, changelist_files.c.action, assets.c.approval_status)
        .select_from(changelist_files.join(assets, assets.c.id == changelist_files.c.asset_id))
        .where(changelist_files.c.changelist_id.in_(changelist_ids))
        .order_by(changelist_files.c.changelist_id, changelist_files.c.id)
    )
    latest: dict[str, ReleaseAsset] = {}
    for row in rows:  # a later changelist's action on the same asset wins
        latest[row.path] = ReleaseAsset(row.path, row.action, row.approval_status)
    return sorted(latest.values(), key=lambda asset: asset.path)[:MAX_ASSETS]


def render_body(release: Release) -> str:
    """The draft's HTML: a heading per area with its changelists, then the assets that changed."""
    esc = html.escape
    since = (
        f"since changelist {release.previous_changelist_number}"
        if release.previous_changelist_number is not None
        else "since the first recorded changelist"
    )
    target = f"{esc(release.platform)}/{esc(release.branch)} ({esc(release.deployment_public_id)})"
    parts = [f"<p>Build {release.build_number} is live on {target}, {since}.</p>"]
    grouped: dict[str, list[ReleaseChange]] = defaultdict(list)
    for change in release.changes:
        grouped[change.area].append(change)
    for area in sorted(grouped, key=lambda name: (name == "Other", name.lower())):
        parts.append(f"<h2>{esc(area)}</h2>\n<ul>")
        parts.extend(
            f"<li>{esc(headline(c.description) or f'Changelist {c.number}')} "
            f"<small>(changelist {c.number}, {esc(c.author)})</small></li>"
            for c in grouped[area]
        )
        parts.append("</ul>")
    if not release.changes:
        parts.append("<p>No changelists were recorded for this release.</p>")
    if release.more_changes:
        parts.append(f"<p>Only the newest {MAX_CHANGELISTS} changelists are listed.</p>")
    if release.assets:
        parts.append("<h2>Assets changed</h2>\n<ul>")
        parts.extend(
            f"<li><code>{esc(a.path)}</code> ({esc(a.action)}, {esc(a.approval_status)})</li>" for a in release.assets
        )
        parts.append("</ul>")
    return "\n".join(parts)


def _summary(release: Release) -> str:
    areas = len({change.area for change in release.changes})
    return (
        f"Build {release.build_number} on {release.platform}/{release.branch}: "
        f"{len(release.changes)} changelist(s) in {areas} area(s), {len(release.assets)} asset(s) changed."
    )
