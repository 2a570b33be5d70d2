"""Field schemas of page types and collections, and the check of values against them."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Literal

import msgspec

from ghee.core.rich_text import clean_html
from ghee.errors import Invalid

FieldType = Literal["text", "rich_text", "number", "date", "boolean", "media", "reference", "repeater"]
FIELD_TYPES: tuple[str, ...] = FieldType.__args__  # type: ignore[attr-defined]
MAX_FIELDS = 100
_KEY = re.compile(r"[A-Za-z0-9_-]{1,100}")
_TARGET = re.compile(r"(page_type|collection):([A-Za-z0-9_*-]{1,100})")

Values = dict[str, object]
"""An entry's field values in one locale, keyed by field key (decoded JSON)."""


class FieldSpec(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One field of a schema.

    ``to`` names what a reference points at (``page_type:<key>``, ``page_type:*``
    or ``collection:<key>``) and ``many`` whether it holds a list; a repeater
    holds a list of objects following its own ``fields``.
    """

    key: str
    type: FieldType
    required: bool = False
    to: str | None = None
    many: bool = False
    fields: list[FieldSpec] = msgspec.field(default_factory=list)

    @property
    def target(self) -> tuple[str, str]:
        """``("page_type" | "collection", key)`` of a reference field."""
        kind, _, key = (self.to or "").partition(":")
        return kind, key


Schema = list[FieldSpec]

_SCHEMA = msgspec.json.Decoder(Schema)
_ENCODER = msgspec.json.Encoder()


def parse_schema(raw: object) -> Schema:
    """A schema from caller input (a list of field objects); raises ``Invalid("fields", ...)``."""
    try:
        schema = msgspec.convert(raw, Schema)
    except msgspec.ValidationError as exc:
        raise Invalid("fields", str(exc)) from exc
    _check_schema(schema, "")
    return schema


def _check_schema(schema: Schema, prefix: str) -> None:
    if len(schema) > MAX_FIELDS:
        raise Invalid("fields", f"at most {MAX_FIELDS} fields")
    seen: set[str] = set()
    for spec in schema:
        where = f"{prefix}{spec.key}"
        if not _KEY.fullmatch(spec.key):
            raise Invalid("fields", f"{where!r}: keys are 1 to 100 letters, digits, '_' or '-'")
        if spec.key in seen:
            raise Invalid("fields", f"{where!r}: defined twice")
        seen.add(spec.key)
        if spec.type == "reference" and not _TARGET.fullmatch(spec.to or ""):
            raise Invalid("fields", f"{where!r}: a reference needs 'to': 'page_type:<key>' or 'collection:<key>'")
        if spec.type != "reference" and (spec.to is not None or spec.many):
            raise Invalid("fields", f"{where!r}: only references take 'to' and 'many'")
        if spec.type == "repeater":
            if not spec.fields:
                raise Invalid("fields", f"{where!r}: a repeater needs 'fields'")
            _check_schema(spec.fields, f"{where}.")
        elif spec.fields:
            raise Invalid("fields", f"{where!r}: only repeaters take 'fields'")


def encode_schema(schema: Schema) -> str:
    """The stored form of a schema (JSON text)."""
    return _ENCODER.encode(schema).decode()


def decode_schema(stored: str) -> Schema:
    """A schema from its stored form."""
    return _SCHEMA.decode(stored)


def schema_shape(schema: Schema) -> list[dict[str, object]]:
    """A schema as plain JSON values (what the API shows)."""
    shaped: list[dict[str, object]] = msgspec.to_builtins(schema)
    return shaped


MAX_DEPTH = 32


def check_depth(field: str, value: object) -> object:
    """``value`` (decoded JSON) unless nested deeper than ``MAX_DEPTH``; raises ``Invalid(field)``."""
    level: list[object] = [value]
    for _ in range(MAX_DEPTH):
        level = [
            item
            for parent in level
            if isinstance(parent, list | dict)
            for item in (parent.values() if isinstance(parent, dict) else parent)
        ]
        if not level:
            return value
    raise Invalid(field, f"must not nest deeper than {MAX_DEPTH} levels")


def check_values(schema: Schema, values: Values, *, complete: bool) -> Values:
    """``values`` as stored: each of its field's type, rich text cleaned; raises ``Invalid("fields", "<key>: ...")``.

    Every ``rich_text`` value, in repeaters too, goes through ``clean_html``
    here, so no writer (API, dashboard, demo data) can store a script; every
    other value is kept exactly as given. Unknown keys are refused.
    ``complete`` (the default locale's full set of values) also requires every
    required field; a translation may hold any subset.
    """
    return _check_object(schema, values, "", complete=complete)


def _check_object(schema: Schema, values: Values, prefix: str, *, complete: bool) -> Values:
    specs = {spec.key: spec for spec in schema}
    for key in values:
        if key not in specs:
            raise Invalid("fields", f"{prefix}{key}: no such field")
    checked = dict(values)
    for spec in schema:
        value = values.get(spec.key)
        if value is None:
            if complete and spec.required:
                raise Invalid("fields", f"{prefix}{spec.key}: is required")
            continue
        checked[spec.key] = _check_value(spec, value, f"{prefix}{spec.key}")
    return checked


def _check_value(spec: FieldSpec, value: object, where: str) -> object:  # noqa: C901, PLR0912 (one branch per field type)
    """``value`` as stored (rich text cleaned), once it is of ``spec``'s type."""
    match spec.type:
        case "text" | "rich_text" | "media":
            if not isinstance(value, str):
                raise Invalid("fields", f"{where}: must be a string")
            if spec.type == "rich_text":
                return clean_html(value)
        case "number":
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise Invalid("fields", f"{where}: must be a number")
        case "boolean":
            if not isinstance(value, bool):
                raise Invalid("fields", f"{where}: must be true or false")
        case "date":
            if not isinstance(value, str) or not _is_date(value):
                raise Invalid("fields", f"{where}: must be an ISO 8601 date or date-time")
        case "reference":
            items = value if spec.many else [value]
            if not isinstance(items, list) or not all(_is_reference(item) for item in items):
                kind = "a list of " if spec.many else ""
                raise Invalid("fields", f"{where}: must be {kind}page slugs or collection item ids")
        case "repeater":
            if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
                raise Invalid("fields", f"{where}: must be a list of objects")
            return [
                _check_object(spec.fields, item, f"{where}[{index}].", complete=True)
                for index, item in enumerate(value)
            ]
    return value


def _is_date(value: str) -> bool:
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


def _is_reference(value: object) -> bool:
    return (isinstance(value, str) and 0 < len(value) <= 200) or (  # noqa: PLR2004 (a slug's longest)
        isinstance(value, int) and not isinstance(value, bool)
    )
