"""What a chat subscription hears: the events worth a message, composed into ``News`` when they are handed on.

Composed once per event, in the transaction that hands events on (a few
statements per batch, none per delivery), from the event and the rows it
names as they are then: a build's project and job names, its failure
category and the log line that gave it. Events that make no message
(``build.updated``, a build that succeeded after a success, ...) are not
delivered to chat subscriptions at all: no delivery row is made.

- ``build.finished``, failed: "Build failed", with the category and line.
- ``build.finished``, success after a failed build of the same job and branch: "Build fixed".
- ``deployment.live``: "Deployment live", with a link to its patch notes' draft when the project drafts them.
- ``asset.approval_changed`` to ``pending``: "Asset needs review".
- ``job.flaky``: "Job turned flaky".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import msgspec
import sqlalchemy as sa

from ghee import ids
from ghee.core.events import Event
from ghee.core.patch_notes import patch_notes_slug
from ghee.db.database import Write
from ghee.db.tables import blog_posts, builds, jobs, projects
from ghee.delivery.chat import News
from ghee.errors import NotFound

Kind = Literal["failed", "fixed", "live", "review", "flaky"]
JOB_KEY_CHARS = 130


class Composed(msgspec.Struct, frozen=True):
    """One event's chat message, what kind it is, and the job it is about (``None`` unless a build's)."""

    news: News
    kind: Kind
    job_key: str | None = None


class FinishedBuild(msgspec.Struct, frozen=True):
    """A finished build as its chat message names it."""

    id: int
    number: int
    status: str
    platform: str
    configuration: str
    branch: str
    project_id: int | None
    job_id: int | None
    failure_category: str | None
    failure_line: str | None
    project_name: str | None
    job_name: str | None


_BUILDS = (
    sa.select(
        builds.c.id,
        builds.c.number,
        builds.c.status,
        builds.c.platform,
        builds.c.configuration,
        builds.c.branch,
        builds.c.project_id,
        builds.c.job_id,
        builds.c.failure_category,
        builds.c.failure_line,
        projects.c.name.label("project_name"),
        jobs.c.full_name.label("job_name"),
    )
    .select_from(
        builds.outerjoin(projects, projects.c.id == builds.c.project_id).outerjoin(jobs, jobs.c.id == builds.c.job_id)
    )
    .where(builds.c.id.in_(sa.bindparam("ids", expanding=True)))
)


async def compose_news(work: Write, happened: Sequence[Event], public_url: str) -> dict[int, Composed]:
    """The chat message of each event of ``happened`` that makes one, by event id."""
    composed: dict[int, Composed] = {}
    build_ids = {e.id: _row_id("build", e.resource_id) for e in happened if e.type == "build.finished"}
    rows: dict[int, FinishedBuild] = {}
    if any(build_ids.values()):
        found = await work.execute(_BUILDS, {"ids": [i for i in build_ids.values() if i is not None]})
        rows = {row[0]: FinishedBuild(*row) for row in found}  # type: ignore[call-arg]  # the columns of _BUILDS, in order
    names = await _project_names(work, {e.project_id for e in happened if e.project_id is not None})
    notes = await _drafted(work, {patch_notes_slug(e.resource_id) for e in happened if e.type == "deployment.live"})
    job_names = await _job_names(work, {_row_id("j", e.resource_id, "job") for e in happened if e.type == "job.flaky"})
    for event in happened:
        if event.type == "build.finished":
            row = rows.get(build_ids[event.id] or 0)
            if row is not None and (news := await _build_news(work, row, public_url)) is not None:
                composed[event.id] = news
        elif event.type == "deployment.live":
            slug = patch_notes_slug(event.resource_id)
            notes_link = f"{public_url}/content/posts/{slug}/edit" if slug in notes else None
            composed[event.id] = _deployment_news(event, names, public_url, notes_link)
        elif event.type == "asset.approval_changed" and event.payload.get("approval_status") == "pending":
            composed[event.id] = _review_news(event, names, public_url)
        elif event.type == "job.flaky" and event.payload.get("flaky"):
            job_name = job_names.get(_row_id("j", event.resource_id, "job") or 0, event.resource_id)
            composed[event.id] = _flaky_news(event, job_name, names, public_url)
    return composed


def _row_id(prefix: str, public_id: str, kind: str | None = None) -> int | None:
    try:
        return ids.decode(prefix, public_id, kind or prefix)
    except NotFound:
        return None


async def _project_names(work: Write, project_ids: set[int]) -> dict[int, str]:
    if not project_ids:
        return {}
    found = await work.execute(sa.select(projects.c.id, projects.c.name).where(projects.c.id.in_(list(project_ids))))
    return {row.id: row.name for row in found}


async def _drafted(work: Write, slugs: set[str]) -> set[str]:
    """Which of these patch notes exist (drafted when the deployment went live, unless the project turned them off)."""
    if not slugs:
        return set()
    found = await work.execute(sa.select(blog_posts.c.slug).where(blog_posts.c.slug.in_(sorted(slugs))))
    return set(found.scalars())


async def _job_names(work: Write, job_ids: set[int | None]) -> dict[int, str]:
    wanted = [i for i in job_ids if i is not None]
    if not wanted:
        return {}
    found = await work.execute(sa.select(jobs.c.id, jobs.c.full_name).where(jobs.c.id.in_(wanted)))
    return {row.id: row.full_name for row in found}


def job_key(row: FinishedBuild) -> str:
    """What fails or gets fixed: a Jenkins job's branch, or an agent's project, platform, configuration, branch."""
    if row.job_id is not None:
        return f"job:{row.job_id}:{row.branch}"[:JOB_KEY_CHARS]
    return f"agent:{row.project_id}:{row.platform}:{row.configuration}:{row.branch}"[:JOB_KEY_CHARS]


async def _previous_status(work: Write, row: FinishedBuild) -> str | None:
    """How the build before ``row`` of the same job and branch finished (success or failed), if there is one."""
    same_job = (
        [builds.c.job_id == row.job_id]
        if row.job_id is not None
        else [
            builds.c.job_id.is_(None),
            builds.c.project_id == row.project_id,
            builds.c.platform == row.platform,
            builds.c.configuration == row.configuration,
        ]
    )
    query = (
        sa.select(builds.c.status)
        .where(
            *same_job,
            builds.c.branch == row.branch,
            builds.c.number < row.number,
            builds.c.status.in_(("success", "failed")),
            builds.c.deleted.is_(False),
        )
        .order_by(builds.c.number.desc())
        .limit(1)
    )
    return await work.scalar(query)


async def _build_news(work: Write, row: FinishedBuild, public_url: str) -> Composed | None:
    if row.status not in ("failed", "success"):
        return None
    if row.status == "success" and await _previous_status(work, row) != "failed":
        return None
    what = str(row.job_name or f"{row.platform} {row.configuration}")
    facts = [
        ("Project", str(row.project_name or "-")),
        ("Job", what),
        ("Branch", str(row.branch)),
        ("Build", f"#{row.number}"),
    ]
    link = f"{public_url}/builds/{ids.encode('build', row.id)}"
    if row.status == "success":
        news = News(f"Build fixed: {row.project_name or '-'} / {what}", facts, "good", link=link)
        return Composed(news, "fixed", job_key(row))
    facts.append(("Failure", str(row.failure_category or "not classified yet")))
    news = News(f"Build failed: {row.project_name or '-'} / {what}", facts, "bad", row.failure_line, link)
    return Composed(news, "failed", job_key(row))


def _project(event: Event, names: dict[int, str]) -> str:
    return names.get(event.project_id or 0, "-")


def _deployment_news(event: Event, names: dict[int, str], public_url: str, notes_link: str | None) -> Composed:
    data = event.payload
    facts = [
        ("Project", _project(event, names)),
        ("Platform", str(data.get("platform", "-"))),
        ("Branch", str(data.get("branch", "-"))),
        ("Build", str(data.get("build_id", "-"))),
    ]
    if notes_link is not None:
        facts.append(("Patch notes", notes_link))
    title = f"Deployment live: {_project(event, names)} {data.get('platform', '')} / {data.get('branch', '')}"
    return Composed(News(title, facts, "good", link=notes_link or f"{public_url}/deployments"), "live")


def _review_news(event: Event, names: dict[int, str], public_url: str) -> Composed:
    path = str(event.payload.get("path", event.resource_id))
    facts = [("Project", _project(event, names)), ("Asset", path)]
    return Composed(News(f"Asset needs review: {path}", facts, "info", link=f"{public_url}/assets"), "review")


def _flaky_news(event: Event, job_name: str, names: dict[int, str], public_url: str) -> Composed:
    facts = [("Project", _project(event, names)), ("Job", job_name), ("Why", str(event.payload.get("reason") or "-"))]
    return Composed(News(f"Job turned flaky: {job_name}", facts, "bad", link=f"{public_url}/builds"), "flaky")
