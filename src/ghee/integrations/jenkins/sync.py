"""One sync pass of a Jenkins connection: decide what changed, fetch only that, write it through core.

The cost of a pass grows with what changed since the last one, not with
history. The job tree comes from one ``tree=`` query per three folder levels;
a job whose ``lastBuild.number`` equals the stored ``jobs.last_build_number``
and that has no open build (running, or its log not read to the end) is
skipped without another request. A changed job pages ``allBuilds{M,N}`` down
to the last stored number; its open builds are asked for one by one. Of its
new builds, the newest ``NEWEST_DETAILED`` and the failed ones among the
newest ``DETAILED`` have their console log and stages fetched (a first pass
over a long history leaves older passing builds' logs on the server).

Requests run ``connections.concurrency`` at a time (8 by default): that
many jobs are fetched at once, and a job's builds have their details asked
for together. A job's builds are written after every request for them is
done, so no transaction waits on Jenkins. Writes take turns; a turn writes
every job fetched while the last one ran, in one transaction (up to
``BATCH_BUILDS`` builds), and renews the connection's lease in it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from urllib.parse import unquote

import msgspec

from ghee.core.builds.model import Stage
from ghee.core.builds.synced import (
    MAX_LOG_BYTES,
    CiBuild,
    JobRef,
    LogPiece,
    OpenBuild,
    mark_builds_deleted,
    open_builds,
    record_jobs_builds,
)
from ghee.core.connections import renew_lease
from ghee.core.jobs.link_rules import apply_rules, rules_of
from ghee.core.jobs.model import Job
from ghee.core.jobs.reads import jobs_of
from ghee.core.jobs.seen import SeenJob, record_job_progress, record_seen_jobs
from ghee.db.database import Database, Write
from ghee.integrations.jenkins.client import JenkinsClient, JenkinsFailed
from ghee.integrations.jenkins.shapes import KINDS, MULTIBRANCH_CLASS, RemoteBuild, RemoteJob

log = logging.getLogger("ghee.sync")

PAGE = 100  # builds per allBuilds request
BATCH_BUILDS = 1000  # builds one write turn of a pass stores at most (several jobs' worth, when fetched meanwhile)
DETAILED = 50  # newest new builds per job per pass whose stages and log are fetched if they failed
NEWEST_DETAILED = 10  # newest new builds per job per pass whose stages and log are fetched whatever their result
_FAILED = frozenset({"FAILURE", "UNSTABLE", "ABORTED"})
PIPELINE_KINDS = frozenset({"pipeline", "branch"})


class LeaseLost(Exception):
    """Another worker took over the connection (this worker's lease expired)."""


class PassStats(msgspec.Struct):
    """What a pass saw and did, for the progress line and the bench."""

    jobs: int = 0
    changed: int = 0
    done: int = 0
    builds: int = 0
    finished: int = 0
    requests: int = 0
    seconds: float = 0.0
    errors: list[str] = []


Progress = Callable[[PassStats], None]


def _moment(millis: int | None) -> datetime | None:
    if not millis:
        return None
    return datetime.fromtimestamp(millis / 1000, UTC).replace(tzinfo=None)


def seen_job(remote: RemoteJob, folder: str, parent_class: str) -> SeenJob:
    """How a job found in folder ``folder`` (full name, ``""`` at the top) is recorded."""
    branch_job = parent_class == MULTIBRANCH_CLASS
    kind = "branch" if branch_job else KINDS.get(remote.class_, remote.class_.rsplit(".", 1)[-1].lower() or "job")
    return SeenJob(
        full_name=f"{folder}/{remote.name}" if folder else remote.name,
        name=remote.name,
        folder=f"/{folder}" if folder else "/",
        url=remote.url,
        kind=kind,
        branch=unquote(remote.name) if branch_job else None,
        last_build_number=remote.last_build.number if remote.last_build else None,
        first_build_number=remote.first_build.number if remote.first_build else None,
        label=remote.assigned_label.name if remote.assigned_label else None,
    )


async def walk(client: JenkinsClient) -> list[SeenJob]:
    """Every buildable job on the server, through folders and multibranch projects at any depth."""
    found: list[SeenJob] = []

    async def visit(items: Sequence[RemoteJob], folder: str, parent_class: str) -> None:
        for item in items:
            if item.is_folder:
                full_name = f"{folder}/{item.name}" if folder else item.name
                children = item.jobs if item.jobs is not None else await client.jobs(full_name)
                await visit(children, full_name, item.class_)
            elif item.name:
                found.append(seen_job(item, folder, parent_class))

    await visit(await client.jobs(), "", "")
    return found


def _strip_remote(branch: str) -> str:
    for prefix in ("refs/remotes/origin/", "remotes/origin/", "origin/", "refs/heads/"):
        if branch.startswith(prefix):
            return branch[len(prefix) :]
    return branch


def ci_build(
    remote: RemoteBuild,
    job: SeenJob,
    *,
    stages: list[Stage] | None = None,
    log_piece: LogPiece | None = None,
    queue_ms: int | None = None,
) -> CiBuild:
    """What ghee records of a build Jenkins reported."""
    causes: list[dict[str, object]] = []
    parameters: dict[str, object] = {}
    commit = git_branch = None
    for action in remote.actions:
        if action is None:
            continue
        causes.extend({"description": c.short_description, "user": c.user_id} for c in action.causes or ())
        for parameter in action.parameters or ():
            value = parameter.value
            parameters[parameter.name] = value if isinstance(value, (str, int, float, bool)) or value is None else None
        revision = action.last_built_revision
        if revision is not None and commit is None:
            commit = revision.sha1
            git_branch = _strip_remote(revision.branch[0].name) if revision.branch else None
        if action.queuing_duration_millis is not None:
            queue_ms = action.queuing_duration_millis
    by_upper = {name.upper(): value for name, value in parameters.items()}
    return CiBuild(
        number=remote.number,
        result=remote.result,
        building=remote.building,
        started_at=_moment(remote.timestamp),
        duration_ms=remote.duration if not remote.building else None,
        queue_ms=queue_ms,
        branch=job.branch or git_branch or "",
        commit=commit,
        platform=str(by_upper.get("PLATFORM") or ""),
        configuration=str(by_upper.get("CONFIGURATION") or ""),
        causes=causes,
        parameters=parameters,
        agent=remote.built_on or None,
        label=job.label,
        queue_id=remote.queue_id,
        url=remote.url or None,
        stages=stages,
        log=log_piece,
    )


async def _new_builds(client: JenkinsClient, job: SeenJob, stored_last: int) -> dict[int, RemoteBuild]:
    """Builds numbered above ``stored_last``, paging ``allBuilds`` from the newest down."""
    latest = job.last_build_number
    found: dict[int, RemoteBuild] = {}
    if latest is None or latest <= stored_last:
        return found
    start, size = 0, min(PAGE, latest - stored_last)
    while True:
        page = await client.builds(job.full_name, start, start + size)
        found.update((b.number, b) for b in page if b.number > stored_last)
        # Numbers run down by one unless builds were deleted, so reaching stored_last + 1 means done.
        if len(page) < size or page[-1].number <= stored_last + 1:
            return found
        start, size = start + size, PAGE


async def _details(
    client: JenkinsClient, job: SeenJob, remote: RemoteBuild, known: OpenBuild | None
) -> tuple[list[Stage] | None, LogPiece | None, int | None]:
    """Stages (pipelines), the next piece of console text, and the queue time when only the queue knows it."""
    stages = None
    queue_ms = None
    if job.kind in PIPELINE_KINDS:
        described = await client.describe(job.full_name, remote.number)
        if described is not None:
            queue_ms = described.queue_duration_millis
            stages = [
                Stage(s.name, s.status, _moment(s.start_time_millis), s.duration_millis) for s in described.stages
            ]
    has_queue_action = any(a is not None and a.queuing_duration_millis is not None for a in remote.actions)
    if queue_ms is None and not has_queue_action and remote.building and remote.queue_id is not None:
        item = await client.queue_item(remote.queue_id)
        if item is not None and item.in_queue_since and remote.timestamp:
            queue_ms = max(0, remote.timestamp - item.in_queue_since)
    piece = None
    if known is None or (known.log_bytes or 0) < MAX_LOG_BYTES:
        read = await client.log(job.full_name, remote.number, (known.log_cursor or 0) if known else 0)
        if read is not None:
            piece = LogPiece(read.text, read.next_start, complete=not read.more and not remote.building)
    return stages, piece, queue_ms


class JobChanges(msgspec.Struct):
    """What one job's part of a pass fetched, ready to write."""

    builds: list[CiBuild]
    vanished: list[int]  # open builds Jenkins no longer has


async def fetch_job(client: JenkinsClient, job: Job, seen: SeenJob, open_now: Sequence[OpenBuild]) -> JobChanges:
    """Everything new about ``job`` since the last pass: new builds, open builds again, their details."""
    remote = await _new_builds(client, seen, job.last_build_number or 0)
    open_by_number = {b.number: b for b in open_now}
    vanished = []
    for number in sorted(open_by_number):
        if number not in remote:
            again = await client.build(job.full_name, number)
            if again is None:
                vanished.append(number)
            else:
                remote[number] = again
    newest_first = sorted(remote, reverse=True)
    # A failed build's log and stages say why it failed; a passing one's matter for the newest few.
    detailed = [
        number
        for index, number in enumerate(newest_first[:DETAILED])
        if number not in open_by_number and (index < NEWEST_DETAILED or remote[number].result in _FAILED)
    ]
    detailed += sorted(open_by_number.keys() & remote.keys(), reverse=True)
    # The client keeps its share of requests in flight; each build's own requests follow one another.
    details = await asyncio.gather(
        *(_details(client, seen, remote[number], open_by_number.get(number)) for number in detailed)
    )
    by_number = dict(zip(detailed, details, strict=True))
    found = []
    for number in newest_first:
        if number in by_number:
            stages, piece, queue_ms = by_number[number]
            found.append(ci_build(remote[number], seen, stages=stages, log_piece=piece, queue_ms=queue_ms))
        else:
            found.append(ci_build(remote[number], seen))
    return JobChanges(found, vanished)


class Fetched(msgspec.Struct, frozen=True):
    """One job's part of a pass, fetched and waiting to be written."""

    job: Job
    seen: SeenJob
    changes: JobChanges


async def write_job_changes(work: Write, job: Job, seen: SeenJob, changes: JobChanges) -> list[int]:
    """Write what ``fetch_job`` found, and where the job now stands; the ids of builds that finished."""
    [finished] = await write_jobs_changes(work, [Fetched(job, seen, changes)])
    return finished


async def write_jobs_changes(work: Write, fetched: Sequence[Fetched]) -> list[list[int]]:
    """``write_job_changes`` for several jobs in one transaction; each one's finished ids, in order."""
    finished = await record_jobs_builds(work, [(JobRef(f.job.id, f.job.project_id), f.changes.builds) for f in fetched])
    for f in fetched:
        await mark_builds_deleted(work, f.job.id, below=_first_kept(f.job, f.seen), numbers=f.changes.vanished)
        last = next((b for b in f.changes.builds if b.number == f.seen.last_build_number), None)
        await record_job_progress(work, f.job.id, f.seen.last_build_number, last.result if last else f.job.last_result)
    return finished


def seen_again(job: Job, remote: RemoteJob) -> SeenJob:
    """A stored job as Jenkins describes it now (``client.job``), without walking the tree."""
    return SeenJob(
        full_name=job.full_name,
        name=job.name,
        folder=job.folder,
        url=remote.url or job.url,
        kind=job.kind,
        branch=job.branch,
        last_build_number=remote.last_build.number if remote.last_build else None,
        first_build_number=remote.first_build.number if remote.first_build else None,
        label=remote.assigned_label.name if remote.assigned_label else None,
    )


def _changed(job: Job, seen: SeenJob, open_now: Sequence[OpenBuild]) -> bool:
    return bool(open_now) or seen.last_build_number != job.last_build_number


async def run_pass(  # noqa: PLR0913 (the pass's options are named at the call)
    db: Database,
    client: JenkinsClient,
    connection_id: int,
    owner: str,
    *,
    progress: Progress | None = None,
    stop: asyncio.Event | None = None,
) -> PassStats:
    """Sync every job of the connection ``owner`` holds the lease of; raises ``JenkinsError`` or ``LeaseLost``.

    A job whose fetch fails with a ``JenkinsFailed`` is left for the next pass
    and named in ``errors``; the others are written. ``stop`` ends the pass
    after the jobs in flight: what is written stays written.
    """
    began = time.monotonic()
    stats = PassStats()
    seen = await walk(client)
    async with db.write() as work:
        if not await renew_lease(work, connection_id, owner):
            raise LeaseLost
        before = await jobs_of(work, connection_id)
        known = set(before)
        stored = await record_seen_jobs(work, connection_id, seen, before)
        fresh = [job for name, job in stored.items() if name not in known]
        if fresh and await apply_rules(work, await rules_of(work, connection_id), fresh):
            stored = await jobs_of(work, connection_id)  # the jobs the rules linked, with their project
        live = [(stored[s.full_name], s) for s in seen if s.full_name in stored]
        still_open = await open_builds(work, [job.id for job, _ in live])
    changed = [(job, s) for job, s in live if _changed(job, s, still_open.get(job.id, ()))]
    stats.jobs, stats.changed, stats.requests = len(live), len(changed), client.requests
    if progress:
        progress(stats)
    # As many jobs at once as requests in flight: each job's requests mostly follow one another.
    gate = asyncio.Semaphore(client.in_flight)
    write_turn = asyncio.Lock()  # writes take turns: SQLite has one writer, and it keeps PostgreSQL calm
    waiting: list[Fetched] = []  # fetched, not yet written: the next turn writes them together

    async def sync_job(job: Job, seen_now: SeenJob) -> None:
        if stop is not None and stop.is_set():
            return
        async with gate:
            try:
                changes = await fetch_job(client, job, seen_now, still_open.get(job.id, ()))
            except JenkinsFailed as exc:
                log.warning("sync of job %s failed: %s", job.full_name, exc)
                stats.errors.append(f"{job.full_name}: {exc}")
                return
        waiting.append(Fetched(job, seen_now, changes))
        # A turn per job fetched, each taking one job at least: every job is written by some turn.
        async with write_turn:
            batch = _next_batch(waiting)
            if not batch:
                return  # earlier turns wrote this job with theirs
            async with db.write() as work:
                if not await renew_lease(work, connection_id, owner):
                    raise LeaseLost
                finished = await write_jobs_changes(work, batch)
        stats.done += len(batch)
        stats.builds += sum(len(f.changes.builds) for f in batch)
        stats.finished += sum(map(len, finished))
        stats.requests = client.requests
        if progress:
            progress(stats)

    await asyncio.gather(*(sync_job(job, s) for job, s in changed))
    stats.requests = client.requests
    stats.seconds = time.monotonic() - began
    return stats


def _next_batch(waiting: list[Fetched]) -> list[Fetched]:
    """Take the fetched jobs one write turn stores: the oldest first, up to ``BATCH_BUILDS`` builds (one at least)."""
    taken, builds_taken = 0, 0
    for fetched in waiting:
        if taken and builds_taken + len(fetched.changes.builds) > BATCH_BUILDS:
            break
        taken += 1
        builds_taken += len(fetched.changes.builds)
    batch = waiting[:taken]
    del waiting[:taken]
    return batch


def _first_kept(job: Job, seen: SeenJob) -> int | None:
    """Builds numbered below this are gone from Jenkins (rotated away); ``None`` when nothing says so."""
    if seen.first_build_number is not None:
        return seen.first_build_number
    if seen.last_build_number is None and job.last_build_number is not None:
        return job.last_build_number + 1  # the job has no builds left at all
    return None
