"""The demo studio's blog: patch notes, diaries, product updates and news by five authors over eighteen months.

Written through ``ghee.core.blog``, so every post records its ``post.create``
event. A fixed seed makes every load the same posts; loading again when the
blog's authors exist already does nothing.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from ghee.clock import utcnow
from ghee.core.blog.authors import AuthorChanges, create_author
from ghee.core.blog.slugs import slugify
from ghee.core.blog.writing import AuthorRef, PostChanges, create_post
from ghee.db.database import Write
from ghee.db.tables import blog_authors

SEED = 404
DAYS = 540
IMAGES = "https://cdn.ironpeak.example/blog"

AUTHORS = (
    AuthorChanges(
        slug="maya-okafor",
        first_name="Maya",
        last_name="Okafor",
        email="maya.okafor@ironpeak.example",
        title="Community Manager",
        bio="Maya runs the Ironpeak community: Discord, tournaments and the monthly spotlight.",
        twitter_handle="mayaplays",
        profile_image=f"{IMAGES}/authors/maya.png",
    ),
    AuthorChanges(
        slug="tomas-lindqvist",
        first_name="Tomas",
        last_name="Lindqvist",
        email="tomas.lindqvist@ironpeak.example",
        title="Lead Designer, Skyforge",
        bio="Tomas balances Skyforge's weapons, classes and maps, and writes most of its patch notes.",
        linkedin_url="https://www.linkedin.com/in/tomaslindqvist",
        profile_image=f"{IMAGES}/authors/tomas.png",
    ),
    AuthorChanges(
        slug="priya-raman",
        first_name="Priya",
        last_name="Raman",
        email="priya.raman@ironpeak.example",
        title="Producer, Pocket Tactics",
        bio="Priya ships Pocket Tactics on iOS and Android every two weeks.",
        twitter_handle="priyaships",
        profile_image=f"{IMAGES}/authors/priya.png",
    ),
    AuthorChanges(
        slug="jon-achterberg",
        first_name="Jon",
        last_name="Achterberg",
        email="jon.achterberg@ironpeak.example",
        title="Technical Director",
        bio="Jon looks after engines, build farms and the tools the studio runs on.",
        profile_image=f"{IMAGES}/authors/jon.png",
    ),
    AuthorChanges(
        slug="jennifer-smith",
        first_name="Jennifer",
        last_name="Smith",
        email="jennifer.smith@ironpeak.example",
        title="Head of Publishing",
        bio="Jennifer runs releases, the launcher and the store pages for every Ironpeak game.",
        twitter_handle="jensmithships",
        profile_image=f"{IMAGES}/authors/jennifer.png",
    ),
)

SKYFORGE_CHANGES = (
    "Reduced the Stormcaller's chain lightning damage from 42 to 36 per bounce.",
    "Increased the Warden's shield regeneration by 15%.",
    "The Ember Rifle now reloads 0.3 s faster.",
    "Fixed a crash when joining a match during the map vote.",
    "Fixed characters falling through the floor on Frostpeak's lower bridge.",
    "Reduced shader compilation stutter on first launch (DX12).",
    "Matchmaking now prefers servers under 60 ms ping.",
    "Fixed the ranked leaderboard showing last season's placements.",
    "Sprint-sliding no longer cancels reloads.",
    "Improved texture streaming on PS5 and Xbox Series X.",
    "Fixed an exploit allowing players to stand inside the Foundry's walls.",
    "The Tempest grenade's radius is now shown while aiming.",
    "Fixed voice chat cutting out after a round ends.",
    "Lowered memory use on 8 GB PCs by about 600 MB.",
)
POCKET_CHANGES = (
    "New unit: the Sapper, who digs under walls for two turns.",
    "Archers now lose 1 range in forests.",
    "Fixed the daily challenge resetting at the wrong hour in UTC+13.",
    "Battles load about 30% faster on older Android phones.",
    "Fixed a rare desync in friendly matches.",
    "Cavalry charge damage reduced from 6 to 5.",
    "Added a replay button to the end-of-battle screen.",
    "Fixed purchases not restoring after reinstalling on iOS.",
    "The campaign map now remembers where you scrolled to.",
    "Fixed the Sapper's tunnel icon staying after it surfaced.",
)


@dataclass(frozen=True)
class Story:
    """A post that is not patch notes: its words, filing and writer."""

    title: str
    summary: str
    paragraphs: tuple[str, ...]
    category: str
    tags: tuple[str, ...]
    author: str


STORIES = (
    Story(
        "Dev diary: building Frostpeak",
        "How a two-week greybox became Skyforge's most played map.",
        (
            "Frostpeak started as a greybox with three lanes and a bridge nobody liked.",
            "We ran forty playtests before the bridge earned its place: it is now where most rounds are decided.",
        ),
        "Dev Diary",
        ("Skyforge", "Level Design"),
        "tomas-lindqvist",
    ),
    Story(
        "Dev diary: the sound of the Ember Rifle",
        "Recording a rifle that does not exist.",
        ("The Ember Rifle's shot is a blacksmith's hammer, a kettle and a lot of layering.",),
        "Dev Diary",
        ("Skyforge", "Audio"),
        "tomas-lindqvist",
    ),
    Story(
        "Dev diary: how we balance Pocket Tactics",
        "Win rates, pick rates and the spreadsheet behind every patch.",
        ("Every unit has a target win rate between 48% and 52% in ranked play.",),
        "Dev Diary",
        ("Pocket Tactics", "Balance"),
        "priya-raman",
    ),
    Story(
        "Dev diary: cutting our build times in half",
        "Shared derived data caches, more agents and fewer full rebuilds.",
        (
            "A full Skyforge build took 94 minutes in January. It now takes 41.",
            "Most of the gain came from a shared derived data cache and from running cook and compile in parallel.",
        ),
        "Dev Diary",
        ("Tech", "Build Farm"),
        "jon-achterberg",
    ),
    Story(
        "Dev diary: running Skyforge at 120 fps on console",
        "What it took to offer a performance mode on PS5 and Xbox Series X.",
        ("Running at 120 fps meant halving our frame budget, and rethinking how we stream textures.",),
        "Dev Diary",
        ("Skyforge", "PS5", "Xbox", "Tech"),
        "jon-achterberg",
    ),
    Story(
        "Skyforge season 2 roadmap",
        "Two maps, a new class and ranked seasons every ten weeks.",
        ("Season 2 brings the Foundry and Tidewater maps, the Warden class, and ranked seasons every ten weeks.",),
        "Studio News",
        ("Skyforge", "Roadmap"),
        "tomas-lindqvist",
    ),
    Story(
        "Pocket Tactics passes one million players",
        "Thank you, commanders.",
        ("One million players have fought at least one battle. The Sapper is our thank-you.",),
        "Studio News",
        ("Pocket Tactics", "Milestone"),
        "priya-raman",
    ),
    Story(
        "We are hiring: gameplay and build engineers",
        "Join Ironpeak in Lisbon or remotely across Europe.",
        ("We are looking for two gameplay engineers for Skyforge and one build engineer for the studio.",),
        "Studio News",
        ("Hiring",),
        "jon-achterberg",
    ),
    Story(
        "Ironpeak at Gamescom",
        "Play the Skyforge season 2 demo in hall 10.1.",
        ("Come and play the Tidewater map before anyone else, and meet the team.",),
        "Events",
        ("Skyforge", "Events"),
        "maya-okafor",
    ),
    Story(
        "Skyforge Open: the first community tournament",
        "64 teams, 3 weekends, one trophy.",
        ("Sign-ups open on Monday. Matches are streamed on our channel every Saturday.",),
        "Events",
        ("Skyforge", "Esports"),
        "maya-okafor",
    ),
    Story(
        "Community spotlight: the speedrunners of Frostpeak",
        "Running the map in under a minute.",
        ("The Frostpeak speedrun record now stands at 58 seconds, set by a player who runs it every morning.",),
        "Community",
        ("Skyforge", "Community"),
        "maya-okafor",
    ),
    Story(
        "Community spotlight: Pocket Tactics fan art",
        "Our favourite Sappers, archers and very round cavalry.",
        ("This month's spotlight is all fan art. The winning piece becomes a loading screen in 2.12.",),
        "Community",
        ("Pocket Tactics", "Art", "Community"),
        "maya-okafor",
    ),
)
# The blog's first post; its slug is the one the API reference's examples ask for.
HELLO_WORLD = Story(
    "Hello, world",
    "The Ironpeak blog is live.",
    (
        "This is where we will post patch notes, dev diaries and studio news for Skyforge and Pocket Tactics.",
        "Subscribe to the RSS feed to hear about every update first.",
    ),
    "Studio News",
    ("Studio",),
    "jennifer-smith",
)
PRODUCT_UPDATES = (
    Story(
        "Launcher 3.0: delta patches and faster downloads",
        "Updates now download only what changed.",
        (
            "The Ironpeak launcher now fetches delta patches: a typical Skyforge update drops from 4 GB to 600 MB.",
            "Downloads resume after a dropped connection, and the launcher verifies every file once it lands.",
        ),
        "Product Updates",
        ("Product Updates", "Launcher"),
        "jennifer-smith",
    ),
    Story(
        "The year in review: my favorite posts from the team",
        "Twelve months of patch notes, diaries and news, picked by the people who wrote them.",
        (
            (
                "Every December we ask the team for their favorite post of the year. Mine is the Frostpeak "
                "speedrun spotlight; my favorite post from Tomas is the story of the Stormcaller rework."
            ),
            "Thank you for reading, playing and writing back.",
        ),
        "Product Updates",
        ("Product Updates", "Community"),
        "jennifer-smith",
    ),
    Story(
        "Cross-progression is coming to Pocket Tactics",
        "One account, every device.",
        ("Link your account once and your armies, coins and season pass follow you between iOS and Android.",),
        "Product Updates",
        ("Product Updates", "Pocket Tactics", "Mobile"),
        "jennifer-smith",
    ),
)
DRAFTS = (
    Story(
        "Skyforge season 3 roadmap",
        "Not announced yet.",
        ("A draft: season 3's maps are still in greybox.",),
        "Studio News",
        ("Skyforge", "Roadmap"),
        "tomas-lindqvist",
    ),
)


def _patch_notes(game: str, version: str, changes: list[str], author: str, tags: tuple[str, ...]) -> Story:
    items = "".join(f"<li>{change}</li>" for change in changes)
    return Story(
        f"{game} {version} patch notes",
        f"{game} {version}: {len(changes)} changes, from balance to bug fixes.",
        (f"{game} {version} is rolling out now.", f"<ul>{items}</ul>"),
        "Patch Notes",
        (game, *tags),
        author,
    )


def _all_published(rng: random.Random) -> list[Story]:
    skyforge = [
        _patch_notes(
            "Skyforge",
            f"1.{minor}.0",
            rng.sample(SKYFORGE_CHANGES, rng.randint(3, 7)),
            "tomas-lindqvist",
            ("PC", "PS5", "Xbox", "Balance", "Bug Fixes"),
        )
        for minor in range(1, 25)
    ]
    pocket = [
        _patch_notes(
            "Pocket Tactics",
            f"2.{minor}",
            rng.sample(POCKET_CHANGES, rng.randint(2, 5)),
            "priya-raman",
            ("Mobile", "Balance", "Bug Fixes"),
        )
        for minor in range(1, 16)
    ]
    stories = [*STORIES, *PRODUCT_UPDATES]
    merged: list[Story] = [HELLO_WORLD]
    while skyforge or pocket or stories:
        pool = [queue for queue in (skyforge, pocket, stories) if queue]
        merged.append(rng.choice(pool).pop(0))
    return merged


def _body(story: Story) -> str:
    return "".join(p if p.startswith("<") else f"<p>{p}</p>" for p in story.paragraphs)


def _changes(story: Story, status: str, published: datetime | None) -> PostChanges:
    slug = slugify("title", story.title)
    return PostChanges(
        slug=slug,
        title=story.title,
        body=_body(story),
        summary=story.summary,
        seo_title=f"{story.title} | Ironpeak",
        meta_description=story.summary,
        featured_image=f"{IMAGES}/{slug}.jpg",
        status=status,
        published=published,
        author=AuthorRef(slug=story.author),
        categories=[story.category],
        tags=list(story.tags),
    )


async def load_demo_blog(work: Write) -> str:
    """Load the studio blog unless its authors exist already; returns a one-sentence summary."""
    slugs = [author.slug for author in AUTHORS]
    if await work.scalar(sa.select(sa.func.count()).where(blog_authors.c.slug.in_(slugs))):
        return "The demo blog is already loaded; nothing was changed."
    for author in AUTHORS:
        await create_author(work, author)
    rng = random.Random(SEED)
    now = utcnow().replace(microsecond=0)
    published = _all_published(rng)
    step = timedelta(days=DAYS) / len(published)
    for index, story in enumerate(published):
        moment = now - timedelta(days=DAYS) + step * index + timedelta(hours=rng.randint(8, 17))
        await create_post(work, _changes(story, "published", min(moment, now).replace(microsecond=0)))
    for story in DRAFTS:
        await create_post(work, _changes(story, "draft", None))
    categories = {story.category for story in published}
    return (
        f"Blog: {len(published)} published posts and {len(DRAFTS)} draft(s) by {len(AUTHORS)} authors "
        f"in {len(categories)} categories."
    )
