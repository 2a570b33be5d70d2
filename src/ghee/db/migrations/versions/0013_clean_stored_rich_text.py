"""clean stored rich text: post bodies and rich_text values written before core cleaned every write

Issue 15: bodies written through /v2 were stored as sent, so a ``write``
token could store a script that ran in a signed-in user's dashboard editor,
and that every site reading the ButterCMS API was handed. Core cleans every
write now (``core/blog/writing.py``, ``core/content/fields.py``); this
revision cleans what was stored before, once, with the same rules (copied
below: a migration may not import core), so readers of the API get clean
HTML too (cleaning only where the dashboard shows a body would leave the API
serving the payloads).

What is cleaned: ``blog_posts.body``, and in ``content_values`` each value of
a field its page type or collection declares ``rich_text``, in repeaters too,
in every locale. A value that is not a string where a string was expected is
left alone (schemas may change after values were stored). Plain text, single
pages and content fields (which have no field types) are not touched. No
event is recorded: nothing changed for a reader but what should never have
been stored. Rows are rewritten only where cleaning changed them.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 09:00:00
"""

import json
from collections.abc import Sequence

import nh3
import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_posts = sa.table("blog_posts", sa.column("id", sa.Integer()), sa.column("body", sa.Text()))
_schemas = sa.table(
    "content_schemas", sa.column("kind", sa.String()), sa.column("key", sa.String()), sa.column("fields", sa.Text())
)
_entries = sa.table(
    "content_entries", sa.column("id", sa.Integer()), sa.column("kind", sa.String()), sa.column("scope", sa.String())
)
_values = sa.table(
    "content_values",
    sa.column("entry_id", sa.Integer()),
    sa.column("locale", sa.String()),
    sa.column("fields", sa.Text()),
)
_ENTRY_KIND = {"page_type": "page", "collection": "item"}

# core/rich_text.py's rules as this revision was written: db/ may not import core/ (tests/test_architecture.py),
# and a migration must do the same thing whenever it runs, whatever core's rules become later.
_TAGS = {"p", "br", "strong", "b", "em", "i", "u", "s", "h2", "h3", "h4", "ul", "ol", "li", "a", "blockquote"}
_TAGS |= {"code", "pre", "small", "img", "figure", "figcaption", "hr"}
_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "width", "height"}}


def clean_html(html: str) -> str:
    """``html`` as ``ghee.core.rich_text.clean_html`` cleaned it at this revision."""
    return nh3.clean(
        html,
        tags=set(_TAGS),
        attributes={tag: set(names) for tag, names in _ATTRIBUTES.items()},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    ).strip()


def _cleaned(schema: list[dict[str, object]], values: object) -> object:
    """``values`` (one object of field values) with the rich text ``schema`` declares cleaned."""
    if not isinstance(values, dict):
        return values
    cleaned = dict(values)
    for spec in schema:
        key, value = spec.get("key"), values.get(spec.get("key"))
        if spec.get("type") == "rich_text" and isinstance(value, str):
            cleaned[key] = clean_html(value)
        elif spec.get("type") == "repeater" and isinstance(value, list):
            inner = spec.get("fields")
            cleaned[key] = [_cleaned(inner, item) for item in value] if isinstance(inner, list) else value
    return cleaned


def _clean_posts(bind: sa.Connection) -> None:
    for post_id, body in bind.execute(sa.select(_posts.c.id, _posts.c.body)).all():
        cleaned = clean_html(body)
        if cleaned != body:
            bind.execute(_posts.update().where(_posts.c.id == post_id).values(body=cleaned))


def _clean_values(bind: sa.Connection) -> None:
    schemas = {
        (_ENTRY_KIND[kind], key): json.loads(fields)
        for kind, key, fields in bind.execute(sa.select(_schemas.c.kind, _schemas.c.key, _schemas.c.fields)).all()
        if kind in _ENTRY_KIND
    }
    rows = bind.execute(
        sa.select(_values.c.entry_id, _values.c.locale, _values.c.fields, _entries.c.kind, _entries.c.scope).join(
            _entries, _entries.c.id == _values.c.entry_id
        )
    ).all()
    for entry_id, locale, stored, kind, scope in rows:
        schema = schemas.get((kind, scope))
        if schema is None:
            continue
        values = json.loads(stored)
        cleaned = _cleaned(schema, values)
        if cleaned != values:
            bind.execute(
                _values.update()
                .where(_values.c.entry_id == entry_id, _values.c.locale == locale)
                .values(fields=json.dumps(cleaned, ensure_ascii=False, separators=(",", ":")))
            )


def upgrade() -> None:
    bind = op.get_bind()
    _clean_posts(bind)
    _clean_values(bind)


def downgrade() -> None:
    # What cleaning removed (scripts, handlers, script URLs) was never meant to be stored: nothing to put back.
    pass
