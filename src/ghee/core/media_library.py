"""The media library: uploaded images listed newest first, where each is used, and deleting one nothing uses.

An image is used wherever its handle appears: a post's body, featured image
or working draft, an author's profile image, a page's, item's or content
field's values or working draft. Deleting an image something uses is
refused with the list of users, so no page is left with a broken image.
Revisions are not searched: restoring an old one may name a deleted image.
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import msgspec
import sqlalchemy as sa

from ghee.core.events import record_event
from ghee.core.media import COLUMNS, Media, get_media, media_from, original_path
from ghee.core.paging import Slice, Window, cut
from ghee.db.database import Write
from ghee.db.reads import Reads
from ghee.db.tables import blog_authors, blog_posts, content_entries, content_values, media
from ghee.errors import Conflict

MAX_USES = 20
"""How many uses of one image are named (a refusal to delete lists them)."""


class Use(msgspec.Struct, frozen=True):
    """Something that shows an image: what it is (``post``, ``author``, ``page``, ``item``, ``field``) and its key."""

    kind: str
    key: str
    label: str


_PAGE = sa.select(*COLUMNS).order_by(media.c.id.desc()).limit(sa.bindparam("limit")).offset(sa.bindparam("offset"))


async def list_media(reads: Reads, window: Window) -> Slice[Media]:
    """Uploaded images, newest first."""
    rows = await reads.all(_PAGE, {"limit": window.limit + 1, "offset": window.offset})
    return cut([media_from(row) for row in rows], window)


def _mentions(*columns: sa.ColumnElement[str | None]) -> sa.ColumnElement[bool]:
    pattern: sa.BindParameter[str] = sa.bindparam("pattern")
    return sa.or_(*(column.like(pattern) for column in columns))


_POSTS = (
    sa.select(blog_posts.c.slug, blog_posts.c.title)
    .where(_mentions(blog_posts.c.body, blog_posts.c.featured_image, blog_posts.c.draft))
    .limit(MAX_USES)
)
_AUTHORS = (
    sa.select(blog_authors.c.slug, blog_authors.c.first_name, blog_authors.c.last_name)
    .where(_mentions(blog_authors.c.profile_image))
    .limit(MAX_USES)
)
_ENTRIES = (
    sa.select(content_entries.c.kind, content_entries.c.scope, content_entries.c.slug, content_entries.c.id)
    .where(
        sa.or_(
            _mentions(content_entries.c.draft),
            content_entries.c.id.in_(sa.select(content_values.c.entry_id).where(_mentions(content_values.c.fields))),
        )
    )
    .limit(MAX_USES)
)


async def uses_of(reads: Reads, handle: str) -> list[Use]:
    """What shows the image ``handle`` (at most ``MAX_USES`` of each kind)."""
    params = {"pattern": f"%{handle}%"}  # a handle is hex: nothing in it is a LIKE wildcard
    found = [Use("post", slug, title) for slug, title in await reads.all(_POSTS, params)]
    found += [Use("author", slug, f"{first} {last}".strip()) for slug, first, last in await reads.all(_AUTHORS, params)]
    for kind, scope, slug, entry_id in await reads.all(_ENTRIES, params):
        key = f"{scope}/{slug}" if slug is not None and kind == "page" else slug or str(entry_id)
        found.append(Use(kind, key, f"{scope} {slug or entry_id}" if kind != "field" else str(slug)))
    return found


async def delete_media(work: Write, handle: str) -> Media:
    """Delete the record of an image nothing uses; emits ``media.deleted``. Remove its file once committed.

    Raises ``NotFound`` for an unknown handle and ``Conflict`` naming the users of one in use.
    """
    item = await get_media(work, handle)
    uses = await uses_of(work, handle)
    if uses:
        named = ", ".join(f"{use.kind} {use.label or use.key}" for use in uses[:5])
        more = f" and {len(uses) - 5} more" if len(uses) > 5 else ""  # noqa: PLR2004 (named in the message)
        raise Conflict(f"the image is used by {named}{more}; remove it there first")
    await work.execute(media.delete().where(media.c.id == item.id))
    await record_event(
        work,
        "media.deleted",
        resource_type="media",
        resource_id=handle,
        project_id=None,
        payload={"handle": handle, "file_name": item.file_name},
    )
    return item


async def remove_original(root: Path, item: Media) -> None:
    """Remove a deleted image's file (its renderings stay in the render cache until evicted; none is served)."""
    with contextlib.suppress(FileNotFoundError):
        await asyncio.to_thread(original_path(root, item).unlink)
