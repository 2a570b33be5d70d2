"""Authors: the people posts are written by."""

from __future__ import annotations

from typing import Any

import msgspec
import sqlalchemy as sa

from ghee.clock import utcnow
from ghee.core.blog.slugs import check_slug, slugify
from ghee.core.events import record_event
from ghee.core.inputs import check_free_text, check_label
from ghee.core.inserts import insert_unless_taken
from ghee.db.database import Write
from ghee.db.reads import Reads, Row
from ghee.db.tables import blog_authors
from ghee.errors import Invalid, NotFound

MAX_NAME = 200
MAX_EMAIL = 254
MAX_URL = 2048
# Every text field of an author and its longest length, in column order after the slug.
PROFILE_FIELDS: dict[str, int] = {
    "first_name": MAX_NAME,
    "last_name": MAX_NAME,
    "email": MAX_EMAIL,
    "bio": 100_000,
    "title": MAX_NAME,
    "linkedin_url": MAX_URL,
    "facebook_url": MAX_URL,
    "pinterest_url": MAX_URL,
    "instagram_url": MAX_URL,
    "twitter_handle": MAX_NAME,
    "profile_image": MAX_URL,
}


class Author(msgspec.Struct, frozen=True):
    """One author."""

    id: int
    slug: str
    first_name: str
    last_name: str
    email: str
    bio: str
    title: str
    linkedin_url: str
    facebook_url: str
    pinterest_url: str
    instagram_url: str
    twitter_handle: str
    profile_image: str


class AuthorChanges(msgspec.Struct, frozen=True):
    """Fields to set on an author; ``None`` leaves a field as it is (or empty, on creation)."""

    slug: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    bio: str | None = None
    title: str | None = None
    linkedin_url: str | None = None
    facebook_url: str | None = None
    pinterest_url: str | None = None
    instagram_url: str | None = None
    twitter_handle: str | None = None
    profile_image: str | None = None


COLUMNS = (blog_authors.c.id, blog_authors.c.slug, *(blog_authors.c[name] for name in PROFILE_FIELDS))
_LIST = sa.select(*COLUMNS).order_by(blog_authors.c.first_name, blog_authors.c.last_name, blog_authors.c.id)
_BY_SLUG = sa.select(*COLUMNS).where(blog_authors.c.slug == sa.bindparam("slug"))
_BY_ID = sa.select(*COLUMNS).where(blog_authors.c.id == sa.bindparam("id"))
_BY_EMAIL = (
    sa.select(*COLUMNS).where(sa.func.lower(blog_authors.c.email) == sa.bindparam("email")).order_by(blog_authors.c.id)
)


def author_from(row: Row) -> Author:
    """An ``Author`` from a row of ``COLUMNS``."""
    return Author(*row)


async def list_authors(reads: Reads) -> list[Author]:
    """Every author, by name."""
    return [author_from(row) for row in await reads.all(_LIST, {})]


async def get_author(reads: Reads, slug: str) -> Author:
    """The author with ``slug``; raises ``NotFound``."""
    row = await reads.first(_BY_SLUG, {"slug": slug})
    if row is None:
        raise NotFound("author", slug)
    return author_from(row)


async def author_by_id(reads: Reads, author_id: int) -> Author | None:
    """The author with row id ``author_id``, or ``None`` (deleted)."""
    row = await reads.first(_BY_ID, {"id": author_id})
    return None if row is None else author_from(row)


async def find_author(reads: Reads, field: str, slug: str | None, email: str | None) -> Author:
    """The author named by slug or else e-mail (case-insensitive); raises ``Invalid`` on ``field`` if none matches."""
    row = None
    if slug is not None:
        row = await reads.first(_BY_SLUG, {"slug": check_label(field, slug, MAX_NAME)})
    elif email is not None:
        row = await reads.first(_BY_EMAIL, {"email": check_label(field, email, MAX_EMAIL).lower()})
    else:
        raise Invalid(field, "must name the author by slug or email")
    if row is None:
        raise Invalid(field, "no author has this slug or email")
    return author_from(row)


def _checked(changes: AuthorChanges) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, longest in PROFILE_FIELDS.items():
        value = getattr(changes, name)
        if value is None:
            continue
        if len(value) > longest:
            raise Invalid(name, f"must be at most {longest} characters")
        values[name] = check_free_text(name, value.strip())
    return values


async def create_author(work: Write, changes: AuthorChanges) -> Author:
    """Add an author; emits ``author.create``.

    The slug defaults to the slugified full name. Raises ``Invalid`` for a bad
    or taken slug, a missing first name, or an over-long field.
    """
    values = dict.fromkeys(PROFILE_FIELDS, "") | _checked(changes)
    if not values["first_name"]:
        raise Invalid("first_name", "is required")
    if changes.slug is not None:
        slug = check_slug("slug", changes.slug)
    else:
        slug = slugify("first_name", f"{values['first_name']} {values['last_name']}")
    row_id = await work.scalar(
        insert_unless_taken(work, blog_authors)
        .values(slug=slug, created_at=utcnow(), **values)
        .returning(blog_authors.c.id)
    )
    if row_id is None:
        raise Invalid("slug", "an author with this slug already exists")
    author = Author(id=row_id, slug=slug, **values)
    await _emit(work, "author.create", author)
    return author


async def update_author(work: Write, author: Author, changes: AuthorChanges) -> Author:
    """Change an author's fields (a new slug must be free); emits ``author.update``. Raises ``Invalid``."""
    values = _checked(changes)
    if "first_name" in values and not values["first_name"]:
        raise Invalid("first_name", "must not be blank")
    if changes.slug is not None and changes.slug != author.slug:
        values["slug"] = check_slug("slug", changes.slug)
        taken = await work.scalar(sa.select(blog_authors.c.id).where(blog_authors.c.slug == values["slug"]))
        if taken is not None:
            raise Invalid("slug", "an author with this slug already exists")
    if values:
        await work.execute(blog_authors.update().where(blog_authors.c.id == author.id).values(**values))
    updated = msgspec.structs.replace(author, **values)
    await _emit(work, "author.update", updated)
    return updated


async def _emit(work: Write, event_type: str, author: Author) -> None:
    await record_event(
        work, event_type, resource_type="author", resource_id=author.slug, project_id=None, payload={"id": author.slug}
    )
