"""The schema editor's form: a page type's or collection's fields as rows, and submitted rows as the fields core checks.

The form names each row's inputs ``fields[<n>][key]``, ``[type]``,
``[required]``, ``[to]``, ``[many]``, ``[order]`` and ``[remove]``, and a
repeater's rows ``fields[<n>][fields][<m>][...]`` (``ghee.http.bodies`` turns
the names into lists of objects). Rows are saved in the order their
``order`` inputs give (then as sent); a row without a key, or ticked
"Remove", is left out. ``to`` and ``many`` count for references only, and
nested rows for repeaters only: the form shows every input, the schema keeps
what applies. Whether the result is a valid schema is core's to say.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from ghee.core.content.fields import FIELD_TYPES, Schema
from ghee.core.content.references import SINGLE_PAGES
from ghee.core.content.schemas import ContentSchema

BLANK_ROWS = 3
"""Empty rows the form offers for new fields (each repeater's nested list offers ``BLANK_NESTED_ROWS``)."""
BLANK_NESTED_ROWS = 2
TYPE_LABELS: dict[str, str] = {
    "text": "Text",
    "rich_text": "Rich text",
    "number": "Number",
    "date": "Date",
    "boolean": "Yes / no",
    "media": "Media URL",
    "reference": "Reference",
    "repeater": "Repeater",
}


class FieldRow(msgspec.Struct, frozen=True):
    """One field as the editor shows it: as stored, or as the user typed it."""

    key: str = ""
    type: str = "text"
    required: bool = False
    to: str = ""
    many: bool = False
    fields: list[FieldRow] = msgspec.field(default_factory=list)
    """A repeater's own fields."""


class Target(msgspec.Struct, frozen=True):
    """Something a reference field may point at, as the editor offers it."""

    value: str
    """The field's ``to``: ``page_type:<key>``, ``page_type:*`` or ``collection:<key>``."""
    label: str
    group: str
    """``Pages`` or ``Collections``."""


def rows_of_schema(schema: Schema) -> list[FieldRow]:
    """A stored schema as the editor's rows."""
    return [
        FieldRow(spec.key, spec.type, spec.required, spec.to or "", spec.many, rows_of_schema(spec.fields))
        for spec in schema
    ]


def rows_from_form(submitted: object) -> list[FieldRow]:
    """The rows a form sent (its ``fields`` value), in their chosen order; removed and keyless rows left out."""
    if not isinstance(submitted, list):
        return []
    rows = [(row, index) for index, row in enumerate(submitted) if isinstance(row, dict)]
    rows.sort(key=lambda pair: (_order(pair[0].get("order"), pair[1]), pair[1]))
    kept = []
    for row, _ in rows:
        key = _text(row.get("key"))
        if not key or row.get("remove") is not None:
            continue
        kept.append(
            FieldRow(
                key=key,
                type=_text(row.get("type")) or "text",
                required=row.get("required") is not None,
                to=_text(row.get("to")),
                many=row.get("many") is not None,
                fields=rows_from_form(row.get("fields")),
            )
        )
    return kept


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _order(value: object, index: int) -> int:
    text = _text(value)
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else index + 1  # noqa: PLR2004 (digits)


def schema_of_rows(rows: Sequence[FieldRow]) -> list[dict[str, object]]:
    """The field objects core's ``parse_schema`` reads (what the API is sent), from the editor's rows."""
    fields: list[dict[str, object]] = []
    for row in rows:
        field: dict[str, object] = {"key": row.key, "type": row.type, "required": row.required}
        if row.type == "reference":
            field["to"] = row.to or None
            field["many"] = row.many
        if row.type == "repeater":
            field["fields"] = schema_of_rows(row.fields)
        fields.append(field)
    return fields


def type_options() -> list[tuple[str, str]]:
    """Every field type, as ``(value, label)`` for the type select."""
    return [(name, TYPE_LABELS.get(name, name)) for name in FIELD_TYPES]


def target_options(page_types: list[ContentSchema], collections: list[ContentSchema]) -> list[Target]:
    """What a reference may point at: each page type's pages, single pages, each collection's items (name and key)."""
    return [
        *(Target(f"page_type:{found.key}", f"{found.name} ({found.key})", "Pages") for found in page_types),
        Target(f"page_type:{SINGLE_PAGES}", "Single pages, of no page type", "Pages"),
        *(Target(f"collection:{found.key}", f"{found.name} ({found.key})", "Collections") for found in collections),
    ]
