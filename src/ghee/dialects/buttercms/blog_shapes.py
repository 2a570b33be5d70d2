"""ButterCMS's blog wire shapes (seed 004) and the mapping from the blog's domain objects onto them."""

from __future__ import annotations

from datetime import datetime

import msgspec

from ghee.clock import iso
from ghee.core.blog.addresses import Sites
from ghee.core.blog.authors import Author, AuthorChanges
from ghee.core.blog.posts import Neighbour, Post, PostPage
from ghee.core.blog.taxonomy import Term
from ghee.core.blog.writing import AuthorRef, PostChanges


class Accepted(msgspec.Struct):
    """What ButterCMS's write API answers: ``{"status": "pending"}``."""

    status: str = "pending"


class ButterAuthor(msgspec.Struct):
    first_name: str
    last_name: str
    email: str
    slug: str
    bio: str
    title: str
    linkedin_url: str
    facebook_url: str
    pinterest_url: str
    instagram_url: str
    twitter_handle: str
    profile_image: str
    recent_posts: list[ButterPost] | msgspec.UnsetType = msgspec.UNSET


class ButterTerm(msgspec.Struct):
    name: str
    slug: str
    recent_posts: list[ButterPost] | msgspec.UnsetType = msgspec.UNSET


class ButterPost(msgspec.Struct):
    url: str
    created: str
    published: str | None
    author: ButterAuthor | None
    categories: list[ButterTerm]
    tags: list[ButterTerm]
    featured_image: str | None
    slug: str
    title: str
    summary: str
    seo_title: str
    meta_description: str
    status: str
    body: str | msgspec.UnsetType = msgspec.UNSET
    rank: float | msgspec.UnsetType = msgspec.UNSET


class ListMeta(msgspec.Struct):
    count: int
    next_page: int | None
    previous_page: int | None


class PostList(msgspec.Struct):
    meta: ListMeta
    data: list[ButterPost]


class ButterNeighbour(msgspec.Struct):
    slug: str
    title: str
    featured_image: str | None


class PostMeta(msgspec.Struct):
    next_post: ButterNeighbour | None
    previous_post: ButterNeighbour | None


class PostDetail(msgspec.Struct):
    meta: PostMeta
    data: ButterPost


class AuthorList(msgspec.Struct):
    data: list[ButterAuthor]


class AuthorDetail(msgspec.Struct):
    data: ButterAuthor


class TermList(msgspec.Struct):
    data: list[ButterTerm]


class TermDetail(msgspec.Struct):
    data: ButterTerm


class FeedDocument(msgspec.Struct):
    """A feed or sitemap as one XML string."""

    data: str


class AuthorRefBody(msgspec.Struct):
    slug: str | None = None
    email: str | None = None


class PostBody(msgspec.Struct):
    """A post as ButterCMS's write API takes it (POST and PUT)."""

    title: str
    slug: str
    body: str = ""
    summary: str = ""
    seo_title: str = ""
    meta_description: str = ""
    featured_image: str | None = None
    status: str = "draft"
    published: datetime | None = None
    author: AuthorRefBody | None = None
    categories: list[str] = []
    tags: list[str] = []
    scheduled: datetime | None = None


class PostPatchBody(msgspec.Struct):
    """Fields to change on a post (PATCH); absent fields stay as they are."""

    title: str | None = None
    slug: str | None = None
    body: str | None = None
    summary: str | None = None
    seo_title: str | None = None
    meta_description: str | None = None
    featured_image: str | None = None
    status: str | None = None
    published: datetime | None = None
    author: AuthorRefBody | None = None
    categories: list[str] | None = None
    tags: list[str] | None = None
    scheduled: datetime | None = None


class AuthorBody(msgspec.Struct):
    """An author to create (``first_name`` required) or the fields to change."""

    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    slug: str | None = None
    bio: str | None = None
    title: str | None = None
    linkedin_url: str | None = None
    facebook_url: str | None = None
    pinterest_url: str | None = None
    instagram_url: str | None = None
    twitter_handle: str | None = None
    profile_image: str | None = None


class TermBody(msgspec.Struct):
    """A category or tag: ``name`` (required on creation) and an optional ``slug``."""

    name: str | None = None
    slug: str | None = None


def author_shape(author: Author, recent: list[ButterPost] | msgspec.UnsetType = msgspec.UNSET) -> ButterAuthor:
    return ButterAuthor(
        author.first_name,
        author.last_name,
        author.email,
        author.slug,
        author.bio,
        author.title,
        author.linkedin_url,
        author.facebook_url,
        author.pinterest_url,
        author.instagram_url,
        author.twitter_handle,
        author.profile_image,
        recent,
    )


def term_shape(term: Term, recent: list[ButterPost] | msgspec.UnsetType = msgspec.UNSET) -> ButterTerm:
    return ButterTerm(term.name, term.slug, recent)


def post_shape(post: Post, sites: Sites, *, body: bool = True) -> ButterPost:
    return ButterPost(
        sites.post_url(post.slug, post.project_id),
        iso(post.created_at) or "",
        iso(post.published_at),
        author_shape(post.author) if post.author else None,
        [term_shape(t) for t in post.categories],
        [term_shape(t) for t in post.tags],
        post.featured_image,
        post.slug,
        post.title,
        post.summary,
        post.seo_title,
        post.meta_description,
        post.status,
        post.body if body else msgspec.UNSET,
        post.rank if post.rank is not None else msgspec.UNSET,
    )


def post_list_shape(page: PostPage, sites: Sites, number: int, size: int, *, body: bool = True) -> PostList:
    more = number * size < page.count
    meta = ListMeta(page.count, number + 1 if more else None, number - 1 if number > 1 else None)
    return PostList(meta, [post_shape(p, sites, body=body) for p in page.items])


def neighbour_shape(neighbour: Neighbour | None) -> ButterNeighbour | None:
    return ButterNeighbour(neighbour.slug, neighbour.title, neighbour.featured_image) if neighbour else None


def post_changes(body: PostBody | PostPatchBody) -> PostChanges:
    author = AuthorRef(body.author.slug, body.author.email) if body.author else None
    return PostChanges(
        slug=body.slug,
        title=body.title,
        body=body.body,
        summary=body.summary,
        seo_title=body.seo_title,
        meta_description=body.meta_description,
        featured_image="" if isinstance(body, PostBody) and body.featured_image is None else body.featured_image,
        status=body.status,
        published=body.published,
        author=author,
        categories=body.categories,
        tags=body.tags,
        scheduled=body.scheduled,
    )


def author_changes(body: AuthorBody) -> AuthorChanges:
    return AuthorChanges(**msgspec.structs.asdict(body))
