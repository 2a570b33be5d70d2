"""The demo's CI history: a month of a studio's Jenkins, as if a sync had read it, so every CI page has content.

A connection marked ``demo`` (shown like any other, never contacted: no
pass, follower or dispatch calls it) holds folders per project, a
multibranch project with release, feature and pull-request branches, and a
few hundred builds over the last thirty days with stages, console logs,
causes and agents. Failed builds log what really fails in a game studio
(compile errors, failing tests, a lost agent, a timeout, running out of
memory or disk, a shader or a cook error, a failed checkout, a build someone
stopped: ``demo_ci_console``), each job the ways it fails least so far, so
the default failure causes classify them into ten categories; one job flips
on the same commit (flaky).

Everything goes through core as a sync would: ``record_seen_jobs`` for the
jobs, ``record_job_builds`` for each job's builds (which classifies them,
counts them into the rollups and weighs flakiness), then the connection's
link rules put each folder's jobs into the demo project of that folder.
A fixed seed makes every load the same.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from ghee.clock import utcnow
from ghee.core.builds.model import Stage
from ghee.core.builds.synced import CiBuild, JobRef, LogPiece, record_job_builds
from ghee.core.connections import create_demo_connection
from ghee.core.jobs.link_rules import LinkRule, save_rules
from ghee.core.jobs.reads import jobs_of
from ghee.core.jobs.seen import SeenJob, record_job_progress, record_seen_jobs
from ghee.db.database import Write
from ghee.db.tables import builds, connections, jobs, projects
from ghee.demo_ci_console import CAUSES, FAILURES, Console, Failure, console_text

SEED = 4242
DAYS = 30
NAME = "Ironpeak Jenkins (demo)"
URL = "https://jenkins.ironpeak.example/"
AGENTS = tuple(f"build-agent-{n:02d}" for n in range(1, 7))
STILL_BROKEN = 0.6  # chance that the build after a failed one fails the same way
QUIET_AFTER_FIX = 15  # builds after a fix before a job breaks again: steady jobs do not look flaky
RUNNING_FOR = timedelta(minutes=12)  # how long the build still running has been


@dataclass(frozen=True)
class DemoJob:
    """A job of the demo Jenkins: where it sits, how often and why it runs, how it fails."""

    full_name: str
    kind: str  # pipeline, freestyle or branch
    every_hours: float
    fails: tuple[str, ...]  # kinds of failure (FAILURES keys) it suffers
    fail_rate: float  # chance that a passing job breaks at its next build
    minutes: tuple[int, int]
    started_by: tuple[str, ...]  # CAUSES keys, repeated for weight
    stages: tuple[str, ...] = ()  # a pipeline's; a freestyle job runs ``script``
    target: str = ""
    script: tuple[str, ...] = ()
    flaky: bool = False


GAME = ("Checkout", "Compile", "Test", "Cook", "Package")
BRANCH = ("scm", "scm", "indexing", "user")
NIGHTLY = ("timer", "timer", "timer", "user")
JOBS = (
    DemoJob(
        "skyforge/game/main",
        "branch",
        8,
        ("compile", "test", "cook", "shader", "disk"),
        0.12,
        (38, 55),
        BRANCH,
        GAME,
        "Win64",
    ),
    DemoJob("skyforge/game/release%2F1.2", "branch", 24, ("cook", "memory"), 0.12, (45, 60), BRANCH, GAME, "PS5"),
    DemoJob(
        "skyforge/game/feature%2Fnew-ui",
        "branch",
        12,
        ("compile", "test"),
        0.12,
        (20, 32),
        BRANCH,
        ("Checkout", "Compile", "Test"),
        "Win64",
    ),
    DemoJob(
        "skyforge/game/PR-12",
        "branch",
        36,
        ("compile", "aborted"),
        0.1,
        (18, 25),
        BRANCH,
        ("Checkout", "Compile", "Test"),
        "Win64",
    ),
    DemoJob(
        "skyforge/server-linux",
        "pipeline",
        12,
        ("compile", "agent", "checkout"),
        0.12,
        (14, 22),
        ("scm", "scm", "timer"),
        ("Checkout", "Compile", "Test", "Package"),
        "Linux",
    ),
    DemoJob(
        "skyforge/shaders",
        "pipeline",
        24,
        ("shader", "timeout"),
        0.1,
        (25, 70),
        NIGHTLY,
        ("Checkout", "Compile Shaders"),
        "Win64",
    ),
    DemoJob(
        "pocket-tactics/android-nightly",
        "pipeline",
        24,
        ("test", "memory", "agent"),
        0.12,
        (16, 24),
        NIGHTLY,
        ("Checkout", "Build", "Test", "Sign"),
        "Android",
    ),
    DemoJob(
        "pocket-tactics/ios-nightly",
        "pipeline",
        24,
        ("test", "timeout"),
        0.12,
        (22, 30),
        NIGHTLY,
        ("Checkout", "Build", "Test", "Sign"),
        "iOS",
    ),
    DemoJob(
        "tools/asset-validator",
        "freestyle",
        6,
        ("test",),
        0.02,
        (3, 6),
        ("scm", "timer"),
        script=("+ python3 tools/validate_assets.py --changed", "Checked 1204 assets"),
    ),
    DemoJob(
        "tools/farm-health-check",
        "freestyle",
        8,
        ("test",),
        0.5,
        (1, 3),
        ("timer",),
        script=("+ ./tools/check_farm.sh", "Checked 6 agents"),
        flaky=True,
    ),
)


def _seen(job: DemoJob, last: int) -> SeenJob:
    folder, _, name = job.full_name.rpartition("/")
    return SeenJob(
        full_name=job.full_name,
        name=name,
        folder=f"/{folder}",
        url=_url(job),
        kind=job.kind,
        branch=_branch(job) if job.kind == "branch" else None,
        last_build_number=last,
        first_build_number=1,
        label=None if job.kind == "branch" else "linux",
    )


def _url(job: DemoJob) -> str:
    return URL + "".join(f"job/{part}/" for part in job.full_name.split("/"))


def _branch(job: DemoJob) -> str:
    return job.full_name.rpartition("/")[2].replace("%2F", "/") if job.kind == "branch" else "main"


def _builds(job: DemoJob, now: datetime, rng: random.Random) -> list[CiBuild]:
    """The job's builds over ``DAYS`` days, oldest first; the newest of a main branch still runs."""
    made: list[CiBuild] = []
    moment = now - timedelta(days=DAYS) + timedelta(hours=rng.uniform(0, job.every_hours))
    number = 0
    why: str | None = None
    quiet = 0
    suffered: Counter[str] = Counter()
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
        elif rng.random() < job.fail_rate:  # the way it has failed least so far: every kind shows up in a month
            why = min(job.fails, key=lambda kind: (suffered[kind], rng.random()))
            suffered[why] += 1
        made.append(_build(job, _Run(number, moment, commit, why), rng))
        moment += timedelta(hours=job.every_hours * rng.uniform(0.7, 1.3))
    if job.full_name == "skyforge/game/main":
        made.append(_build(job, _Run(number + 1, now - RUNNING_FOR, commit, None, running=True), rng))
    return made


@dataclass(frozen=True)
class _Run:
    """One build of a job: its number, start and commit, and how it goes wrong (``why``: a FAILURES key)."""

    number: int
    started: datetime
    commit: str
    why: str | None
    running: bool = False


def _build(job: DemoJob, run: _Run, rng: random.Random) -> CiBuild:
    failure = FAILURES[run.why] if run.why else None
    cause = CAUSES[rng.choice(job.started_by)]
    agent = rng.choice(AGENTS)
    total_ms = int(rng.randint(*job.minutes) * 60_000 * (rng.uniform(0.2, 0.8) if failure else 1))
    spent_ms = int(RUNNING_FOR / timedelta(milliseconds=1)) if run.running else total_ms
    reached = _last_stage(job, failure, rng, running=run.running)
    result = None if run.running else failure.result if failure else "SUCCESS"
    facts = {"target": job.target, "commit": run.commit, "branch": _branch(job)}
    ran = job.stages[: reached + 1]
    text = console_text(Console(job.full_name, run.number, cause, agent, ran, job.script, facts, failure, result))
    return CiBuild(
        number=run.number,
        result=result,
        building=run.running,
        started_at=run.started,
        duration_ms=None if run.running else total_ms,
        queue_ms=rng.randint(2, 240) * 1000,
        branch=_branch(job),
        commit=run.commit,
        platform="",
        configuration="",
        causes=[{"description": cause.text, "user": cause.user}],
        parameters={},
        agent=agent,
        label=None if job.kind == "branch" else "linux",
        queue_id=None,
        url=f"{_url(job)}{run.number}/",
        stages=_stages(ran, run.started, spent_ms, result) or None,
        log=LogPiece(text, len(text), complete=not run.running),
    )


def _last_stage(job: DemoJob, failure: Failure | None, rng: random.Random, *, running: bool) -> int:
    """The index of the last stage that ran: where it failed, the one running now, or the last."""
    if running:
        return max(len(job.stages) - 2, 0)
    if failure is None or len(job.stages) < 2:  # noqa: PLR2004 (the first stage and the rest)
        return len(job.stages) - 1
    where = [index for index, name in enumerate(job.stages) if name in failure.stages]
    return rng.choice(where or range(1, len(job.stages)))


def _stages(ran: tuple[str, ...], started: datetime, spent_ms: int, result: str | None) -> list[Stage]:
    """The stages that ran, sharing the time spent; the last ends as the build did, or still runs."""
    share = spent_ms // max(len(ran), 1)
    ending = "IN_PROGRESS" if result is None else {"SUCCESS": "SUCCESS", "FAILURE": "FAILED"}.get(result, result)
    return [
        Stage(
            name, ending if index == len(ran) - 1 else "SUCCESS", started + timedelta(milliseconds=share * index), share
        )
        for index, name in enumerate(ran)
    ]


async def load_demo_ci(work: Write) -> str:
    """Load the demo Jenkins and its month of builds unless it exists; returns a one-line summary."""
    if await work.scalar(sa.select(connections.c.id).where(connections.c.name == NAME)) is not None:
        return "The demo CI history is already loaded; nothing was changed."
    now = utcnow().replace(microsecond=0)
    rng = random.Random(SEED)
    demo = await create_demo_connection(work, NAME, URL, created_at=now - timedelta(days=DAYS), synced_at=now)
    connection_id = demo.id
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
    mine = builds.c.job_id.in_([row.id for row in stored.values()])
    categories = await work.scalar(sa.select(sa.func.count(sa.distinct(builds.c.failure_category))).where(mine))
    flaky = await work.scalar(sa.select(sa.func.count()).where(jobs.c.connection_id == connection_id, jobs.c.flaky))
    return (
        f"Loaded a demo Jenkins ({NAME}, never contacted): {len(JOBS)} jobs in 3 folders and a multibranch project, "
        f"{written} builds over the last {DAYS} days with stages and logs, failures in {categories} categories, "
        f"{flaky} flaky job(s), {linked} jobs linked to the demo projects."
    )
