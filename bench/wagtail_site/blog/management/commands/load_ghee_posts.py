"""Load the posts of a ghee SQLite database (bench/posts.py's data) into Wagtail, through its models.

Wagtail's ``add_child`` costs a few queries per page (the parent's last child,
its ``numchild``); for 10,000 siblings this does what it does once: each
page gets the next treebeard path under the blog index and is saved with
``Page.save`` (which sets its ``url_path`` and sends Wagtail's signals), then
the index's ``numchild`` is set once. Categories and tags go in with
``bulk_create`` on their through models.
"""

import sqlite3
from argparse import ArgumentParser
from datetime import UTC, datetime
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.management.base import BaseCommand
from django.db import transaction
from taggit.models import Tag
from wagtail.models import Page

from blog.models import Author, BlogCategory, BlogPage, BlogPageTag


def _moment(stored: str) -> datetime:
    return datetime.fromisoformat(stored).replace(tzinfo=UTC)


class Command(BaseCommand):
    help = "Load the blog of a ghee SQLite database into this Wagtail site."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("ghee_database", help="path of a ghee SQLite database filled by bench/posts.py")

    def handle(self, *_: Any, **options: Any) -> None:
        source = sqlite3.connect(options["ghee_database"])
        source.row_factory = sqlite3.Row
        with transaction.atomic():
            count = self._load(source)
        source.close()
        self.stdout.write(f"loaded {count} posts")

    def _load(self, source: sqlite3.Connection) -> int:
        authors = {
            row["id"]: Author(
                slug=row["slug"],
                first_name=row["first_name"],
                last_name=row["last_name"],
                email=row["email"],
                bio=row["bio"],
            )
            for row in source.execute("SELECT * FROM blog_authors ORDER BY id")
        }
        Author.objects.bulk_create(authors.values())
        categories = {
            row["id"]: BlogCategory(slug=row["slug"], name=row["name"])
            for row in source.execute("SELECT * FROM blog_categories ORDER BY id")
        }
        BlogCategory.objects.bulk_create(categories.values())
        tags = {
            row["id"]: Tag(slug=row["slug"], name=row["name"])
            for row in source.execute("SELECT * FROM blog_tags ORDER BY id")
        }
        Tag.objects.bulk_create(tags.values())

        home = Page.objects.get(depth=2)
        blog = home.add_child(instance=Page(title="Blog", slug="blog"))
        content_type = ContentType.objects.get_for_model(BlogPage)
        pages = {}
        rows = source.execute("SELECT * FROM blog_posts ORDER BY id")
        for step, row in enumerate(rows, start=1):
            published = _moment(row["published_at"])
            page = BlogPage(
                title=row["title"],
                slug=row["slug"],
                path=Page._get_path(blog.path, blog.depth + 1, step),
                depth=blog.depth + 1,
                numchild=0,
                locale_id=blog.locale_id,
                content_type=content_type,
                live=row["status"] == "published",
                has_unpublished_changes=row["status"] != "published",
                first_published_at=published,
                last_published_at=published,
                date=published,
                summary=row["summary"],
                body=row["body"],
                author=authors[row["author_id"]],
            )
            page._cached_parent_obj = blog
            page.save(clean=False)
            pages[row["id"]] = page
        Page.objects.filter(pk=blog.pk).update(numchild=len(pages))

        BlogPage.categories.through.objects.bulk_create(
            BlogPage.categories.through(blogpage_id=pages[post].pk, blogcategory_id=categories[category].pk)
            for post, category in source.execute("SELECT post_id, category_id FROM blog_post_categories")
        )
        BlogPageTag.objects.bulk_create(
            BlogPageTag(content_object_id=pages[post].pk, tag_id=tags[tag].pk)
            for post, tag in source.execute("SELECT post_id, tag_id FROM blog_post_tags")
        )
        return len(pages)
