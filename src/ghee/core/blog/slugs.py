"""Slugs: the URL-safe names posts, authors, categories and tags are found by."""

from __future__ import annotations

import re
import unicodedata

from ghee.core.inputs import check_label
from ghee.errors import Invalid

MAX_SLUG = 80  # an event names its resource by slug, in 80 characters
_SLUG = re.compile(r"[a-z0-9]+(?:[-_][a-z0-9]+)*")
_SEPARATORS = re.compile(r"[^a-z0-9]+")


def check_slug(field: str, value: str) -> str:
    """``value`` if it is a slug (lower-case letters, digits, single ``-``/``_`` between); else raises ``Invalid``."""
    value = check_label(field, value, MAX_SLUG)
    if not _SLUG.fullmatch(value):
        raise Invalid(field, "must be lower-case letters and digits joined by single '-' or '_'")
    return value


def slugify(field: str, text: str) -> str:
    """The slug of a name: ``"Patch Notes!"`` → ``"patch-notes"``; raises ``Invalid`` when nothing is left."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = _SEPARATORS.sub("-", ascii_text.lower()).strip("-")[:MAX_SLUG].strip("-")
    if not slug:
        raise Invalid(field, "needs at least one letter or digit to make a slug from")
    return slug
