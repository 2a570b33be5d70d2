"""Schema-driven form inputs for pages and collection items: a schema's fields as inputs, and a form back as values."""

from __future__ import annotations

import math
from typing import Any

import msgspec

from ghee.core.content.fields import FieldSpec, Schema, Values
from ghee.errors import Invalid

PREFIX = "f."
"""Form names of schema fields: ``f.<key>``, clear of the form's own fields (``title``, ``_csrf`` ...)."""
_JSON = msgspec.json.Encoder()


class FieldInput(msgspec.Struct, frozen=True):
    """One schema field as the template renders it."""

    key: str
    type: str
    required: bool
    value: str
    """The input's text (JSON for a repeater, comma-separated for a list of references)."""
    checked: bool = False
    placeholder: str = ""
    many: bool = False

    @property
    def name(self) -> str:
        """The form field's name."""
        return PREFIX + self.key


def _as_text(spec: FieldSpec, value: object) -> str:
    if value is None:
        return ""
    if spec.type == "repeater":
        return _JSON.encode(value).decode()
    if spec.type == "reference" and isinstance(value, list):
        return ", ".join(_reference_text(item) for item in value)
    if spec.type == "reference":
        return _reference_text(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _reference_text(value: object) -> str:
    if isinstance(value, dict):  # an expanded reference: its slug, or an item's id
        meta = value.get("meta")
        if isinstance(meta, dict) and "id" in meta:
            return str(meta["id"])
        return str(value.get("slug", ""))
    return str(value)


def inputs_for(schema: Schema, values: Values, fallback: Values | None = None) -> list[FieldInput]:
    """The inputs of ``schema`` filled with ``values``; ``fallback`` (the default locale's) shows as placeholders."""
    fallback = fallback or {}
    return [
        FieldInput(
            key=spec.key,
            type=spec.type,
            required=spec.required and not fallback,
            value=_as_text(spec, values.get(spec.key)),
            checked=values.get(spec.key, fallback.get(spec.key)) is True,
            placeholder=_as_text(spec, fallback.get(spec.key))[:200],
            many=spec.many,
        )
        for spec in schema
    ]


MAX_NUMBER_TEXT = 40  # characters of a number field: enough for any double, too few to cost anything to parse
MAX_ITEM_ID = 18  # digits of a collection item id (a 64-bit row id)


def _number(key: str, text: str) -> int | float:
    """A number field's value; raises ``Invalid`` for text that is not a finite number (``inf``, ``nan``, ``1e400``)."""
    try:
        number = float(text) if len(text) <= MAX_NUMBER_TEXT else math.inf
    except ValueError:
        raise Invalid("fields", f"{key}: must be a number") from None
    if not math.isfinite(number):
        raise Invalid("fields", f"{key}: must be a finite number")
    return int(number) if number.is_integer() and "." not in text and "e" not in text.lower() else number


def _reference(key: str, text: str) -> str | int:
    """A page slug, or a collection item's id (ASCII digits: ``²`` and ``①`` are digits to Python, not to ids)."""
    if text.isascii() and text.isdigit():
        if len(text) > MAX_ITEM_ID:
            raise Invalid("fields", f"{key}: {text[:20]}... is no collection item id")
        return int(text)
    return text


def _value(spec: FieldSpec, raw: object) -> Any:  # noqa: ANN401, PLR0911 (decoded JSON; a return a type)
    if spec.type == "boolean":
        return raw is not None and str(raw) not in ("", "false", "off")
    text = str(raw or "").strip()
    if not text:
        return None
    match spec.type:
        case "number":
            return _number(spec.key, text)
        case "reference" if spec.many:
            return [_reference(spec.key, part.strip()) for part in text.split(",") if part.strip()]
        case "reference":
            return _reference(spec.key, text)
        case "repeater":
            try:
                return msgspec.json.decode(text)
            except (msgspec.DecodeError, RecursionError):
                raise Invalid("fields", f"{spec.key}: must be a JSON list of objects, nested a few levels") from None
    return text


def values_from_form(schema: Schema, form: dict[str, Any]) -> Values:
    """The values a form gives for ``schema``'s fields; empty inputs are left out.

    Raises ``Invalid("fields", "<key>: ...")`` for a number or JSON that does
    not parse; the schema check itself, and the cleaning of rich text, are core's.
    """
    values: Values = {}
    for spec in schema:
        value = _value(spec, form.get(PREFIX + spec.key))
        if value is not None:
            values[spec.key] = value
    return values


def form_inputs(schema: Schema, form: dict[str, Any]) -> list[FieldInput]:
    """The inputs as the user filled them, to show again beside an error."""
    return [
        FieldInput(
            key=spec.key,
            type=spec.type,
            required=spec.required,
            value=str(form.get(PREFIX + spec.key) or ""),
            checked=spec.type == "boolean" and form.get(PREFIX + spec.key) is not None,
            many=spec.many,
        )
        for spec in schema
    ]
