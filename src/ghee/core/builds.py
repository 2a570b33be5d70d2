"""Builds: what CI makes from a changelist, with their artifacts."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache
from typing import Any

import msgspec
import sqlalchemy as sa

from ghee import ids
from ghee.clock import utcnow
from ghee.core.changelists import MAX_NUMBER, changelist_id_for, latest_changelist
from ghee.core.events import record_event
from ghee.core.inputs import check_filter, check_free_text, check_label, check_moment
from ghee.core.inserts import insert_unless_taken
from ghee.core.paging import Slice, Window, cut
from ghee.core.projects import check_visible, get_project, lock_project
from ghee.db.database import Write
from ghee.db.functions import in_json_list, json_list, json_rows
from ghee.db.newest_first import newest_first, of_parent
from ghee.db.reads import Reads, Row, as_datetime
from ghee.db.tables import artifacts, builds
from ghee.errors import Conflict, Invalid, NotFound

_SECOND = timedelta(seconds=1)
STATUSES = ("pending", "running", "success", "failed", "cancelled")
FINISHED = frozenset({"success", "failed", "cancelled"})
# Status only moves forward: pending → running → one of the finished states.
_STAGE = {"pending": 0, "running": 1, "success": 2, "failed": 2, "cancelled": 2}
DEFAULT_BRANCH = "main"
MAX_PLATFORM = 60
MAX_CONFIGURATION = 60
MAX_BRANCH = 255
MAX_ARTIFACT_NAME = 255
MAX_URL = 2048
MAX_SIZE = 2**63 - 1  # a BIGINT column


class Artifact(msgspec.Struct, frozen=True):
    """A file a build produced."""

    name: str
    size_bytes: int
    url: str


class Build(msgspec.Struct, frozen=True):
    """One build and its artifacts."""

    id: int
    project_id: int
    number: int
    status: str
    platform: str
    configuration: str
    branch: str
    changelist: str | None
    changelist_id: int | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    artifacts: list[Artifact] = []

    @property
    def public_id(self) -> str:
        """``build_...``."""
        return ids.encode("build", self.id)

    @property
    def duration_seconds(self) -> int | None:
        """Whole seconds from start to finish, once both are known."""
        if self.started_at is None or self.finished_at is None:
            return None
        return max(0, (self.finished_at - self.started_at) // _SECOND)


class BuildFilter(msgspec.Struct, frozen=True):
    """Filters of the build list; ``None`` means no filter."""

    status: str | None = None
    branch: str | None = None
    configuration: str | None = None


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


def check_status(status: str, field: str = "status") -> str:
    """Return ``status`` if it is a build status, else raise ``Invalid``."""
    if status not in STATUSES:
        raise Invalid(field, f"must be one of {', '.join(STATUSES)}")
    return status


def build_row_id(public_id: str) -> int:
    """The row id behind ``build_...``; raises ``NotFound`` when malformed."""
    return ids.decode("build", public_id, "build")


# A build as read: the columns behind Build's fields, in order, then
# its artifacts as one JSON text of [id, name, size_bytes, url] arrays. One row
# per build costs less to read than a join's row per artifact (measured: see
# bench/README.md, section "builds_list.py", "Where the time went").
_ARTIFACTS = (
    sa.select(json_rows(artifacts.c.id, artifacts.c.name, artifacts.c.size_bytes, artifacts.c.url))
    .where(artifacts.c.build_id == builds.c.id)
    .scalar_subquery()
)
_BUILD_COLUMNS = (
    builds.c.id,
    builds.c.project_id,
    builds.c.number,
    builds.c.status,
    builds.c.platform,
    builds.c.configuration,
    builds.c.branch,
    builds.c.changelist,
    builds.c.changelist_id,
    builds.c.created_at,
    builds.c.started_at,
    builds.c.finished_at,
)
_READ = (*_BUILD_COLUMNS, _ARTIFACTS)
_ARTIFACT_ROWS = msgspec.json.Decoder(list[tuple[int, str, int, str]] | None)


@cache
def _list_statement(status: bool, branch: bool, configuration: bool) -> sa.Select[Any]:
    """A page of a project's builds, for one combination of filters.

    Every combination is answered in index order (``ix_builds_project_*``), so
    the database stops at the page's end without sorting, and the artifacts
    subquery runs only for the rows returned.
    """
    page = sa.select(*_READ).where(of_parent(builds.c.project_id, sa.bindparam("project_id")))
    if status:
        page = page.where(builds.c.status == sa.bindparam("status"))
    if branch:
        page = page.where(builds.c.branch == sa.bindparam("branch"))
    if configuration:
        page = page.where(builds.c.configuration == sa.bindparam("configuration"))
    order = newest_first(builds.c.project_id, builds.c.id)
    return page.order_by(*order).limit(sa.bindparam("limit")).offset(sa.bindparam("offset"))


_ONE_BUILD = sa.select(*_READ).where(builds.c.id == sa.bindparam("build_id"))


def _builds_from(rows: list[Row]) -> list[Build]:
    found = []
    for row in rows:
        build_id, project_id, number, status, platform, configuration, branch, changelist, cl_id = row[:9]
        created_at, started_at, finished_at, artifact_json = row[9:]
        listed = _ARTIFACT_ROWS.decode(artifact_json) if artifact_json is not None else None
        if listed and len(listed) > 1:
            listed.sort()  # by id: the order they were reported in
        found.append(
            Build(
                build_id,
                project_id,
                number,
                status,
                platform,
                configuration,
                branch,
                changelist,
                cl_id,
                as_datetime(created_at),  # type: ignore[arg-type]
                as_datetime(started_at),
                as_datetime(finished_at),
                [Artifact(name, size, url) for _, name, size, url in listed] if listed else [],
            )
        )
    return found


async def list_builds(reads: Reads, project_id: int, filters: BuildFilter, window: Window) -> Slice[Build]:
    """A project's builds, newest first, with artifacts. Raises ``Invalid`` for an unknown status."""
    params: dict[str, object] = {"project_id": project_id, "limit": window.limit + 1, "offset": window.offset}
    if filters.status is not None:
        params["status"] = check_status(filters.status)
    if filters.branch is not None:
        params["branch"] = check_filter("branch", filters.branch)
    if filters.configuration is not None:
        params["configuration"] = check_filter("configuration", filters.configuration)
    statement = _list_statement(
        filters.status is not None, filters.branch is not None, filters.configuration is not None
    )
    return cut(_builds_from(await reads.all(statement, params)), window)


async def list_project_builds(
    reads: Reads, project: str, only: int | None, filters: BuildFilter, window: Window
) -> Slice[Build]:
    """The builds of project ``proj_...`` as ``list_builds``; raises ``NotFound`` if missing or outside ``only``.

    A build implies its project, so the project is looked up only when the page is empty.
    """
    page = await list_builds(reads, check_visible(project, only), filters, window)
    if not page.items:
        await get_project(reads, project, only)
    return page


async def get_build(reads: Reads, public_id: str, only: int | None = None) -> Build:
    """The build ``build_...`` with artifacts; raises ``NotFound`` if missing or outside project ``only``."""
    build = await _build_by_row_id(reads, build_row_id(public_id), public_id)
    # A CI job's build outside any project (job not linked) is no project build.
    if build.project_id is None or (only is not None and build.project_id != only):
        raise NotFound("build", public_id)
    return build


_OF_CHANGELIST = (
    sa.select(*_READ)
    .where(builds.c.changelist_id == sa.bindparam("changelist_id"))
    .order_by(builds.c.id.desc())
    .limit(sa.bindparam("limit"))
)


async def builds_of_changelist(reads: Reads, changelist_id: int, limit: int) -> list[Build]:
    """The newest ``limit`` builds made from changelist row ``changelist_id``, with artifacts."""
    return _builds_from(await reads.all(_OF_CHANGELIST, {"changelist_id": changelist_id, "limit": limit}))


_NUMBERS = sa.select(builds.c.id, builds.c.number).where(in_json_list(builds.c.id, sa.bindparam("ids")))


async def build_numbers(reads: Reads, build_ids: list[int]) -> dict[int, int]:
    """The numbers of the builds with row ids ``build_ids``, by row id (one statement, for deployments)."""
    rows = await reads.all(_NUMBERS, {"ids": json_list(sorted(set(build_ids)))})
    return {int(row_id): int(number) for row_id, number in rows}


async def _build_by_row_id(reads: Reads, row_id: int, public_id: str) -> Build:
    found = _builds_from(await reads.all(_ONE_BUILD, {"build_id": row_id}))
    if not found:
        raise NotFound("build", public_id)
    return found[0]


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


async def create_build(work: Write, project_id: int, new: NewBuild) -> Build:
    """Queue a pending build; emits ``build.created``.

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
        next_number = (
            await work.scalar(
                sa.select(sa.func.coalesce(sa.func.max(builds.c.number), 0)).where(builds.c.project_id == project_id)
            )
            or 0
        ) + 1
        row_id = await work.scalar(
            insert_unless_taken(work, builds).values(number=next_number, **values).returning(builds.c.id)
        )
        if row_id is not None:
            break
        # Another process took this number at the same moment (SQLite takes no lock above).
    else:
        raise Conflict("could not allocate a build number, try again")
    build = Build(id=row_id, number=next_number, **values)
    await _emit(work, "build.created", build)
    return build


async def report_build(work: Write, build: Build, report: BuildReport) -> Build:
    """Apply a CI agent's report; emits ``build.updated`` and, on finishing, ``build.finished``.

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
        current = await _build_by_row_id(work, build.id, build.public_id)
        return await report_build(work, current, report)
    if report.artifacts:
        await _store_artifacts(work, build.id, report.artifacts, now)
    updated = await _build_by_row_id(work, build.id, build.public_id)
    await _emit(work, "build.updated", updated)
    if status in FINISHED and build.status not in FINISHED:
        await _emit(work, "build.finished", updated)
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


async def _emit(work: Write, event_type: str, build: Build) -> None:
    await record_event(
        work,
        event_type,
        resource_type="build",
        resource_id=build.public_id,
        project_id=build.project_id,
        payload={
            "id": build.public_id,
            "number": build.number,
            "status": build.status,
            "platform": build.platform,
            "configuration": build.configuration,
            "branch": build.branch,
            "changelist": build.changelist,
        },
    )


async def trigger_branch_build(work: Write, project_id: int, branch: str) -> Build:
    """Queue a build of ``branch`` at the newest changelist (none if the project has none yet).

    Platform and configuration repeat the project's last build, since a branch
    trigger names neither. Raises ``Invalid`` for a blank branch.
    """
    last = (
        await work.execute(
            sa.select(builds.c.platform, builds.c.configuration)
            .where(builds.c.project_id == project_id)
            .order_by(builds.c.id.desc())
            .limit(1)
        )
    ).first()
    platform, configuration = (last.platform, last.configuration) if last else ("default", "development")
    has_changelists = await latest_changelist(work, project_id) is not None
    changelist = "latest" if has_changelists else None
    return await create_build(work, project_id, NewBuild(platform, configuration, changelist, branch))
