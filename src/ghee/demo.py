"""A believable studio to explore ghee with: three projects and a month of changes, builds, reviews and releases.

Everything is written through ``ghee.core``, so events are recorded as for real
writes. Only the times core stamps with "now" (a build's queueing, a
deployment's) are moved back afterwards, so the history spreads over the last
thirty days. A fixed seed makes every load the same data.
"""

from __future__ import annotations

import bisect
import posixpath
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from ghee.clock import utcnow
from ghee.core.assets import APPROVAL_STATUSES, AssetFilter, list_assets, set_approval_status
from ghee.core.builds.model import STATUSES as BUILD_STATUSES
from ghee.core.builds.model import Artifact, Build
from ghee.core.builds.reports import BuildReport, NewBuild, create_build, report_build
from ghee.core.changelists import FileChange, NewChangelist, record_changelist
from ghee.core.deployments import create_deployment, set_deployment_status
from ghee.core.paging import Window
from ghee.core.projects import create_project
from ghee.db.database import Write
from ghee.db.tables import artifacts, assets, builds, changelists, deployments, event_queue, events, projects
from ghee.demo_blog import load_demo_blog
from ghee.demo_ci import load_demo_ci
from ghee.demo_pages import load_demo_pages

SEED = 2026
DAYS = 30
ARTIFACT_HOST = "https://artifacts.ironpeak.example"
PLATFORM_NAMES = {"win64": "Win64", "ps5": "PS5", "xsx": "XSX", "linux": "Linux", "android": "Android", "ios": "iOS"}
UNREVIEWED_TYPES = frozenset({"code", "config", "document"})


@dataclass(frozen=True)
class Area:
    """A part of a project's tree: its files, who changes them, and how they describe it (``{asset}``: a file)."""

    paths: tuple[str, ...]
    authors: tuple[str, ...]
    messages: tuple[str, ...]


@dataclass(frozen=True)
class Target:
    """Where a project ships: the store ``platform``/``branch`` and the builds that go there."""

    platform: str
    branch: str
    build_platform: str
    configuration: str
    releases: int
    last_fails: bool = False


@dataclass(frozen=True)
class DemoProject:
    name: str
    engine: str
    first_change: int
    changelists: int
    builds: int
    platforms: tuple[str, ...]
    branches: tuple[str, ...]  # weighted by repetition
    minutes: Mapping[str, tuple[int, int]]  # build duration range per configuration
    artifacts: tuple[tuple[str, str, float, float], ...]  # (platform or "*", name template, MB low, MB high)
    areas: tuple[Area, ...]
    targets: tuple[Target, ...] = ()


def _said(messages: str) -> tuple[str, ...]:
    return tuple(message.strip() for message in messages.split(" | "))


def _files(root: str, names: str, ext: str = "") -> tuple[str, ...]:
    return tuple(f"{root}/{name}{ext}" for name in names.split())


def _character(name: str) -> tuple[str, ...]:
    kinds = f"SK_{name} T_{name}_D T_{name}_N T_{name}_ORM M_{name} MI_{name}_Skin01 ABP_{name} BP_{name}"
    return _files(f"//depot/Game/Content/Characters/{name}", kinds, ".uasset")


ARTISTS = ("maya.lindqvist", "tomas.novak", "aiko.tanaka", "oskar.berg")
ART_MESSAGES = _said(
    "Polish pass on {asset} | #fix Normal map seams on {asset} | [Art] Material tweaks on {asset} | "
    "Reduce {asset} memory for consoles | #fix Wrong import scale on {asset} | [Art] Rework {asset} after review"
)
SKYFORGE_CODE = "Combat/CombatComponent AI/WyvernAIController Inventory/InventoryComponent SkyforgeCharacter"

SKYFORGE = DemoProject(
    name="Skyforge",
    engine="unreal",
    first_change=41_207,
    changelists=110,
    builds=250,
    platforms=("win64", "win64", "win64", "ps5", "xsx", "linux"),
    branches=("main",) * 5 + ("release/0.9",),
    minutes={"development": (22, 45), "test": (28, 55), "shipping": (38, 90)},
    artifacts=(
        ("win64", "Skyforge-Win64-{C}.zip", 11_000, 16_000),
        ("ps5", "Skyforge-PS5-{C}.pkg", 24_000, 31_000),
        ("xsx", "Skyforge-XSX-{C}.xvc", 22_000, 28_000),
        ("linux", "SkyforgeServer-Linux-{C}.tar.gz", 1_800, 2_600),
        ("*", "Skyforge-{P}-{C}-Symbols.zip", 900, 2_400),
    ),
    areas=(
        Area(sum(map(_character, ("Warrior", "Mage", "Ranger", "Golem", "Wyvern")), ()), ARTISTS, ART_MESSAGES),
        Area(
            _files("//depot/Game/Content/Environment", "Frostpeak/SM_Rock_Cliff_01 Frostpeak/SM_Pine_01", ".uasset")
            + _files("//depot/Game/Content/Environment/Props", "SM_Bridge_Rope SM_Crate_Wood M_Rock_Master", ".uasset")
            + _files("//depot/Game/Content/Environment/Props", "MI_Rock_Mossy MI_Rock_Snow T_Rock_Cliff_D", ".uasset"),
            ARTISTS,
            ART_MESSAGES,
        ),
        Area(
            _files("//depot/Game/Content/Maps", "Hub_Skyforge Frostpeak_Pass Ashen_Caves Sunken_Temple", ".umap")
            + _files(
                "//depot/Game/Content/Blueprints", "BP_Checkpoint BP_LootChest WBP_Inventory DT_Weapons", ".uasset"
            ),
            ("jordan.reyes", "sofia.marquez", "kwame.mensah"),
            _said(
                "Blockout pass for {asset} | #fix Player could fall through the floor in {asset} | "
                "[Design] Move checkpoint before the bridge ({asset}) | Lighting rebuild for {asset} | "
                "#feature Secret area in {asset} | Balance pass: {asset}"
            ),
        ),
        Area(
            _files("//depot/Game/Content/Audio/SFX", "A_Sword_Swing_01 A_Sword_Swing_02 A_Footstep_Stone A_Wyvern_Roar")
            + _files("//depot/Game/Content/Audio/Music", "A_Music_Combat_Loop A_Music_Frostpeak_Ambient"),
            ("hana.kim", "rafael.costa"),
            _said("[Audio] New variations for {asset} | [Audio] #fix Clipping in {asset} | [Audio] Rebalance {asset}"),
        ),
        Area(
            _files("//depot/Game/Source/Skyforge/Private", SKYFORGE_CODE, ".cpp")
            + _files("//depot/Game/Source/Skyforge/Public", SKYFORGE_CODE, ".h")
            + _files("//depot/Game/Config", "DefaultEngine DefaultGame", ".ini"),
            ("priya.natarajan", "lukas.becker", "dmitri.volkov", "emma.clarke"),
            _said(
                "#feature Parry window for melee combat | #fix Crash when the inventory is full (SKY-{n}) | "
                "Refactor ability cooldowns in {asset} | #fix Wyvern AI loses its target after landing | "
                "Console perf: cheaper tick in {asset} | #fix PS5 cert: suspend/resume while loading (SKY-{n})"
            ),
        ),
    ),
    targets=(
        Target("steam", "beta", "win64", "shipping", releases=5),
        Target("steam", "default", "win64", "shipping", releases=3, last_fails=True),
        Target("epic", "live", "win64", "shipping", releases=2),
    ),
)

POCKET_TACTICS = DemoProject(
    name="Pocket Tactics",
    engine="unity",
    first_change=8_812,
    changelists=60,
    builds=150,
    platforms=("android", "ios"),
    branches=("main", "main", "develop"),
    minutes={"development": (9, 18), "shipping": (14, 32)},
    artifacts=(
        ("android", "PocketTactics-{C}-b{n}.aab", 140, 180),
        ("ios", "PocketTactics-{C}-b{n}.ipa", 190, 235),
        ("ios", "PocketTactics-{C}-b{n}.dSYM.zip", 55, 90),
    ),
    areas=(
        Area(
            _files("//depot/PocketTactics/Assets/Art/Units", "Knight Archer Catapult Healer", ".png")
            + _files("//depot/PocketTactics/Assets/Prefabs/Units", "Knight Archer Catapult Healer", ".prefab")
            + _files("//depot/PocketTactics/Assets/Art/UI", "btn_play icon_gold board_hex", ".png"),
            ("yuki.sato", "maya.lindqvist"),
            _said("Art pass on {asset} | #fix Blurry {asset} on iPad | [UI] New {asset} | Tweak {asset} for phones"),
        ),
        Area(
            _files("//depot/PocketTactics/Assets/Scripts", "Battle/TurnManager Grid/HexGrid Net/Matchmaking", ".cs")
            + _files("//depot/PocketTactics/Assets/Scenes", "MainMenu Battle", ".unity")
            + _files("//depot/PocketTactics/Assets/Audio", "sfx_unit_move music_menu", ".wav"),
            ("noah.fischer", "emma.clarke", "kwame.mensah"),
            _said(
                "#feature Rewarded ads after a lost match | #fix Turn timer runs while the app is paused | "
                "Matchmaking: retry with backoff ({asset}) | #fix Android back button quits | Clean up {asset}"
            ),
        ),
    ),
    targets=(Target("testflight", "internal", "ios", "shipping", releases=4),),
)

STUDIO_TOOLS = DemoProject(
    name="Studio Tools",
    engine="none",
    first_change=1_530,
    changelists=30,
    builds=100,
    platforms=("linux", "linux", "win64"),
    branches=("main",),
    minutes={"test": (2, 7), "development": (3, 9)},
    artifacts=(
        ("linux", "studio_tools-2.{n}.0-py3-none-any.whl", 0.15, 0.45),
        ("win64", "StudioTools-{n}.zip", 30, 45),
    ),
    areas=(
        Area(
            _files("//depot/StudioTools", "buildbot/steam_upload buildbot/testflight_upload buildbot/notify", ".py")
            + _files("//depot/StudioTools", "asset_lint/naming_rules asset_lint/cli tests/test_naming_rules", ".py")
            + _files("//depot/StudioTools", "pyproject.toml README.md"),
            ("lukas.becker", "priya.natarajan"),
            _said(
                "#fix steam_upload retries on HTTP 502 | #feature asset_lint: check MI_ parents | "
                "Add --dry-run to {asset} | Tests for {asset} | Bump Python to 3.12"
            ),
        ),
    ),
)

DEMO_PROJECTS = (SKYFORGE, POCKET_TACTICS, STUDIO_TOOLS)


@dataclass(frozen=True)
class _Load:
    """What every step of one demo load shares."""

    work: Write
    now: datetime
    rng: random.Random


async def load_demo(work: Write, progress: Callable[[str], None] | None = None) -> str:
    """Load the demo studio and its content, each part unless it exists already; returns a summary.

    ``progress`` is told which part is about to load, for a progress line.
    """
    # The CI history comes after the studio: it links its folders to the studio's projects.
    loaders = (
        ("the studio (projects, changelists, builds, reviews, releases)", load_studio),
        ("a month of its Jenkins (jobs, builds, stages, logs)", load_demo_ci),
        ("its website's pages", load_demo_pages),
        ("its blog", load_demo_blog),
    )
    parts = []
    for part, load in loaders:
        if progress is not None:
            progress(part)
        parts.append(await load(work))
    return " ".join(parts)


async def load_studio(work: Write) -> str:
    """Load the demo studio unless its projects exist already; returns a one-paragraph summary."""
    names = [spec.name for spec in DEMO_PROJECTS]
    existing = list(await work.scalars(sa.select(projects.c.name).where(projects.c.name.in_(names))))
    if existing:
        return f"The demo studio is already loaded ({', '.join(sorted(existing))} exist); nothing was changed."
    load = _Load(work, utcnow().replace(microsecond=0), random.Random(SEED))
    project_ids = []
    for spec in DEMO_PROJECTS:
        project_id = (await create_project(work, spec.name, spec.engine)).id
        changes = await _load_changelists(load, project_id, spec)
        times = _build_times(load, spec)
        made = [await _load_build(load, project_id, spec, queued, changes) for queued in times]
        # Core stamps a build's creation with now; demo builds were queued over the past month.
        backdate = builds.update().where(builds.c.id == sa.bindparam("row")).values(created_at=sa.bindparam("queued"))
        await work.execute(backdate, [{"row": b.id, "queued": t} for b, t in zip(made, times, strict=True)])
        await _release(load, spec, made)
        await _review_assets(load, project_id)
        project_ids.append(project_id)
    # The demo's releases are history: nobody asked for their patch notes, so their deployment.live
    # events are taken off the queue before anything hands them on. A deployment a user makes drafts its own.
    releases = sa.select(events.c.id).where(events.c.type == "deployment.live", events.c.project_id.in_(project_ids))
    await work.execute(event_queue.delete().where(event_queue.c.event_id.in_(releases)))
    return await _summary(work, project_ids)


async def _load_changelists(load: _Load, project_id: int, spec: DemoProject) -> list[tuple[datetime, int]]:
    """Submit the project's changelists, oldest first; returns when each was submitted, and its number."""
    rng, span = load.rng, (DAYS + 2) * 86_400 - 3_600
    times = sorted(load.now - timedelta(seconds=rng.randint(3_600, span)) for _ in range(spec.changelists))
    number, seen, made = spec.first_change, set[str](), []
    for when in times:
        number += rng.randint(1, 9)  # other depots' changes take the numbers between
        area = rng.choice(spec.areas)
        paths = rng.sample(area.paths, k=min(len(area.paths), rng.choice((1, 1, 1, 2, 2, 3, 4, 6))))
        files = [FileChange(path, "edit" if path in seen else "add") for path in paths]
        seen.update(paths)
        asset = posixpath.splitext(posixpath.basename(paths[0]))[0]
        description = rng.choice(area.messages).format(asset=asset, n=rng.randint(1000, 2999))
        new = NewChangelist(number, rng.choice(area.authors), description, when, files)
        await record_changelist(load.work, project_id, new)
        made.append((when, number))
    return made


def _build_times(load: _Load, spec: DemoProject) -> list[datetime]:
    """When each build was queued: spread over the month, the last three minutes ago (still in progress)."""
    span = DAYS * 86_400
    spread = sorted(load.now - timedelta(seconds=load.rng.randint(3 * 3_600, span)) for _ in range(spec.builds - 3))
    return spread + [load.now - timedelta(minutes=minutes) for minutes in (12, 6, 1)]


async def _load_build(
    load: _Load, project_id: int, spec: DemoProject, queued: datetime, changes: list[tuple[datetime, int]]
) -> Build:
    """Queue a build of the newest changelist at ``queued`` and report how it went."""
    rng, work = load.rng, load.work
    change = changes[max(0, bisect.bisect_right(changes, (queued, 0)) - 1)][1]
    new = NewBuild(rng.choice(spec.platforms), rng.choice(list(spec.minutes)), str(change), rng.choice(spec.branches))
    build = await create_build(work, project_id, new)
    age = load.now - queued
    status = "pending" if age < timedelta(minutes=3) else "running" if age < timedelta(minutes=30) else _outcome(rng)
    if status == "pending":
        return build
    started = queued + timedelta(seconds=rng.randint(5, 90))  # waiting for a free agent
    if status == "running":
        return await report_build(work, build, BuildReport("running", started_at=started))
    low, high = spec.minutes[build.configuration]
    minutes = rng.uniform(low, high) * (1.0 if status == "success" else rng.uniform(0.1, 0.9))
    produced = _artifacts(spec, build, rng) if status == "success" else None
    return await report_build(
        work, build, BuildReport(status, started, started + timedelta(seconds=int(minutes * 60)), produced)
    )


def _outcome(rng: random.Random) -> str:
    return rng.choices(("success", "failed", "cancelled"), weights=(81, 16, 3))[0]


def _artifacts(spec: DemoProject, build: Build, rng: random.Random) -> list[Artifact]:
    made = []
    for platform, template, low, high in spec.artifacts:
        if platform not in {build.platform, "*"} or ("Symbols" in template and build.configuration != "shipping"):
            continue
        name = template.format(P=PLATFORM_NAMES[build.platform], C=build.configuration.title(), n=build.number)
        url = f"{ARTIFACT_HOST}/{spec.name.lower().replace(' ', '-')}/builds/{build.number}/{name}"
        made.append(Artifact(name, int(rng.uniform(low, high) * 1_048_576), url))
    return made


async def _release(load: _Load, spec: DemoProject, made: list[Build]) -> None:
    """Ship some successful builds to each target, oldest first, so each release supersedes the one before."""
    plans = sorted((plan for target in spec.targets for plan in _release_plan(load, target, made)), key=lambda p: p[0])
    for when, target, build, status in plans:
        deployment = await create_deployment(load.work, build, target.platform, target.branch)
        await set_deployment_status(load.work, deployment, status)
        deployed = when + timedelta(minutes=load.rng.randint(8, 40)) if status == "live" else None
        await load.work.execute(
            deployments.update().where(deployments.c.id == deployment.id).values(created_at=when, deployed_at=deployed)
        )
        if deployed is not None:
            # The release this one replaced was superseded when this one went out, not when the demo loaded.
            same_target = (deployments.c.platform == target.platform, deployments.c.branch == target.branch)
            await load.work.execute(
                deployments.update()
                .where(
                    deployments.c.project_id == build.project_id, *same_target, deployments.c.superseded_at >= load.now
                )
                .values(superseded_at=deployed)
            )


def _release_plan(load: _Load, target: Target, made: list[Build]) -> list[tuple[datetime, Target, Build, str]]:
    wanted = ("success", target.build_platform, target.configuration)
    fits = [build for build in made if (build.status, build.platform, build.configuration) == wanted]
    plans = []
    for index, build in enumerate(sorted(load.rng.sample(fits, target.releases), key=lambda build: build.id)):
        finished = build.finished_at or load.now
        when = min(finished + timedelta(minutes=load.rng.randint(60, 1_200)), load.now - timedelta(hours=1))
        failed = target.last_fails and index == target.releases - 1  # the newest upload broke; the last stays live
        plans.append((when, target, build, "failed" if failed else "live"))
    return plans


async def _review_assets(load: _Load, project_id: int) -> None:
    """Give the art, levels and sounds review decisions; code, config and docs are not reviewed."""
    page = await list_assets(load.work, project_id, AssetFilter(), Window(limit=10_000))
    for asset in page.items:
        if asset.type not in UNREVIEWED_TYPES:
            status = load.rng.choices(APPROVAL_STATUSES, weights=(20, 58, 8, 14))[0]
            await set_approval_status(load.work, asset, status)


async def _summary(work: Write, project_ids: list[int]) -> str:
    """What was loaded, counted back from the database."""

    async def counted(column: sa.Column[str], states: tuple[str, ...]) -> str:
        query = sa.select(column, sa.func.count()).where(column.table.c.project_id.in_(project_ids)).group_by(column)
        found: dict[str, int] = dict(list(await work.execute(query)))
        each = ", ".join(f"{found.get(state, 0)} {state.replace('_', ' ')}" for state in states)
        return f"{sum(found.values())} {column.table.name} ({each})"

    mine = changelists.c.project_id.in_(project_ids)
    changes = await work.scalar(sa.select(sa.func.count()).select_from(changelists).where(mine))
    files = await work.scalar(
        sa.select(sa.func.count(artifacts.c.id)).join(builds).where(builds.c.project_id.in_(project_ids))
    )
    return (
        f"Loaded the demo studio: {len(project_ids)} projects ({', '.join(s.name for s in DEMO_PROJECTS)}), "
        f"{changes} changelists touching {await counted(assets.c.approval_status, APPROVAL_STATUSES)}, "
        f"{await counted(builds.c.status, BUILD_STATUSES)} over the last {DAYS} days with {files} artifacts, "
        f"and {await counted(deployments.c.status, ('live', 'superseded', 'failed'))} to steam/beta, "
        "steam/default, epic/live and testflight/internal."
    )
