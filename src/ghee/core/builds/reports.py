"""Builds an agent reports: queued through a dialect, then moved along by the agent's reports.

Such a build has no job: it is numbered within its project's own builds
(``uq_builds_project_number``), so a linked job's numbers never collide with
it, and the dashboard names the job of every build that has one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec
import sqlalchemy as sa

from ghee.clock import utcnow
from ghee.core.builds.events import BuildFacts, build_event
from ghee.core.builds.finished import builds_finished
from ghee.core.builds.model import FINISHED, Artifact, Build, check_status
from ghee.core.builds.reads import build_by_row_id
from ghee.core.changelists import MAX_NUMBER, changelist_id_for, latest_changelist
from ghee.core.events import record_events
from ghee.core.inputs import check_free_text, check_label, check_moment
from ghee.core.inserts import insert_unless_taken
from ghee.core.projects import lock_project
from ghee.db.database import Write
from ghee.db.tables import artifacts, builds
from ghee.errors import Conflict, Invalid

# Status only moves forward: pending → running → one of the finished states.
_STAGE = {"pending": 0, "running": 1, "success": 2, "failed": 2, "cancelled": 2}
DEFAULT_BRANCH = "main"
MAX_PLATFORM = 60
MAX_CONFIGURATION = 60
MAX_BRANCH = 255
MAX_ARTIFACT_NAME = 255
MAX_URL = 2048
MAX_SIZE = 2**63 - 1  # a BIGINT column


class NewBuild(msgspec.Struct, frozen=True):
    """A build request: what to build and from which changelist (``"latest"`` or a number)."""

    platform: str
    configuration: str
    changelist: str | None = "latest"
    branch: str = DEFAULT_BRANCH


class BuildReport(msgspec.Struct, frozen=True):
    """What a CI agent reports about a build; ``None`` leaves a field as it is."""

    status: str | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    artifacts: list[Artifact] | None = None


def facts_of(build: Build) -> BuildFacts:
    """What a build's events say about ``build``."""
    return BuildFacts(
        build.id,
        build.project_id,
        build.job_id,
        build.number,
        build.status,
        build.result,
        build.platform,
        build.configuration,
        build.branch,
        build.changelist,
        build.commit,
        build.url,
    )


async def _resolve_changelist(work: Write, project_id: int, wanted: str | None) -> tuple[str | None, int | None]:
    if wanted is None or wanted == "":
        return None, None
    if wanted == "latest":
        latest = await latest_changelist(work, project_id)
        if latest is None:
            raise Conflict("the project has no changelists yet, so 'latest' names none; give a number")
        return str(latest.number), latest.id
    if not (wanted.isascii() and wanted.isdigit()) or not 1 <= int(wanted) <= MAX_NUMBER:
        raise Invalid("changelist", f"must be 'latest' or a changelist number from 1 to {MAX_NUMBER}")
    # A CI may build a change ghee has not heard of yet: keep the number, link when known.
    return str(int(wanted)), await changelist_id_for(work, project_id, int(wanted))


_NEXT_NUMBER = sa.select(sa.func.coalesce(sa.func.max(builds.c.number), 0) + 1).where(
    builds.c.project_id == sa.bindparam("project_id"), builds.c.job_id.is_(None)
)


async def create_build(work: Write, project_id: int, new: NewBuild) -> Build:
    """Queue a pending build, numbered within the project's own builds; emits ``build.created``.

    Raises ``Invalid`` for blank fields or a malformed changelist, ``Conflict``
    when ``latest`` is asked of a project with no changelists.
    """
    platform = check_label("platform", new.platform, MAX_PLATFORM)
    configuration = check_label("configuration", new.configuration, MAX_CONFIGURATION)
    branch = check_label("branch", new.branch, MAX_BRANCH)
    number_text, changelist_id = await _resolve_changelist(work, project_id, new.changelist)
    now = utcnow()
    values: dict[str, Any] = {
        "project_id": project_id,
        "status": "pending",
        "platform": platform,
        "configuration": configuration,
        "branch": branch,
        "changelist": number_text,
        "changelist_id": changelist_id,
        "created_at": now,
        "started_at": None,
        "finished_at": None,
    }
    await lock_project(work, project_id)  # processes on PostgreSQL take turns numbering a project's builds
    for _attempt in range(5):
        next_number = int(await work.scalar(_NEXT_NUMBER, {"project_id": project_id}) or 1)
        row_id = await work.scalar(
            insert_unless_taken(work, builds).values(number=next_number, **values).returning(builds.c.id)
        )
        if row_id is not None:
            break
        # Another process took this number at the same moment (SQLite takes no lock above).
    else:
        raise Conflict("could not allocate a build number, try again")
    build = Build(id=row_id, job_id=None, number=next_number, **values)
    await record_events(work, [build_event("build.created", facts_of(build))])
    return build


async def report_build(work: Write, build: Build, report: BuildReport) -> Build:
    """Apply a CI agent's report; emits ``build.updated`` and, on finishing, ``build.finished``.

    A build that finishes goes through ``builds_finished`` like a synced one.
    Raises ``Invalid`` for an unknown status or negative artifact size, and
    ``Conflict`` when the status would move backwards or leave a finished state.
    """
    status = build.status
    if report.status is not None and report.status != build.status:
        check_status(report.status)
        if _STAGE[report.status] <= _STAGE[build.status]:
            raise Conflict(f"a {build.status} build cannot become {report.status}")
        status = report.status
    now = utcnow()
    started_at = check_moment("started_at", report.started_at) if report.started_at else build.started_at
    finished_at = check_moment("finished_at", report.finished_at) if report.finished_at else build.finished_at
    if status != "pending" and started_at is None:
        started_at = finished_at or now
    if status in FINISHED and finished_at is None:
        finished_at = now
    if started_at and finished_at and finished_at < started_at:
        raise Invalid("finished_at", "must not be before started_at")
    moved = await work.execute(
        builds.update()
        .where(builds.c.id == build.id, builds.c.status == build.status)
        .values(status=status, started_at=started_at, finished_at=finished_at)
    )
    if moved.rowcount != 1:
        # Another report moved the build since it was read: judge this one against where it is now.
        return await report_build(work, await build_by_row_id(work, build.id, build.public_id), report)
    if report.artifacts:
        await _store_artifacts(work, build.id, report.artifacts, now)
    updated = await build_by_row_id(work, build.id, build.public_id)
    happened = [build_event("build.updated", facts_of(updated))]
    finished_now = status in FINISHED and build.status not in FINISHED
    if finished_now:
        happened.append(build_event("build.finished", facts_of(updated)))
    await record_events(work, happened)
    if finished_now:
        await builds_finished(work, [updated.id])
        updated = await build_by_row_id(work, build.id, build.public_id)
    return updated


async def _store_artifacts(work: Write, build_id: int, items: list[Artifact], now: datetime) -> None:
    by_name: dict[str, Artifact] = {}
    for index, artifact in enumerate(items):
        name = check_label(f"artifacts[{index}].name", artifact.name, MAX_ARTIFACT_NAME)
        if not 0 <= artifact.size_bytes <= MAX_SIZE:
            raise Invalid(f"artifacts[{index}].size_bytes", f"must be between 0 and {MAX_SIZE}")
        if not artifact.url or len(artifact.url) > MAX_URL:
            raise Invalid(f"artifacts[{index}].url", f"must be 1 to {MAX_URL} characters")
        check_free_text(f"artifacts[{index}].url", artifact.url)
        by_name[name] = artifact
    # Re-reporting an artifact by name replaces it (an agent retrying an upload).
    await work.execute(artifacts.delete().where(artifacts.c.build_id == build_id, artifacts.c.name.in_(list(by_name))))
    await work.execute(
        artifacts.insert(),
        [
            {"build_id": build_id, "name": name, "size_bytes": a.size_bytes, "url": a.url, "created_at": now}
            for name, a in by_name.items()
        ],
    )
