"""Categories and tags: the two vocabularies posts are filed under, each a name with a slug."""

from __future__ import annotations

from dataclasses import dataclass, field

import msgspec
import sqlalchemy as sa

from ghee.clock import utcnow
from ghee.core.blog.slugs import check_slug, slugify
from ghee.core.events import record_event
from ghee.core.inputs import check_label
from ghee.core.inserts import insert_unless_taken
from ghee.db.database import Write
from ghee.db.functions import in_json_list, json_list
from ghee.db.reads import Reads
from ghee.db.tables import blog_categories, blog_post_categories, blog_post_tags, blog_tags
from ghee.errors import Invalid, NotFound

MAX_NAME = 200
MAX_TERMS = 50  # per post


class Term(msgspec.Struct, frozen=True, array_like=True):
    """A category or a tag; as JSON, the array ``[id, name, slug]`` (how a post's read gathers them)."""

    id: int
    name: str
    slug: str


@dataclass(frozen=True)
class Vocabulary:
    """Where one kind of term lives, and its statements (built once)."""

    kind: str
    table: sa.Table
    links: sa.Table  # post_id and the term's id
    link_column: str
    list_statement: sa.Select[tuple[int, str, str]] = field(init=False)
    by_slug: sa.Select[tuple[int, str, str]] = field(init=False)
    by_ids: sa.Select[tuple[int, str, str]] = field(init=False)

    def __post_init__(self) -> None:
        columns = (self.table.c.id, self.table.c.name, self.table.c.slug)
        ordered = sa.select(*columns).order_by(self.table.c.name, self.table.c.id)
        object.__setattr__(self, "list_statement", ordered)
        object.__setattr__(self, "by_slug", sa.select(*columns).where(self.table.c.slug == sa.bindparam("slug")))
        object.__setattr__(self, "by_ids", ordered.where(in_json_list(self.table.c.id, sa.bindparam("ids"))))


CATEGORIES = Vocabulary("category", blog_categories, blog_post_categories, "category_id")
TAGS = Vocabulary("tag", blog_tags, blog_post_tags, "tag_id")


async def list_terms(reads: Reads, vocabulary: Vocabulary) -> list[Term]:
    """Every term of the vocabulary, by name."""
    return [Term(*row) for row in await reads.all(vocabulary.list_statement, {})]


async def terms_by_id(reads: Reads, vocabulary: Vocabulary, term_ids: list[int]) -> list[Term]:
    """The terms among ``term_ids`` that still exist, by name."""
    if not term_ids:
        return []
    return [Term(*row) for row in await reads.all(vocabulary.by_ids, {"ids": json_list(term_ids)})]


async def get_term(reads: Reads, vocabulary: Vocabulary, slug: str) -> Term:
    """The term with ``slug``; raises ``NotFound``."""
    row = await reads.first(vocabulary.by_slug, {"slug": slug})
    if row is None:
        raise NotFound(vocabulary.kind, slug)
    return Term(*row)


async def create_term(work: Write, vocabulary: Vocabulary, name: str, slug: str | None) -> Term:
    """Add a term (slug defaults to the slugified name); emits ``<kind>.create``. Raises ``Invalid`` if taken."""
    name = check_label("name", name, MAX_NAME)
    slug = check_slug("slug", slug) if slug is not None else slugify("name", name)
    row_id = await work.scalar(
        insert_unless_taken(work, vocabulary.table)
        .values(name=name, slug=slug, created_at=utcnow())
        .returning(vocabulary.table.c.id)
    )
    if row_id is None:
        raise Invalid("slug", f"a {vocabulary.kind} with this slug already exists")
    term = Term(row_id, name, slug)
    await _emit(work, vocabulary, "create", term)
    return term


async def update_term(work: Write, vocabulary: Vocabulary, term: Term, name: str | None, slug: str | None) -> Term:
    """Rename a term or change its slug (which must be free); emits ``<kind>.update``. Raises ``Invalid``."""
    values: dict[str, str] = {}
    if name is not None:
        values["name"] = check_label("name", name, MAX_NAME)
    if slug is not None and slug != term.slug:
        values["slug"] = check_slug("slug", slug)
        taken = await work.scalar(sa.select(vocabulary.table.c.id).where(vocabulary.table.c.slug == values["slug"]))
        if taken is not None:
            raise Invalid("slug", f"a {vocabulary.kind} with this slug already exists")
    if values:
        await work.execute(vocabulary.table.update().where(vocabulary.table.c.id == term.id).values(**values))
    updated = msgspec.structs.replace(term, **values)
    await _emit(work, vocabulary, "update", updated)
    return updated


async def terms_named(work: Write, vocabulary: Vocabulary, field_name: str, names: list[str]) -> list[int]:
    """The ids of the terms named (matched by slug), making missing ones. Raises ``Invalid`` on ``field_name``."""
    if len(names) > MAX_TERMS:
        raise Invalid(field_name, f"must list at most {MAX_TERMS}")
    wanted: dict[str, str] = {}
    for index, raw in enumerate(names):
        name = check_label(f"{field_name}[{index}]", raw, MAX_NAME)
        wanted.setdefault(slugify(f"{field_name}[{index}]", name), name)
    if not wanted:
        return []
    now = utcnow()
    await work.execute(
        insert_unless_taken(work, vocabulary.table),
        [{"name": name, "slug": slug, "created_at": now} for slug, name in wanted.items()],
    )
    found = await work.execute(
        sa.select(vocabulary.table.c.slug, vocabulary.table.c.id).where(vocabulary.table.c.slug.in_(list(wanted)))
    )
    ids: dict[str, int] = dict(found.all())
    return [ids[slug] for slug in wanted]


async def link_terms(work: Write, vocabulary: Vocabulary, post_id: int, term_ids: list[int]) -> None:
    """Make ``term_ids`` exactly the post's terms of this vocabulary."""
    links = vocabulary.links
    await work.execute(links.delete().where(links.c.post_id == post_id))
    if term_ids:
        await work.execute(links.insert(), [{"post_id": post_id, vocabulary.link_column: t} for t in term_ids])


async def _emit(work: Write, vocabulary: Vocabulary, action: str, term: Term) -> None:
    await record_event(
        work,
        f"{vocabulary.kind}.{action}",
        resource_type=vocabulary.kind,
        resource_id=term.slug,
        project_id=None,
        payload={"id": term.slug, "name": term.name},
    )
