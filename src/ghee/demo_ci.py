"""The demo's CI history: a month of a studio's Jenkins, as if a sync had read it, so every CI page has content.

A connection marked ``demo`` (shown like any other, never contacted: no
pass, follower or dispatch calls it) holds folders per project, a
multibranch project with release, feature and pull-request branches, and a
few hundred builds over the last thirty days with stages, console logs,
causes and agents. Failed builds log what really fails in a game studio
(compile errors, failing tests, a lost agent, a timeout, running out of
memory, a shader or a cook error), so the default failure causes classify
them into several categories, and one job flips on the same commit (flaky).

Everything goes through core as a sync would: ``record_seen_jobs`` for the
jobs, ``record_job_builds`` for each job's builds (which classifies them,
counts them into the rollups and weighs flakiness), then the connection's
link rules put each folder's jobs into the demo project of that folder.
A fixed seed makes every load the same.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from ghee.clock import utcnow
from ghee.core.builds.model import Stage
from ghee.core.builds.synced import CiBuild, JobRef, LogPiece, record_job_builds
from ghee.core.jobs.link_rules import LinkRule, save_rules
from ghee.core.jobs.reads import jobs_of
from ghee.core.jobs.seen import SeenJob, record_job_progress, record_seen_jobs
from ghee.db.database import Write
from ghee.db.tables import connections, projects

SEED = 4242
DAYS = 30
NAME = "Ironpeak Jenkins (demo)"
URL = "https://jenkins.ironpeak.example/"
AGENTS = tuple(f"build-agent-{n:02d}" for n in range(1, 7))
STILL_BROKEN = 0.6  # chance that the build after a failed one fails the same way
QUIET_AFTER_FIX = 15  # builds after a fix before a job breaks again: steady jobs do not look flaky
STARTED_BY = ("Started by timer", "Started by user Maya Chen", "Started by an SCM change", "Branch indexing")

# What a failed build's log says, by what went wrong; each matches one of the default failure causes.
FAILURES: dict[str, tuple[str, ...]] = {
    "compile": (
        "Source/Skyforge/Player/PlayerMovement.cpp:212:14: error: use of undeclared identifier 'bIsSprintng'",
        "Source/Skyforge/AI/Patrol.cpp:88:3: error: no matching function for call to 'FindPath'",
    ),
    "test": (
        "Tests run: 412, Failures: 3, Errors: 0, Skipped: 2",
        "[FAIL] Skyforge.Inventory.StackSplit: expected 5 but was 4",
    ),
    "agent": (
        "java.io.IOException: Backing channel 'build-agent-04' is disconnected.",
        "FATAL: command execution failed",
    ),
    "timeout": ("Cancelling nested steps due to timeout", "Timeout has been exceeded"),
    "memory": ("LogMemory: Fatal error: Ran out of memory allocating 2147483648 bytes", "std::bad_alloc"),
    "shader": (
        "Shader compile error in /Engine/Private/BasePassPixelShader.usf(812): error X3004: undeclared identifier",
    ),
    "cook": ("LogCook: Error: Cook failed for package /Game/Maps/Harbor_P",),
}


@dataclass(frozen=True)
class DemoJob:
    """A job of the demo Jenkins: where it sits, how often it runs, how it fails."""

    full_name: str
    kind: str  # pipeline, freestyle or branch
    every_hours: float
    stages: tuple[str, ...]
    fails: tuple[str, ...]  # kinds of failure (FAILURES keys) it suffers
    fail_rate: float  # chance that a passing job breaks at its next build
    minutes: tuple[int, int]
    flaky: bool = False


JOBS = (
    DemoJob(
        "skyforge/game/main",
        "branch",
        8,
        ("Checkout", "Compile", "Test", "Cook", "Package"),
        ("compile", "test", "cook", "shader"),
        0.12,
        (38, 55),
    ),
    DemoJob(
        "skyforge/game/release%2F1.2",
        "branch",
        24,
        ("Checkout", "Compile", "Test", "Cook", "Package"),
        ("cook", "memory"),
        0.12,
        (45, 60),
    ),
    DemoJob(
        "skyforge/game/feature%2Fnew-ui",
        "branch",
        12,
        ("Checkout", "Compile", "Test"),
        ("compile", "test"),
        0.12,
        (20, 32),
    ),
    DemoJob("skyforge/game/PR-12", "branch", 36, ("Checkout", "Compile", "Test"), ("compile",), 0.087, (18, 25)),
    DemoJob(
        "skyforge/server-linux",
        "pipeline",
        12,
        ("Checkout", "Compile", "Test", "Package"),
        ("compile", "agent"),
        0.12,
        (14, 22),
    ),
    DemoJob(
        "skyforge/shaders", "pipeline", 24, ("Checkout", "Compile Shaders"), ("shader", "timeout"), 0.037, (25, 70)
    ),
    DemoJob(
        "pocket-tactics/android-nightly",
        "pipeline",
        24,
        ("Checkout", "Build", "Test", "Sign"),
        ("test", "memory", "agent"),
        0.12,
        (16, 24),
    ),
    DemoJob(
        "pocket-tactics/ios-nightly",
        "pipeline",
        24,
        ("Checkout", "Build", "Test", "Sign"),
        ("test", "timeout"),
        0.12,
        (22, 30),
    ),
    DemoJob("tools/asset-validator", "freestyle", 6, (), ("test",), 0.02, (3, 6)),
    DemoJob("tools/farm-health-check", "freestyle", 8, (), ("test",), 0.5, (1, 3), flaky=True),
)


def _seen(job: DemoJob, last: int) -> SeenJob:
    folder, _, name = job.full_name.rpartition("/")
    branch = name.replace("%2F", "/") if job.kind == "branch" else None
    return SeenJob(
        full_name=job.full_name,
        name=name,
        folder=f"/{folder}",
        url=URL + "".join(f"job/{part}/" for part in job.full_name.split("/")),
        kind=job.kind,
        branch=branch,
        last_build_number=last,
        first_build_number=1,
        label=None if job.kind == "branch" else "linux",
    )


def _log(job: DemoJob, number: int, result: str | None, why: str | None, rng: random.Random) -> bytes:
    lines = [f"Started by {rng.choice(STARTED_BY).removeprefix('Started by ')}", f"Running on {rng.choice(AGENTS)}"]
    for stage in job.stages or ("Build",):
        lines.append(f"[Pipeline] stage ({stage})")
        lines += [f"[{stage}] step {n} of {number % 7 + 4} done" for n in range(1, rng.randint(4, 9))]
    if why is not None:
        lines += ["[Pipeline] // stage", *FAILURES[why][: rng.randint(1, len(FAILURES[why]))]]
    if result is not None:
        lines.append(f"Finished: {result}")
    return ("\n".join(lines) + "\n").encode()


def _builds(job: DemoJob, now: datetime, rng: random.Random) -> list[CiBuild]:
    """The job's builds over ``DAYS`` days, oldest first; the newest of a main branch still runs."""
    made: list[CiBuild] = []
    moment = now - timedelta(days=DAYS) + timedelta(hours=rng.uniform(0, job.every_hours))
    number = 0
    why: str | None = None
    quiet = 0
    commit = f"{rng.getrandbits(160):040x}"
    while moment < now - timedelta(minutes=job.minutes[1]):
        number += 1
        if not (job.flaky and number % 2 == 0):  # a flaky job's even builds re-run the commit before
            commit = f"{rng.getrandbits(160):040x}"
        if job.flaky:
            why = rng.choice(job.fails) if number % 2 == 0 else None
        elif why is not None:  # a breakage lasts until someone fixes it, then the job stays green a while
            if rng.random() >= STILL_BROKEN:
                why, quiet = None, QUIET_AFTER_FIX
        elif quiet > 0:
            quiet -= 1
        elif rng.random() < job.fail_rate:
            why = rng.choice(job.fails)
        result = ("ABORTED" if why == "timeout" else "UNSTABLE" if why == "test" else "FAILURE") if why else "SUCCESS"
        made.append(_build(job, number, moment, result, why, commit, rng))
        moment += timedelta(hours=job.every_hours * rng.uniform(0.7, 1.3))
    if job.full_name == "skyforge/game/main":
        made.append(_build(job, number + 1, now - timedelta(minutes=12), None, None, commit, rng))
    return made


def _build(  # noqa: PLR0913 (one build's facts)
    job: DemoJob, number: int, started: datetime, result: str | None, why: str | None, commit: str, rng: random.Random
) -> CiBuild:
    total_ms = rng.randint(*job.minutes) * 60_000 * (rng.uniform(0.2, 0.8) if why else 1)
    running = result is None
    failed_at = rng.randrange(1, len(job.stages)) if why and len(job.stages) > 1 else None
    stages, at = [], started
    for index, name in enumerate(job.stages):
        share = int(total_ms / len(job.stages))
        status = "SUCCESS"
        if running and index == len(job.stages) - 2:
            status = "IN_PROGRESS"
        elif running and index >= len(job.stages) - 1:
            break
        elif failed_at is not None and index == failed_at:
            status = "FAILED"
        elif failed_at is not None and index > failed_at:
            break
        stages.append(Stage(name, status, at, share))
        at += timedelta(milliseconds=share)
    text = _log(job, number, result, why, rng)
    branch = job.full_name.rpartition("/")[2].replace("%2F", "/") if job.kind == "branch" else "main"
    return CiBuild(
        number=number,
        result=result,
        building=running,
        started_at=started,
        duration_ms=None if running else int(total_ms),
        queue_ms=rng.randint(2, 240) * 1000,
        branch=branch,
        commit=commit,
        platform="",
        configuration="",
        causes=[{"description": rng.choice(STARTED_BY), "user": None}],
        parameters={},
        agent=rng.choice(AGENTS),
        label=None if job.kind == "branch" else "linux",
        queue_id=None,
        url=URL + "".join(f"job/{part}/" for part in job.full_name.split("/")) + f"{number}/",
        stages=stages or None,
        log=LogPiece(text, len(text), complete=not running),
    )


async def load_demo_ci(work: Write) -> str:
    """Load the demo Jenkins and its month of builds unless it exists; returns a one-line summary."""
    if await work.scalar(sa.select(connections.c.id).where(connections.c.name == NAME)) is not None:
        return "The demo CI history is already loaded; nothing was changed."
    now = utcnow().replace(microsecond=0)
    rng = random.Random(SEED)
    connection_id = await work.scalar(
        connections.insert()
        .values(
            name=NAME,
            url=URL,
            username="ghee-demo",
            token_encrypted="",  # never opened: nothing contacts the demo's Jenkins
            status="ok",
            last_error=None,
            failures=0,
            last_sync_at=now,
            next_sync_at=None,
            lease_owner=None,
            lease_until=None,
            created_at=now - timedelta(days=DAYS),
            demo=True,
        )
        .returning(connections.c.id)
    )
    history = {job.full_name: _builds(job, now, rng) for job in JOBS}
    seen = [_seen(job, history[job.full_name][-1].number) for job in JOBS]
    stored = await record_seen_jobs(work, connection_id, seen, await jobs_of(work, connection_id))
    written = 0
    for job in JOBS:
        row = stored[job.full_name]
        made = history[job.full_name]
        await record_job_builds(work, JobRef(row.id, None), made)
        await record_job_progress(work, row.id, made[-1].number, made[-1].result)
        written += len(made)
    rules = [
        LinkRule(folder=folder, project=project_id)
        for folder, name in (("skyforge", "Skyforge"), ("pocket-tactics", "Pocket Tactics"), ("tools", "Studio Tools"))
        if (project_id := await work.scalar(sa.select(projects.c.id).where(projects.c.name == name))) is not None
    ]
    linked = await save_rules(work, connection_id, rules)
    return (
        f"Loaded a demo Jenkins ({NAME}, never contacted): {len(JOBS)} jobs in 3 folders and a multibranch project, "
        f"{written} builds over the last {DAYS} days with stages and logs, {linked} jobs linked to the demo projects."
    )
