"""A blog as the Wagtail docs' tutorial builds it: pages with an author, categories, tags and a rich-text body."""

from django.db import models
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from rest_framework import serializers
from taggit.models import TaggedItemBase
from wagtail.api import APIField
from wagtail.fields import RichTextField
from wagtail.models import Page


class Author(models.Model):
    slug = models.SlugField(unique=True)
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    email = models.EmailField(blank=True)
    bio = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"


class BlogCategory(models.Model):
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=100)

    def __str__(self) -> str:
        return self.name


class BlogPageTag(TaggedItemBase):
    content_object = ParentalKey("BlogPage", related_name="tagged_items", on_delete=models.CASCADE)


class AuthorSerializer(serializers.ModelSerializer):
    class Meta:
        model = Author
        fields = ("slug", "first_name", "last_name", "email", "bio")


class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = BlogCategory
        fields = ("slug", "name")


class BlogPage(Page):
    date = models.DateTimeField("published", db_index=True)
    summary = models.TextField(blank=True)
    body = RichTextField(blank=True)
    author = models.ForeignKey(Author, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    categories = ParentalManyToManyField(BlogCategory, blank=True)
    tags = ClusterTaggableManager(through=BlogPageTag, blank=True)

    api_fields = (
        APIField("date"),
        APIField("summary"),
        APIField("body"),
        APIField("author", serializer=AuthorSerializer()),
        APIField("categories", serializer=CategorySerializer(many=True)),
        APIField("tags"),
    )
