"""Writing posts: create, change and delete, each recording its event (``post.create`` ...)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec
import sqlalchemy as sa

from ghee.clock import utcnow
from ghee.core.blog.authors import find_author
from ghee.core.blog.posts import STATUSES, Post, get_post
from ghee.core.blog.slugs import check_slug
from ghee.core.blog.taxonomy import CATEGORIES, TAGS, link_terms, terms_named
from ghee.core.events import record_event
from ghee.core.inputs import check_free_text, check_label, check_moment
from ghee.core.inserts import insert_unless_taken
from ghee.core.rich_text import clean_html
from ghee.db.database import Write
from ghee.db.tables import blog_post_categories, blog_post_tags, blog_posts
from ghee.errors import Invalid

MAX_TITLE = 500
MAX_TEXT = 1_000_000
MAX_URL = 2048


class AuthorRef(msgspec.Struct, frozen=True):
    """An author named by slug or by e-mail."""

    slug: str | None = None
    email: str | None = None


class PostChanges(msgspec.Struct, frozen=True):
    """What a write sets on a post; ``None`` leaves a field as it is (its default, on creation).

    ``body`` is HTML, stored as ``clean_html`` leaves it; every other text is
    plain and stored as given. ``featured_image`` of ``""`` removes the image.
    """

    slug: str | None = None
    title: str | None = None
    body: str | None = None
    summary: str | None = None
    seo_title: str | None = None
    meta_description: str | None = None
    featured_image: str | None = None
    status: str | None = None
    published: datetime | None = None
    author: AuthorRef | None = None
    categories: list[str] | None = None
    tags: list[str] | None = None


_DEFAULTS: dict[str, Any] = {
    "body": "",
    "summary": "",
    "seo_title": "",
    "meta_description": "",
    "featured_image": None,
    "status": "draft",
    "published_at": None,
    "author_id": None,
}


def _text(field: str, value: str, longest: int) -> str:
    if len(value) > longest:
        raise Invalid(field, f"must be at most {longest} characters")
    return check_free_text(field, value)


def _text_values(changes: PostChanges) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if changes.slug is not None:
        values["slug"] = check_slug("slug", changes.slug)
    if changes.title is not None:
        values["title"] = check_label("title", changes.title, MAX_TITLE)
    if changes.body is not None:  # the one rich text of a post: stored cleaned, whoever writes it
        values["body"] = clean_html(_text("body", changes.body, MAX_TEXT))
    for name in ("summary", "meta_description"):  # plain text: stored as given
        value = getattr(changes, name)
        if value is not None:
            values[name] = _text(name, value, MAX_TEXT)
    if changes.seo_title is not None:
        values["seo_title"] = _text("seo_title", changes.seo_title, MAX_TITLE)
    if changes.featured_image is not None:
        values["featured_image"] = _text("featured_image", changes.featured_image.strip(), MAX_URL) or None
    return values


async def _values(work: Write, changes: PostChanges) -> dict[str, Any]:
    """The columns ``changes`` sets, checked; raises ``Invalid`` naming the field."""
    values = _text_values(changes)
    if changes.status is not None:
        if changes.status not in STATUSES:
            raise Invalid("status", f"must be one of {', '.join(STATUSES)}")
        values["status"] = changes.status
    if changes.published is not None:
        values["published_at"] = check_moment("published", changes.published)
    if changes.author is not None:
        author = await find_author(work, "author", changes.author.slug, changes.author.email)
        values["author_id"] = author.id
    return values


async def _file(work: Write, post_id: int, changes: PostChanges) -> None:
    if changes.categories is not None:
        await link_terms(
            work, CATEGORIES, post_id, await terms_named(work, CATEGORIES, "categories", changes.categories)
        )
    if changes.tags is not None:
        await link_terms(work, TAGS, post_id, await terms_named(work, TAGS, "tags", changes.tags))


async def create_post(work: Write, changes: PostChanges) -> Post:
    """Write a new post (a draft unless ``status`` says published); emits ``post.create``.

    Categories and tags are named, and made on first use. A published post
    without a publication date is published now. Raises ``Invalid`` for a
    missing title or slug, a taken slug, an unknown author or a bad field.
    """
    if changes.title is None:
        raise Invalid("title", "is required")
    if changes.slug is None:
        raise Invalid("slug", "is required")
    values = _DEFAULTS | await _values(work, changes)
    now = utcnow()
    if values["status"] == "published" and values["published_at"] is None:
        values["published_at"] = now
    post_id = await work.scalar(
        insert_unless_taken(work, blog_posts)
        .values(created_at=now, updated_at=now, **values)
        .returning(blog_posts.c.id)
    )
    if post_id is None:
        raise Invalid("slug", "a post with this slug already exists")
    await _file(work, post_id, changes)
    post = await get_post(work, values["slug"], preview=True)
    await _emit(work, "post.create", post)
    return post


async def update_post(work: Write, post: Post, changes: PostChanges) -> Post:
    """Change a post (a new slug must be free); emits ``post.update``. Raises ``Invalid`` as ``create_post``."""
    values = await _values(work, changes)
    if "slug" in values and values["slug"] != post.slug:
        taken = await work.scalar(sa.select(blog_posts.c.id).where(blog_posts.c.slug == values["slug"]))
        if taken is not None:
            raise Invalid("slug", "a post with this slug already exists")
    status = values.get("status", post.status)
    if status == "published" and values.get("published_at", post.published_at) is None:
        values["published_at"] = utcnow()
    await work.execute(blog_posts.update().where(blog_posts.c.id == post.id).values(updated_at=utcnow(), **values))
    await _file(work, post.id, changes)
    updated = await get_post(work, values.get("slug", post.slug), preview=True)
    await _emit(work, "post.update", updated)
    return updated


async def delete_post(work: Write, post: Post) -> None:
    """Delete a post and its filing; emits ``post.delete``."""
    await work.execute(blog_post_categories.delete().where(blog_post_categories.c.post_id == post.id))
    await work.execute(blog_post_tags.delete().where(blog_post_tags.c.post_id == post.id))
    await work.execute(blog_posts.delete().where(blog_posts.c.id == post.id))
    await _emit(work, "post.delete", post)


async def _emit(work: Write, event_type: str, post: Post) -> None:
    # ButterCMS's webhook body names the post by slug: {"data": {"id": "<slug>"}}.
    await record_event(
        work,
        event_type,
        resource_type="post",
        resource_id=post.slug,
        project_id=None,
        payload={"id": post.slug, "status": post.status, "title": post.title},
    )
