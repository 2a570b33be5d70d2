"""Projects: builds (live list, build page with stages, artifacts and log), changelists, deployments.

A build is one thing whoever ran it: one an agent reports through
ButterStack's ``/v1`` (platform, configuration, changelist, artifacts) or one
the Jenkins sync records (its job, stages, agent, queue time, console log).
A build page shows what the build has.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import msgspec
from litestar import Request, Response, get, post
from litestar.response import Redirect, Stream, Template

from ghee import ids
from ghee.clock import utcnow
from ghee.core import changelists, deployments
from ghee.core.builds import dispatches
from ghee.core.builds import logs as build_logs
from ghee.core.builds import reads as build_reads
from ghee.core.builds.failures import Explanation, explain_in_thread
from ghee.core.builds.model import FAILED_RESULTS, STATUSES, Build, BuildFilter, Stage
from ghee.core.builds.reports import DEFAULT_BRANCH, NewBuild
from ghee.core.builds.trigger import trigger_build
from ghee.core.failure_causes import all_causes
from ghee.core.jobs.model import job_public_id
from ghee.core.paging import Window
from ghee.core.projects import Project, get_project, list_projects
from ghee.dashboard.nav import NavItem, add_nav
from ghee.dashboard.web import render
from ghee.db.database import Database
from ghee.db.reads import Reads
from ghee.errors import Invalid, NotFound
from ghee.http.ranges import RangeNotSatisfiable, byte_range

BUILDS_PER_PAGE = 25
CHANGELISTS_PER_PAGE = 25
DEPLOYMENTS_PER_PAGE = 25
PROJECT_CHOICES = 200
LOG_TAIL = 64 * 1024
"""Bytes of the console log a build page shows at first (the end, where failures are)."""
LOG_PIECE = 256 * 1024
"""The most bytes one ``/builds/:id/log`` answer carries when asked for an open range."""
LINKED_BUILDS = 50

add_nav(NavItem("Builds", "/builds", order=20))

MAX_PAGE = 100_000


def page_number(text: str | None) -> int:
    """The ``?page=`` asked for (1 when absent); raises ``Invalid`` (a 400 page) for anything but 1 to 100000."""
    if text is None or text == "":
        return 1
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= MAX_PAGE:
        raise Invalid("page", f"must be a whole number from 1 to {MAX_PAGE}")
    return int(text)


def duration_text(seconds: float | None) -> str:
    """``1h 02m``, ``3m 07s``, ``12s``; an em dash when unknown."""
    if seconds is None:
        return "—"
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes:02d}m"
    if minutes:
        return f"{minutes}m {secs:02d}s"
    return f"{secs}s"


def size_text(size: int | None) -> str:
    """A byte count for people: ``1.2 GB``, ``340 KB``, ``12 B``."""
    if size is None:
        return "—"
    value = float(size)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if value < 1000 or unit == "TB":  # noqa: PLR2004 (decimal units)
            return f"{int(value)} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{size} B"  # pragma: no cover (the loop always returns)


def web_link(url: str | None) -> str | None:
    """``url`` if it is an http(s) address, else ``None``: a reported URL is never a ``javascript:`` link."""
    if url and url.lower().startswith(("https://", "http://")):
        return url
    return None


@dataclass(frozen=True)
class BuildRow:
    """A build as a row of the list: what both sources have."""

    public_id: str
    number: int
    status: str
    platform: str
    configuration: str
    branch: str
    changelist: str | None
    duration: str
    created_at: datetime
    job_name: str | None = None

    @classmethod
    def of(cls, build: Build) -> BuildRow:
        seconds: float | None = build.duration_seconds
        if seconds is None and build.status == "running" and build.started_at is not None:
            seconds = (utcnow() - build.started_at).total_seconds()
        return cls(
            build.public_id,
            build.number,
            build.status,
            build.platform,
            build.configuration,
            build.branch,
            build.changelist,
            duration_text(seconds),
            build.created_at,
            build.job_name,
        )


@dataclass(frozen=True)
class StageBar:
    """A stage of the timeline: its share of the build's time, in percent."""

    name: str
    status: str
    label: str
    duration: str
    percent: float


def _stage_bars(stages: list[Stage]) -> list[StageBar]:
    total = sum(max(stage.duration_ms, 0) for stage in stages)
    bars = []
    for stage in stages:
        share = (max(stage.duration_ms, 0) / total * 100) if total else 100 / len(stages)
        status = stage.status.upper()
        css = {"SUCCESS": "success", "FAILED": "failed", "UNSTABLE": "failed", "ABORTED": "cancelled"}.get(
            status, "running" if status in {"IN_PROGRESS", "PAUSED_PENDING_INPUT"} else "pending"
        )
        bars.append(StageBar(stage.name, css, stage.result, duration_text(stage.duration_ms / 1000), share))
    return bars


async def _projects(reads: Reads, wanted: str | None) -> tuple[list[Project], Project | None]:
    """The projects to choose from and the chosen one (``wanted``, else the first by name)."""
    choices = (await list_projects(reads, Window(PROJECT_CHOICES))).items
    if wanted:
        return choices, await get_project(reads, wanted)
    return choices, choices[0] if choices else None


@get("/builds")
async def builds_page(  # noqa: PLR0913 (the page's query arguments)
    request: Request[Any, Any, Any],
    db: Database,
    project: str | None = None,
    status: str | None = None,
    branch: str | None = None,
    page: str | None = None,
) -> Template:
    """A project's builds, newest first, filtered by status and branch; rows follow ``build.*`` live."""
    number = page_number(page)
    choices, chosen = await _projects(db.read(), project)
    filters = BuildFilter(status=status or None, branch=(branch or "").strip() or None)
    rows: list[BuildRow] = []
    has_more = False
    error = None
    if chosen is not None:
        try:
            found = await build_reads.list_builds(
                db.read(),
                msgspec.structs.replace(filters, project_id=chosen.id),
                Window(BUILDS_PER_PAGE, (number - 1) * BUILDS_PER_PAGE),
            )
            rows, has_more = [BuildRow.of(b) for b in found.items], found.has_more
        except Invalid as exc:
            error = str(exc)
    return render(
        request,
        "pages/builds.html",
        status_code=400 if error else 200,
        title="Builds",
        projects=choices,
        project=chosen,
        statuses=STATUSES,
        status=status or "",
        branch=branch or "",
        rows=rows,
        page=number,
        has_more=has_more,
        error=error,
        filtered=bool(filters.status or filters.branch),
        tab="builds",
    )


@get("/builds/{build_id:str}/row")
async def build_row(
    request: Request[Any, Any, Any], db: Database, build_id: str, project: str | None = None
) -> Template:
    """One row of the builds list (what the live list swaps in); 404 when not a build of ``project``."""
    build = await build_reads.get_build(db.read(), build_id, of_project=True)
    if project is not None and ids.encode("proj", build.project_id) != project:
        raise NotFound("build", build_id)
    return render(request, "pages/_build_row.html", title="", row=BuildRow.of(build))


@get("/builds/{build_id:str}")
async def build_page(request: Request[Any, Any, Any], db: Database, build_id: str) -> Template:
    """One build: summary, stages timeline, artifacts, changelist, deployments, console log."""
    reads = db.read()
    build = await build_reads.get_build(reads, build_id)
    project = await get_project(reads, ids.encode("proj", build.project_id)) if build.project_id is not None else None
    changelist = None
    if build.changelist_id is not None:
        changelist = await changelists.get_changelist_by_row_id(reads, build.changelist_id)
    deployed = await deployments.deployments_of_build(reads, build.id)
    causes = await build_reads.build_causes(reads, build.id)
    log_size = await build_logs.log_size(reads, build.id)
    has_log = build.job_id is not None or log_size > 0
    tail_start = max(0, log_size - LOG_TAIL)
    log_text = ""
    if log_size:
        pieces = [piece async for piece in build_logs.read_log(reads, build.id, tail_start, log_size)]
        log_text = b"".join(pieces).decode("utf-8", errors="replace")
    explained = Explanation(None)
    if build.result in FAILED_RESULTS and log_text:
        explained = await explain_in_thread(
            await all_causes(reads), log_text, [stage.name for stage in build.stages if stage.failed]
        )
    cut_at = (explained.start, explained.end) if explained.start is not None else (len(log_text), len(log_text))
    return render(
        request,
        "pages/build.html",
        title=f"{build.job_name} #{build.number}" if build.job_name else f"Build #{build.number}",
        build=build,
        public_id=build.public_id,
        project=project,
        job_link=None if build.job_id is None else f"/health?job={job_public_id(build.job_id)}",
        status=build.status,
        duration=_duration(build),
        queue=duration_text(None if build.queue_ms is None else build.queue_ms / 1000),
        causes=causes or (["Reported through the ButterStack API"] if build.job_id is None else []),
        dispatch_problem=await dispatches.dispatch_problem(reads, build.id),
        stages=_stage_bars(build.stages),
        artifacts=[(a, size_text(a.size_bytes), web_link(a.url)) for a in build.artifacts],
        ci_link=web_link(build.url),
        changelist=changelist,
        deployments=deployed,
        has_log=has_log,
        log_before=log_text[: cut_at[0]],
        log_error=log_text[cut_at[0] : cut_at[1]],
        log_after=log_text[cut_at[1] :],
        matched_cause=explained.cause,
        log_offset=log_size,
        log_truncated=tail_start > 0,
        log_more=build.job_id is not None and not build.log_complete,
        tab="builds",
    )


def _duration(build: Build) -> str:
    """How long the build took, or has been running so far."""
    if build.duration is not None:
        return duration_text(build.duration / 1000)
    if build.started_at is not None and build.building:
        return duration_text((utcnow() - build.started_at).total_seconds()) + " so far"
    return duration_text(None)


@get("/builds/{build_id:str}/progress")
async def build_progress(request: Request[Any, Any, Any], db: Database, build_id: str) -> Template:
    """What of the build page moves while it runs (duration, stages), swapped in every 2 s by ``app.js``."""
    build = await build_reads.get_build(db.read(), build_id)
    return render(
        request,
        "pages/_build_progress.html",
        title="",
        build=build,
        status=build.status,
        duration=_duration(build),
        stages=_stage_bars(build.stages),
    )


@post("/builds/{build_id:str}/rebuild")
async def rebuild(db: Database, build_id: str) -> Redirect:
    """Build the same again (platform, configuration, changelist, branch) by the one trigger rule; open the new build.

    A project linked to a Jenkins job queues it there; otherwise the build waits for an agent.
    """
    build = await build_reads.get_build(db.read(), build_id)
    if build.project_id is None:
        raise Invalid("build", "belongs to no project: link its job to a project to rebuild it from ghee")
    again = NewBuild(
        build.platform or "default",
        build.configuration or "development",
        build.changelist if build.changelist_id is not None else None,
        build.branch or DEFAULT_BRANCH,
    )
    async with db.write() as work:
        made = await trigger_build(work, build.project_id, again)
    return Redirect(f"/builds/{made.public_id}", status_code=303)


@get("/builds/{build_id:str}/log", media_type="text/plain; charset=utf-8")
async def build_log(request: Request[Any, Any, Any], db: Database, build_id: str) -> Response[Any]:
    """The console log as text, ``Range: bytes=N-`` for what came after byte N (206, or 416 when nothing new).

    ``X-More-Data: true`` while the CI is still sending it; the log viewer polls until it is ``false``.
    """
    reads = db.read()
    build = await build_reads.get_build(reads, build_id)
    size = await build_logs.log_size(reads, build.id)
    more = build.job_id is not None and not build.log_complete
    headers = {"Accept-Ranges": "bytes", "X-More-Data": "true" if more else "false", "Cache-Control": "no-store"}
    try:
        wanted = byte_range(request.headers.get("range"), size)
    except RangeNotSatisfiable:
        return Response(b"", status_code=416, headers={**headers, "Content-Range": f"bytes */{size}"})
    start, end = wanted or (0, size)
    if wanted is not None:
        end = min(end, start + LOG_PIECE)
        headers["Content-Range"] = f"bytes {start}-{end - 1}/{size}"
    headers["Content-Length"] = str(end - start)
    return Stream(
        build_logs.read_log(reads, build.id, start, end),
        status_code=206 if wanted is not None else 200,
        media_type="text/plain; charset=utf-8",
        headers=headers,
    )


@get("/changelists")
async def changelists_page(
    request: Request[Any, Any, Any], db: Database, project: str | None = None, page: str | None = None
) -> Template:
    """A project's changelists, newest number first, with how many files each touched."""
    number = page_number(page)
    choices, chosen = await _projects(db.read(), project)
    items: list[changelists.Changelist] = []
    has_more = False
    if chosen is not None:
        found = await changelists.list_changelists(
            db.read(), chosen.id, Window(CHANGELISTS_PER_PAGE, (number - 1) * CHANGELISTS_PER_PAGE)
        )
        items, has_more = found.items, found.has_more
    return render(
        request,
        "pages/changelists.html",
        title="Changelists",
        projects=choices,
        project=chosen,
        changelists=items,
        page=number,
        has_more=has_more,
        tab="changelists",
    )


@get("/changelists/{changelist_id:str}")
async def changelist_page(request: Request[Any, Any, Any], db: Database, changelist_id: str) -> Template:
    """One changelist: author, description, files (action, path) and the builds made from it."""
    reads = db.read()
    changelist = await changelists.get_changelist(reads, changelist_id)
    project = await get_project(reads, ids.encode("proj", changelist.project_id))
    made = await build_reads.builds_of_changelist(reads, changelist.id, LINKED_BUILDS)
    return render(
        request,
        "pages/changelist.html",
        title=f"Changelist {changelist.number}",
        changelist=changelist,
        project=project,
        rows=[BuildRow.of(b) for b in made],
        tab="changelists",
    )


@get("/deployments")
async def deployments_page(
    request: Request[Any, Any, Any], db: Database, project: str | None = None, page: str | None = None
) -> Template:
    """What is live on each platform and branch, and the deployment history."""
    number = page_number(page)
    choices, chosen = await _projects(db.read(), project)
    live: list[deployments.Deployment] = []
    history: list[deployments.Deployment] = []
    has_more = False
    numbers: dict[int, int] = {}
    if chosen is not None:
        reads = db.read()
        live = await deployments.live_deployments(reads, chosen.id)
        found = await deployments.list_deployments(
            reads,
            chosen.id,
            deployments.DeploymentFilter(),
            Window(DEPLOYMENTS_PER_PAGE, (number - 1) * DEPLOYMENTS_PER_PAGE),
        )
        numbers = await build_reads.build_numbers(reads, [d.build_id for d in [*live, *found.items]])
        history, has_more = found.items, found.has_more
    platforms = sorted({d.platform for d in live})
    branches = sorted({d.branch for d in live})
    grid = {(d.platform, d.branch): d for d in live}
    return render(
        request,
        "pages/deployments.html",
        title="Deployments",
        projects=choices,
        project=chosen,
        platforms=platforms,
        branches=branches,
        grid=grid,
        history=history,
        numbers=numbers,
        page=number,
        has_more=has_more,
        tab="deployments",
    )


ROUTES = [
    builds_page,
    build_row,
    build_page,
    build_progress,
    rebuild,
    build_log,
    changelists_page,
    changelist_page,
    deployments_page,
]
