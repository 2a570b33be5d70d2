"""A version of a post: every field a publication replaces, as one value.

A live post's working draft is stored as one (``blog_posts.draft``, JSON),
and each revision keeps the version a publication made live
(``ghee.core.revisions``). Author, categories and tags are held by row id,
so a renamed tag shows its new name in a preview.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from ghee.core.blog.posts import Post


class PostVersion(msgspec.Struct, frozen=True, kw_only=True):
    """The fields of a post one publication replaces."""

    slug: str
    title: str
    body: str = ""
    summary: str = ""
    seo_title: str = ""
    meta_description: str = ""
    featured_image: str | None = None
    published_at: datetime | None = None
    author_id: int | None = None
    categories: list[int] = []
    tags: list[int] = []

    @property
    def columns(self) -> dict[str, Any]:
        """The ``blog_posts`` columns this version sets (categories and tags are links, not columns)."""
        return {name: getattr(self, name) for name in COLUMNS}


TEXTS = ("slug", "title", "body", "summary", "seo_title", "meta_description", "featured_image")
"""The fields a version shares with ``Post`` as they are."""
COLUMNS = (*TEXTS, "author_id")
"""The columns of a version written as they are (``published_at`` only ever fills an empty one)."""

_ENCODER = msgspec.json.Encoder()
_DECODER = msgspec.json.Decoder(PostVersion)


def version_of(post: Post) -> PostVersion:
    """The version ``post`` shows (as read, live or overlaid with its draft)."""
    return PostVersion(
        slug=post.slug,
        title=post.title,
        body=post.body,
        summary=post.summary,
        seo_title=post.seo_title,
        meta_description=post.meta_description,
        featured_image=post.featured_image,
        published_at=post.published_at,
        author_id=post.author.id if post.author else None,
        categories=[term.id for term in post.categories],
        tags=[term.id for term in post.tags],
    )


def encode_version(version: PostVersion) -> str:
    """The stored form of a version (JSON text)."""
    return _ENCODER.encode(version).decode()


def decode_version(stored: str | bytes) -> PostVersion:
    """A version from its stored form."""
    return _DECODER.decode(stored)


def as_snapshot(version: PostVersion) -> dict[str, Any]:
    """A version as plain JSON values (what a revision keeps)."""
    snapshot: dict[str, Any] = msgspec.to_builtins(version)
    return snapshot


def from_snapshot(snapshot: dict[str, Any]) -> PostVersion:
    """The version a revision kept."""
    return msgspec.convert(snapshot, PostVersion, strict=False)
