"""A minimal production-style Wagtail site serving API v2 for bench/compare: DEBUG off, SQLite from the environment."""

import os

SECRET_KEY = "bench-only-not-secret"  # noqa: S105 (a local benchmark; nothing is signed)
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

INSTALLED_APPS = [
    "blog",
    "wagtail.api.v2",
    "wagtail.users",
    "wagtail.images",
    "wagtail.documents",
    "wagtail.snippets",
    "wagtail.admin",
    "wagtail.search",
    "wagtail",
    "modelcluster",
    "taggit",
    "rest_framework",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
]

ROOT_URLCONF = "wagtail_site.urls"
WSGI_APPLICATION = "wagtail_site.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("WAGTAIL_BENCH_DB", "wagtail-bench.sqlite3"),
    }
}

DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
USE_TZ = True
TIME_ZONE = "UTC"
STATIC_URL = "/static/"

WAGTAIL_SITE_NAME = "bench"
WAGTAILADMIN_BASE_URL = "http://127.0.0.1"
WAGTAILAPI_BASE_URL = "http://127.0.0.1"
