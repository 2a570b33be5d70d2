"""Rich text (post bodies, ``rich_text`` content fields): HTML cleaned to a safe subset before it is stored.

Core cleans every write of rich text (``core/blog/writing.py``,
``core/content/fields.py``), whoever the writer is; see docs/security.md.
"""

from __future__ import annotations

import nh3

TAGS = frozenset(
    {
        "p",
        "br",
        "strong",
        "b",
        "em",
        "i",
        "u",
        "s",
        "h2",
        "h3",
        "h4",
        "ul",
        "ol",
        "li",
        "a",
        "blockquote",
        "code",
        "pre",
        "small",  # patch notes (core/patch_notes.py) mark each changelist's number and author with it
    }
    | {"img", "figure", "figcaption", "hr"}
)
ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "width", "height"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})


def clean_html(html: str) -> str:
    """``html`` with only the editor's tags and safe attributes and links kept (scripts, handlers, styles dropped).

    Uses ammonia (``nh3``): links get ``rel="noopener noreferrer"``, and a
    ``javascript:`` or ``data:`` URL loses its attribute.
    """
    return nh3.clean(
        html,
        tags=set(TAGS),
        attributes={tag: set(names) for tag, names in ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener noreferrer",
    ).strip()


def allowed_markup() -> dict[str, object]:
    """The tags, attributes (by tag) and URL schemes ``clean_html`` keeps, as JSON values.

    The dashboard's editor keeps to the same lists when it shows a body or
    takes a paste (``static/editor.js``), so what it shows is what a save
    stores; links keep the ``rel`` the cleaning gives them. The server's
    cleaning on save stays the authority.
    """
    attributes = {tag: sorted(names | ({"rel"} if tag == "a" else set())) for tag, names in sorted(ATTRIBUTES.items())}
    return {"tags": sorted(TAGS), "attributes": attributes, "schemes": sorted(URL_SCHEMES)}
