"""Factories for the page and content tests: page types, pages, collections and items made through /v2."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import sqlalchemy as sa

from ghee.db.engine import create_engine
from ghee.db.tables import events
from tests.support.api import Api
from tests.support.servers import Server

PENDING = {"status": "pending"}


def unique(prefix: str) -> str:
    """A key no other test of this run uses (content is global to the server)."""
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


def write(api: Api, method: str, path: str, body: dict[str, Any]) -> None:
    """A write the API accepts: 202 ``{"status": "pending"}``."""
    assert api.ok(method, path, 202, json=body) == PENDING


def new_page_type(api: Api, fields: list[dict[str, Any]], key: str | None = None) -> str:
    """Create a page type; returns its key."""
    key = key or unique("pt")
    write(api, "POST", "/v2/page_types/", {"key": key, "name": key.title(), "fields": fields})
    return key


def new_page(
    api: Api, page_type: str, slug: str, fields: dict[str, Any], status: str = "published", title: str | None = None
) -> None:
    """Create a page in the default locale."""
    body = {"title": title or slug.title(), "slug": slug, "page_type": page_type, "status": status, "fields": fields}
    write(api, "POST", "/v2/pages/", body)


def new_collection(api: Api, fields: list[dict[str, Any]], key: str | None = None) -> str:
    """Create a collection; returns its key."""
    key = key or unique("coll")
    write(api, "POST", "/v2/collections/", {"key": key, "name": key.title(), "fields": fields})
    return key


def new_items(api: Api, key: str, items: list[dict[str, Any]], status: str = "published") -> list[int]:
    """Add items to a collection; returns their ids (read back, in order)."""
    write(api, "POST", "/v2/content/", {"key": key, "status": status, "fields": items})
    listed = api.ok("GET", f"/v2/content/{key}/", params={"page_size": 100, "preview": 1})["data"][key]
    return [item["meta"]["id"] for item in listed][-len(items) :]


def events_about(server: Server, resource_type: str) -> list[tuple[str, str, dict[str, Any]]]:
    """``(type, resource_id, payload)`` of every event about ``resource_type``, oldest first."""

    async def run() -> list[tuple[str, str, dict[str, Any]]]:
        engine = create_engine(server.database_url)
        try:
            async with engine.connect() as conn:
                rows = await conn.execute(
                    sa.select(events.c.type, events.c.resource_id, events.c.payload)
                    .where(events.c.resource_type == resource_type)
                    .order_by(events.c.id)
                )
                return [(row.type, row.resource_id, row.payload) for row in rows]
        finally:
            await engine.dispose()

    return asyncio.run(run())


NEWS_FIELDS: list[dict[str, Any]] = [
    {"key": "seo_title", "type": "text"},
    {"key": "seo_description", "type": "text"},
    {"key": "seo_keywords", "type": "text"},
    {"key": "title", "type": "text", "required": True},
    {"key": "body", "type": "rich_text"},
]

SEED_NEWS_PAGE = {
    "seo_title": "Example News Page",
    "seo_description": "SEO Description",
    "seo_keywords": "SEO Keywords",
    "title": "This is an example news page",
    "body": "<p>Breaking news!</p>",
}
