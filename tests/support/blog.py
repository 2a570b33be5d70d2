"""Factories for the blog tests: authors, posts, and the events they record, made through /v2."""

from __future__ import annotations

import asyncio
import uuid
from functools import cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from lxml import etree

from ghee.db.engine import create_engine
from ghee.db.tables import events
from tests.support.api import Api
from tests.support.servers import Server

PENDING = {"status": "pending"}
POST_FIELDS = {
    "url",
    "created",
    "published",
    "author",
    "categories",
    "tags",
    "featured_image",
    "slug",
    "title",
    "body",
    "summary",
    "seo_title",
    "meta_description",
    "status",
}
AUTHOR_FIELDS = {
    "first_name",
    "last_name",
    "email",
    "slug",
    "bio",
    "title",
    "linkedin_url",
    "facebook_url",
    "pinterest_url",
    "instagram_url",
    "twitter_handle",
    "profile_image",
}


def unique(prefix: str) -> str:
    """A slug no other test of this run uses (the blog is global to the server)."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def write(api: Api, method: str, path: str, body: dict[str, Any] | None = None) -> None:
    """A write the API accepts: 202 ``{"status": "pending"}``."""
    assert api.ok(method, path, 202, json=body) == PENDING


def new_author(api: Api, **fields: Any) -> str:
    """Create an author; returns its slug."""
    slug = fields.pop("slug", None) or unique("author")
    body = {"first_name": "Jennifer", "last_name": "Smith", "email": f"{slug}@studio.example", "slug": slug, **fields}
    write(api, "POST", "/v2/authors/", body)
    return slug


def new_post(api: Api, **fields: Any) -> str:
    """Create a published post (unless ``status`` says otherwise); returns its slug."""
    slug = fields.pop("slug", None) or unique("post")
    body = {
        "title": f"Patch notes {slug}",
        "slug": slug,
        "body": "<p>Balance changes and bug fixes.</p>",
        "summary": "Balance changes and bug fixes.",
        "status": "published",
        **fields,
    }
    write(api, "POST", "/v2/posts/", body)
    return slug


def events_about(server: Server, resource_id: str) -> list[tuple[str, str, dict[str, Any]]]:
    """``(type, resource_type, payload)`` of every event about ``resource_id``, oldest first."""

    async def run() -> list[tuple[str, str, dict[str, Any]]]:
        engine = create_engine(server.database_url)
        try:
            async with engine.connect() as conn:
                rows = await conn.execute(
                    sa.select(events.c.type, events.c.resource_type, events.c.payload)
                    .where(events.c.resource_id == resource_id)
                    .order_by(events.c.id)
                )
                return [(row.type, row.resource_type, row.payload) for row in rows]
        finally:
            await engine.dispose()

    return asyncio.run(run())


def assert_valid_sitemap(document: bytes) -> None:
    """Fail with the schema's own words unless ``document`` is a valid sitemaps.org sitemap."""
    schema = _sitemap_schema()
    if not schema.validate(etree.fromstring(document)):
        raise AssertionError(f"invalid sitemap: {schema.error_log}")


SITEMAP_SCHEMA = Path(__file__).with_name("schemas") / "sitemap-0.9.xsd"


@cache
def _sitemap_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(SITEMAP_SCHEMA))
