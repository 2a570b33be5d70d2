"""What ``preview=1`` shows of a live post with a working draft: the draft, over the live post's row.

A post never published is its own draft (its row). A published post keeps
answering its live version while the next one is drafted: the draft is a
``PostVersion`` in ``blog_posts.draft``, and only previews read it.
"""

from __future__ import annotations

import msgspec
import sqlalchemy as sa

from ghee.core.blog.authors import author_by_id
from ghee.core.blog.posts import Post
from ghee.core.blog.taxonomy import CATEGORIES, TAGS, terms_by_id
from ghee.core.blog.versions import TEXTS, PostVersion, decode_version
from ghee.db.reads import Reads
from ghee.db.tables import blog_posts

_DRAFT = sa.select(blog_posts.c.draft).where(blog_posts.c.id == sa.bindparam("id"))


async def working_draft(reads: Reads, post: Post) -> PostVersion | None:
    """The working draft of a live post, or ``None``."""
    if not post.has_draft:
        return None
    row = await reads.first(_DRAFT, {"id": post.id})
    return None if row is None or row[0] is None else decode_version(row[0])


async def previewed(reads: Reads, post: Post) -> Post:
    """``post`` as a preview shows it: its working draft over it, if it has one."""
    draft = await working_draft(reads, post)
    if draft is None:
        return post
    author = await author_by_id(reads, draft.author_id) if draft.author_id is not None else None
    return msgspec.structs.replace(
        post,
        **{name: getattr(draft, name) for name in TEXTS},
        published_at=draft.published_at or post.published_at,
        author=author,
        categories=await terms_by_id(reads, CATEGORIES, draft.categories),
        tags=await terms_by_id(reads, TAGS, draft.tags),
    )


async def all_previewed(reads: Reads, posts: list[Post]) -> list[Post]:
    """Each of ``posts`` as a preview shows it (one more read per post with a working draft)."""
    return [await previewed(reads, post) if post.has_draft else post for post in posts]
