"""The demo's ButterCMS pages and content: a landing-page type with pages in English and French, a team collection."""

from __future__ import annotations

from ghee.core.content import collections, pages, schemas
from ghee.core.content.fields import Values
from ghee.core.content.pages import NewPage, PageChange
from ghee.db.database import Write

PAGE_TYPE = "landing_page"
NEWS_TYPE = "news"
TEAM = "team"

_TEAM_FIELDS = [
    {"key": "name", "type": "text", "required": True},
    {"key": "role", "type": "text"},
    {"key": "photo", "type": "media"},
]
_LANDING_FIELDS = [
    {"key": "seo_title", "type": "text"},
    {"key": "headline", "type": "text", "required": True},
    {"key": "body", "type": "rich_text"},
    {"key": "launch_date", "type": "date"},
    {"key": "featured", "type": "boolean"},
    {"key": "team", "type": "reference", "to": f"collection:{TEAM}", "many": True},
    {
        "key": "faq",
        "type": "repeater",
        "fields": [{"key": "question", "type": "text", "required": True}, {"key": "answer", "type": "rich_text"}],
    },
]
_NEWS_FIELDS = [
    {"key": "seo_title", "type": "text"},
    {"key": "seo_description", "type": "text"},
    {"key": "seo_keywords", "type": "text"},
    {"key": "title", "type": "text", "required": True},
    {"key": "body", "type": "rich_text"},
]
# The first is the page the API reference's examples ask for (``news``, ``example-news-page``).
_NEWS: list[tuple[str, str, Values]] = [
    (
        "example-news-page",
        "Example news page",
        {
            "seo_title": "Example News Page",
            "seo_description": "SEO Description",
            "seo_keywords": "SEO Keywords",
            "title": "This is an example news page",
            "body": "<p>Breaking news!</p>",
        },
    ),
    (
        "lisbon-studio",
        "Ironpeak opens a studio in Lisbon",
        {
            "seo_title": "Ironpeak Lisbon",
            "seo_description": "Our second studio opens in Lisbon.",
            "seo_keywords": "ironpeak, lisbon, studio, jobs",
            "title": "Ironpeak opens a studio in Lisbon",
            "body": "<p>Twenty new seats for engine, tools and live-ops engineers.</p>",
        },
    ),
]
_PEOPLE: list[Values] = [
    {"name": "Mara Okafor", "role": "Technical Director"},
    {"name": "Jun Takeda", "role": "Build Engineer"},
    {"name": "Lena Brandt", "role": "Producer"},
]
_PAGES: list[tuple[str, str, Values, Values]] = [
    (
        "skyforge-launch",
        "Skyforge launch",
        {
            "seo_title": "Skyforge: out now",
            "headline": "Skyforge is out now",
            "body": "<p>Our airship sandbox launches on every platform today.</p>",
            "launch_date": "2026-10-01",
            "featured": True,
            "faq": [{"question": "Which platforms?", "answer": "<p>PC, PlayStation and Xbox.</p>"}],
        },
        {"headline": "Skyforge est disponible", "body": "<p>Notre bac à sable aérien sort aujourd'hui.</p>"},
    ),
    (
        "studio",
        "About the studio",
        {"seo_title": "About us", "headline": "Small studio, big skies", "body": "<p>Forty people, one engine.</p>"},
        {"headline": "Petit studio, grand ciel"},
    ),
]


async def load_demo_pages(work: Write) -> str:
    """Load the demo pages and content unless the landing-page type exists; returns a one-line summary."""
    if await schemas.find_schema(work, "page_type", PAGE_TYPE) is not None:
        return "The demo pages are already loaded; nothing was changed."
    await schemas.create_schema(work, "collection", TEAM, "Team", _TEAM_FIELDS)
    team_ids = await collections.create_items(work, TEAM, "published", _PEOPLE)
    await collections.update_item(
        work, TEAM, team_ids[0], collections.ItemChange(locale="fr", values={"role": "Directrice technique"})
    )
    await schemas.create_schema(work, "page_type", PAGE_TYPE, "Landing page", _LANDING_FIELDS)
    for slug, title, english, french in _PAGES:
        await pages.create_page(work, NewPage(PAGE_TYPE, slug, title, "published", {**english, "team": team_ids}))
        await pages.update_page(work, PAGE_TYPE, slug, PageChange(locale="fr", values=french))
    await schemas.create_schema(work, "page_type", NEWS_TYPE, "News", _NEWS_FIELDS)
    for slug, title, values in _NEWS:
        await pages.create_page(work, NewPage(NEWS_TYPE, slug, title, "published", values))
    await pages.create_page(
        work, NewPage(PAGE_TYPE, "next-game", "Next game", "draft", {"headline": "Something new is coming"})
    )
    await collections.put_content_field(work, "homepage_headline", "Games built in the open", "", "published")
    await collections.put_content_field(work, "homepage_headline", "Des jeux faits au grand jour", "fr", "published")
    await collections.put_content_field(work, "homepage_title", "Ironpeak Studios", "", "published")
    await collections.put_content_field(work, "headline", "Skyforge season 2 is live", "", "published")
    await collections.put_content_field(work, "headline", "La saison 2 de Skyforge est lancée", "fr", "published")
    return (
        f"ButterCMS content: page type {PAGE_TYPE!r} with {len(_PAGES)} published pages in English and French"
        f" and one draft, page type {NEWS_TYPE!r} with {len(_NEWS)} pages, collection {TEAM!r} with"
        f" {len(_PEOPLE)} people, content fields 'homepage_headline', 'homepage_title' and 'headline'."
    )
