"""Writing posts: drafts, publication, scheduling and deletion, each recording its event.

The events follow ButterCMS (seed 004): ``post.create`` when a post first
goes live (published, or its scheduled time reached), ``post.update`` when a
live post changes, ``post.delete`` when a live post is deleted or
unpublished. Work on drafts sends ghee's own ``draft.saved`` and
``draft.deleted`` instead, so a consumer announcing new posts never
announces a draft.

What a write does depends on the post and the ``status`` it names:

- a post never published is its own draft: a write changes it in place, and
  ``status: "published"`` publishes it;
- a live post written with ``status: "draft"`` keeps answering its live
  version: the changes go to its working draft (``blog_posts.draft``);
- a live post written with ``status: "published"`` publishes its working
  draft with the changes over it, in one transaction;
- a live post written without ``status`` is changed live, as before drafts.

``scheduled`` saves the write as a draft and has the worker publish it then;
a write naming a ``status`` and no ``scheduled`` cancels a schedule. Every
publication keeps a revision (``ghee.core.revisions``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec
import sqlalchemy as sa

from ghee.clock import iso, utcnow
from ghee.core.blog.authors import author_by_id, find_author
from ghee.core.blog.drafts import working_draft
from ghee.core.blog.posts import STATUSES, Post, get_post_by_id
from ghee.core.blog.slugs import check_slug
from ghee.core.blog.taxonomy import CATEGORIES, TAGS, link_terms, terms_by_id, terms_named
from ghee.core.blog.versions import COLUMNS, PostVersion, as_snapshot, encode_version, from_snapshot, version_of
from ghee.core.events import record_event
from ghee.core.inputs import check_free_text, check_label, check_moment
from ghee.core.inserts import insert_unless_taken
from ghee.core.revisions import forget_revisions, get_revision, keep_revision
from ghee.core.rich_text import clean_html
from ghee.db.database import Write
from ghee.db.reads import Reads
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
    scheduled: datetime | None = None


_DEFAULTS: dict[str, Any] = {
    "body": "",
    "summary": "",
    "seo_title": "",
    "meta_description": "",
    "featured_image": None,
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


def _status(changes: PostChanges) -> str | None:
    """The status a write asks for; ``draft`` when it schedules (saved now, published later)."""
    if changes.status is not None and changes.status not in STATUSES:
        raise Invalid("status", f"must be one of {', '.join(STATUSES)}")
    return "draft" if changes.scheduled is not None else changes.status


def _schedule(changes: PostChanges) -> dict[str, Any]:
    """``scheduled_at`` as a write sets it: to ``scheduled``; cleared by a named status; else left alone."""
    if changes.scheduled is not None:
        return {"scheduled_at": check_moment("scheduled", changes.scheduled)}
    return {"scheduled_at": None} if changes.status is not None else {}


async def _fields(work: Write, changes: PostChanges) -> dict[str, Any]:
    """The ``PostVersion`` fields ``changes`` sets, checked; raises ``Invalid`` naming the field.

    Categories and tags are named, and made on first use.
    """
    fields = _text_values(changes)
    if changes.published is not None:
        fields["published_at"] = check_moment("published", changes.published)
    if changes.author is not None:
        fields["author_id"] = (await find_author(work, "author", changes.author.slug, changes.author.email)).id
    if changes.categories is not None:
        fields["categories"] = await terms_named(work, CATEGORIES, "categories", changes.categories)
    if changes.tags is not None:
        fields["tags"] = await terms_named(work, TAGS, "tags", changes.tags)
    return fields


async def _check_slug_free(work: Write, slug: str, post_id: int | None) -> None:
    taken = await work.scalar(sa.select(blog_posts.c.id).where(blog_posts.c.slug == slug, blog_posts.c.id != post_id))
    if taken is not None:
        raise Invalid("slug", "a post with this slug already exists")


async def _write_row(work: Write, post_id: int, fields: dict[str, Any], **extra: Any) -> None:  # noqa: ANN401
    """Set the post's own columns and links from version ``fields`` (only those given), and ``extra`` columns."""
    columns = {name: value for name, value in fields.items() if name in COLUMNS or name == "published_at"}
    await work.execute(
        blog_posts.update().where(blog_posts.c.id == post_id).values(updated_at=utcnow(), **columns, **extra)
    )
    if "categories" in fields:
        await link_terms(work, CATEGORIES, post_id, fields["categories"])
    if "tags" in fields:
        await link_terms(work, TAGS, post_id, fields["tags"])


async def _stored(work: Write, post_id: int) -> Post:
    """The post's row as stored now (a live post's live version)."""
    return await get_post_by_id(work, post_id)


async def _locked(work: Write, post: Post) -> Post:
    """``post`` read again once this transaction holds its row: writers of one post take turns.

    ``FOR UPDATE`` on PostgreSQL; SQLite has one writer at a time already. Nothing is written, so a
    draft's save leaves the live post's ``updated_at`` (the sitemap's ``lastmod``) alone.
    """
    await work.execute(sa.select(blog_posts.c.id).where(blog_posts.c.id == post.id).with_for_update())
    return await _stored(work, post.id)


async def create_post(work: Write, changes: PostChanges, editor: str = "", project_id: int | None = None) -> Post:
    """Write a new post, a draft unless ``status`` says published (then it is live, ``post.create``).

    ``project_id`` names the project whose website shows the post (patch notes).

    A published post without a publication date is published now. Raises
    ``Invalid`` for a missing title or slug, a taken slug, an unknown author
    or a bad field.
    """
    if changes.title is None:
        raise Invalid("title", "is required")
    if changes.slug is None:
        raise Invalid("slug", "is required")
    status = _status(changes) or "draft"
    fields = await _fields(work, changes)
    now = utcnow()
    if status == "published" and fields.get("published_at") is None:
        fields["published_at"] = now
    columns = {name: value for name, value in fields.items() if name in COLUMNS or name == "published_at"}
    post_id = await work.scalar(
        insert_unless_taken(work, blog_posts)
        .values(
            **(_DEFAULTS | columns),
            status=status,
            project_id=project_id,
            created_at=now,
            updated_at=now,
            **_schedule(changes),
        )
        .returning(blog_posts.c.id)
    )
    if post_id is None:
        raise Invalid("slug", "a post with this slug already exists")
    await _write_row(work, post_id, {key: fields[key] for key in ("categories", "tags") if key in fields})
    post = await _stored(work, post_id)
    if status == "published":
        await _went_live(work, post, "post.create", editor)
    else:
        await _draft_event(work, "draft.saved", post)
    return post


async def update_post(work: Write, post: Post, changes: PostChanges, editor: str = "") -> Post:
    """Change a post as its status and ``changes.status`` say (see the module); returns it as stored.

    Raises ``Invalid`` as ``create_post`` does, a new slug taken included.
    """
    status = _status(changes)
    fields = await _fields(work, changes)
    schedule = _schedule(changes)
    post = await _locked(work, post)
    live = post.status == "published"
    if live and status is not None:  # the working draft: saved, or published over the live version
        version = msgspec.structs.replace(await working_draft(work, post) or version_of(post), **fields)
        await _check_slug_free(work, version.slug, post.id)
        if status == "draft":
            await work.execute(
                blog_posts.update().where(blog_posts.c.id == post.id).values(draft=encode_version(version), **schedule)
            )
            saved = await _stored(work, post.id)
            await _draft_event(work, "draft.saved", saved, version)
            return saved
        whole = msgspec.structs.asdict(version)
        await _write_row(work, post.id, whole, draft=None, scheduled_at=None)
        published = await _stored(work, post.id)
        await _went_live(work, published, "post.update", editor)
        return published
    # In place: a post never published (its own draft), or a live post changed live.
    if "slug" in fields:
        await _check_slug_free(work, fields["slug"], post.id)
    first_time = not live and status == "published"
    extra: dict[str, Any] = dict(schedule)
    if first_time:
        extra["status"] = "published"
        if fields.get("published_at", post.published_at) is None:
            fields["published_at"] = utcnow()
    await _write_row(work, post.id, fields, **extra)
    updated = await _stored(work, post.id)
    if live or first_time:
        await _went_live(work, updated, "post.create" if first_time else "post.update", editor)
    else:
        await _draft_event(work, "draft.saved", updated)
    return updated


async def publish_post(work: Write, post: Post, editor: str = "") -> Post:
    """Publish a post: a draft goes live, a live post's working draft replaces its live version."""
    return await update_post(work, post, PostChanges(status="published"), editor)


async def unpublish_post(work: Write, post: Post) -> Post:
    """Take a live post offline: it becomes a draft again (its working draft, if it had one); ``post.delete``."""
    post = await _locked(work, post)
    if post.status != "published":
        return post
    draft = await working_draft(work, post)
    fields = msgspec.structs.asdict(draft) if draft is not None else {}
    await _write_row(work, post.id, fields, status="draft", draft=None)
    await _emit(work, "post.delete", post)
    return await _stored(work, post.id)


async def restore_revision(work: Write, post: Post, number: int, editor: str = "") -> Post:
    """Make revision ``number`` the post's working draft (its own content, if never published); returns the post.

    Terms and an author deleted since are left out. Raises ``NotFound`` for
    an unknown revision, ``Invalid`` when its slug is now another post's.
    """
    revision = await get_revision(work, "post", post.id, number)
    kept = from_snapshot(revision.snapshot)
    author = await author_by_id(work, kept.author_id) if kept.author_id is not None else None
    version = msgspec.structs.replace(
        kept,
        author_id=author.id if author else None,
        categories=[term.id for term in await terms_by_id(work, CATEGORIES, kept.categories)],
        tags=[term.id for term in await terms_by_id(work, TAGS, kept.tags)],
    )
    post = await _locked(work, post)
    await _check_slug_free(work, version.slug, post.id)
    if post.status == "published":
        await work.execute(blog_posts.update().where(blog_posts.c.id == post.id).values(draft=encode_version(version)))
        restored = await _stored(work, post.id)
        await _draft_event(work, "draft.saved", restored, version, restored_from=number, editor=editor)
        return restored
    await _write_row(work, post.id, msgspec.structs.asdict(version))
    restored = await _stored(work, post.id)
    await _draft_event(work, "draft.saved", restored, restored_from=number, editor=editor)
    return restored


async def delete_post(work: Write, post: Post) -> None:
    """Delete a post, its filing and its revisions: ``post.delete`` if it was live, else ``draft.deleted``."""
    await work.execute(blog_post_categories.delete().where(blog_post_categories.c.post_id == post.id))
    await work.execute(blog_post_tags.delete().where(blog_post_tags.c.post_id == post.id))
    await work.execute(blog_posts.delete().where(blog_posts.c.id == post.id))
    await forget_revisions(work, "post", post.id)
    if post.status == "published":
        await _emit(work, "post.delete", post)
    else:
        await _draft_event(work, "draft.deleted", post)


# Scheduled publication

_DUE = (
    sa.select(blog_posts.c.id)
    .where(blog_posts.c.scheduled_at <= sa.bindparam("now"))
    .order_by(blog_posts.c.scheduled_at, blog_posts.c.id)
    .limit(sa.bindparam("limit"))
)


async def due_posts(reads: Reads, now: datetime, limit: int = 100) -> list[int]:
    """Ids of posts whose scheduled time has come, the longest due first."""
    return [row[0] for row in await reads.all(_DUE, {"now": now, "limit": limit})]


async def publish_scheduled(work: Write, post_id: int, now: datetime) -> Post | None:
    """Publish post ``post_id`` if it is still due (another worker may have done it); its schedule is cleared."""
    claimed = await work.execute(
        blog_posts.update()
        .where(blog_posts.c.id == post_id, blog_posts.c.scheduled_at <= now)
        .values(scheduled_at=None)
    )
    if claimed.rowcount != 1:
        return None
    return await publish_post(work, await _stored(work, post_id), SCHEDULE_EDITOR)


async def cancel_schedule(work: Write, post_id: int) -> None:
    """Clear post ``post_id``'s schedule (its publication failed, or was called off)."""
    await work.execute(blog_posts.update().where(blog_posts.c.id == post_id).values(scheduled_at=None))


SCHEDULE_EDITOR = "schedule"
"""Who a scheduled publication's revision names."""


# Events


async def _went_live(work: Write, post: Post, event_type: str, editor: str) -> None:
    """Keep the revision a publication made and send its event."""
    await keep_revision(work, "post", post.id, editor, as_snapshot(version_of(post)))
    await _emit(work, event_type, post)


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


async def _draft_event(  # noqa: PLR0913 (what the event says, named at the call)
    work: Write,
    event_type: str,
    post: Post,
    version: PostVersion | None = None,
    *,
    restored_from: int | None = None,
    editor: str = "",
) -> None:
    payload: dict[str, Any] = {
        "type": "post",
        "id": post.slug,
        "title": version.title if version else post.title,
        "live": post.status == "published",
        "scheduled": iso(post.scheduled_at),
    }
    if version is not None and version.slug != post.slug:
        payload["draft_slug"] = version.slug
    if restored_from is not None:
        payload["restored_from"] = restored_from
        payload["editor"] = editor
    await record_event(work, event_type, resource_type="post", resource_id=post.slug, project_id=None, payload=payload)
