"""Schema-driven form inputs for pages and collection items: a schema's fields as inputs, and a form back as values.

A reference field is a choice among its target's entries, named by their
display text (``ghee.core.content.choices``): a select, or checkboxes named
``f.<key>[<n>]`` for a list. The value sent back is what the reference
stores (a page slug or an item id); comma-separated text is read as before.
"""

from __future__ import annotations

import math
from typing import Any

import msgspec

from ghee.core.content.choices import Choice
from ghee.core.content.fields import FieldSpec, Schema, Values
from ghee.errors import Invalid

PREFIX = "f."
"""Form names of schema fields: ``f.<key>``, clear of the form's own fields (``title``, ``_csrf`` ...)."""
_JSON = msgspec.json.Encoder()


Choices = dict[str, list[Choice]]
"""Each reference target's entries (``ghee.core.content.choices.reference_choices``), by target."""


class Option(msgspec.Struct, frozen=True):
    """One entry a reference input offers: the value it stores, the text naming it, and whether it is chosen."""

    value: str
    label: str
    selected: bool


class FieldInput(msgspec.Struct, frozen=True):
    """One schema field as the template renders it."""

    key: str
    type: str
    required: bool
    value: str
    """The input's text (JSON for a repeater, comma-separated for a list of references)."""
    checked: bool = False
    placeholder: str = ""
    """The default locale's value (a reference's by its display text), shown while this locale has none."""
    many: bool = False
    options: list[Option] = msgspec.field(default_factory=list)
    """A reference's choices: its target's entries, then any chosen value that names none of them."""

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


def _chosen(value: object) -> list[str]:
    """The references a stored value (or a submitted one) holds, as text."""
    if value is None or value == "":
        return []
    if isinstance(value, list):
        return [_reference_text(item) for item in value]
    return [_reference_text(value)]


def _options(choices: list[Choice], chosen: list[str]) -> list[Option]:
    offered = [_option(choice, chosen) for choice in choices]
    known = {option.value for option in offered}
    missing = [Option(ref, f"{ref} (not found)", selected=True) for ref in dict.fromkeys(chosen) if ref not in known]
    return offered + missing


def _option(choice: Choice, chosen: list[str]) -> Option:
    label = f"{choice.label} (draft)" if choice.draft else choice.label
    return Option(str(choice.value), label, selected=str(choice.value) in chosen)


def reference_text(spec: FieldSpec, value: object, choices: Choices) -> str:
    """A reference's value by its entries' display text (a value naming no entry as it is), comma-separated."""
    labels = {str(choice.value): choice.label for choice in choices.get(spec.to or "", [])}
    return ", ".join(labels.get(ref, ref) for ref in _chosen(value))


def inputs_for(
    schema: Schema, values: Values, fallback: Values | None = None, choices: Choices | None = None
) -> list[FieldInput]:
    """The inputs of ``schema`` filled with ``values``; ``fallback`` (the default locale's) shows as placeholders.

    ``choices`` holds the entries each reference field may point at.
    """
    fallback = fallback or {}
    choices = choices or {}
    inputs = []
    for spec in schema:
        value, default = values.get(spec.key), fallback.get(spec.key)
        reference = spec.type == "reference"
        inputs.append(
            FieldInput(
                key=spec.key,
                type=spec.type,
                required=spec.required and not fallback,
                value=_as_text(spec, value),
                checked=values.get(spec.key, default) is True,
                placeholder=(reference_text(spec, default, choices) if reference else _as_text(spec, default))[:200],
                many=spec.many,
                options=_options(choices.get(spec.to or "", []), _chosen(value)) if reference else [],
            )
        )
    return inputs


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


def _submitted_references(spec: FieldSpec, raw: object) -> list[str]:
    """A list reference's parts: ticked checkboxes (``f.<key>[<n>]``), or comma-separated text."""
    parts = raw if isinstance(raw, list) else str(raw or "").split(",")
    if not all(isinstance(part, str) for part in parts):
        raise Invalid("fields", f"{spec.key}: must be page slugs or collection item ids")
    return [part.strip() for part in parts if part.strip()]


def _value(spec: FieldSpec, raw: object) -> Any:  # noqa: ANN401, PLR0911 (decoded JSON; a return a type)
    if spec.type == "boolean":
        return raw is not None and str(raw) not in ("", "false", "off")
    if spec.type == "reference" and spec.many:
        parts = _submitted_references(spec, raw)
        return [_reference(spec.key, part) for part in parts] if parts else None
    if raw is not None and not isinstance(raw, str):
        raise Invalid("fields", f"{spec.key}: must be a single value")
    text = (raw or "").strip()
    if not text:
        return None
    match spec.type:
        case "number":
            return _number(spec.key, text)
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


def _as_typed(spec: FieldSpec, raw: object) -> list[str]:
    """The references a refused form held, as they were sent."""
    if spec.many:
        try:
            return _submitted_references(spec, raw)
        except Invalid:
            return []
    return [raw.strip()] if isinstance(raw, str) and raw.strip() else []


def form_inputs(schema: Schema, form: dict[str, Any], choices: Choices | None = None) -> list[FieldInput]:
    """The inputs as the user filled them, to show again beside an error."""
    choices = choices or {}
    inputs = []
    for spec in schema:
        raw = form.get(PREFIX + spec.key)
        reference = spec.type == "reference"
        inputs.append(
            FieldInput(
                key=spec.key,
                type=spec.type,
                required=spec.required,
                value=raw if isinstance(raw, str) else "",
                checked=spec.type == "boolean" and raw is not None,
                many=spec.many,
                options=_options(choices.get(spec.to or "", []), _as_typed(spec, raw)) if reference else [],
            )
        )
    return inputs
