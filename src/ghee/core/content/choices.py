"""What a reference field may point at: its target's entries, each named by its display text.

A collection item is named by its collection's display field (the first
``text`` field; ``Item <id>`` when it has none or it is empty), a page by its
title. The editors offer entries by these names and lists show them in place
of the stored value, which stays what the API stores: a page slug, or a
collection item id.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace

from ghee.core.content.entries import Entry, View, read_scope
from ghee.core.content.fields import Schema
from ghee.core.content.schemas import find_schemas
from ghee.db.reads import Reads

_EDITING = View(drafts=True)
"""Entries as the dashboard shows them: drafts too, a live entry's working draft over it."""


@dataclass(frozen=True, slots=True)
class Choice:
    """One entry a reference may point at."""

    value: str | int
    """What the reference stores: a page slug, or a collection item id."""
    label: str
    """The text that names it (unique among its target's choices)."""
    draft: bool
    """Never published."""


def display_field(schema: Schema) -> str | None:
    """The key of a collection's display field, its first ``text`` field; ``None`` without one."""
    return next((spec.key for spec in schema if spec.type == "text"), None)


def reference_targets(schema: Schema) -> list[str]:
    """The targets (``to``) of ``schema``'s reference fields, each once, in field order (repeaters left out)."""
    return list(dict.fromkeys(spec.to for spec in schema if spec.type == "reference" and spec.to))


async def reference_choices(reads: Reads, targets: Iterable[str]) -> dict[str, list[Choice]]:
    """Each target (``page_type:<key>``, ``page_type:*``, ``collection:<key>``) with its entries, by label.

    Drafts are included. A target naming nothing that exists has no choices.
    One statement reads the collections' schemas, then one per target its entries.
    """
    wanted = list(dict.fromkeys(targets))
    collection_keys = [key for kind, key in map(_split, wanted) if kind == "collection"]
    collections = await find_schemas(reads, "collection", collection_keys)
    choices: dict[str, list[Choice]] = {}
    for target in wanted:
        kind, key = _split(target)
        if kind == "page_type":
            pages = await read_scope(reads, "page", key, _EDITING)
            choices[target] = _distinct([_page_choice(page) for page in pages], [page.slug or "" for page in pages])
        elif kind == "collection" and key in collections:
            field = display_field(collections[key].fields)
            items = await read_scope(reads, "item", key, _EDITING)
            choices[target] = _distinct([_item_choice(item, field) for item in items], [f"#{i.id}" for i in items])
        else:
            choices[target] = []
    return choices


def _split(target: str) -> tuple[str, str]:
    kind, _, key = target.partition(":")
    return kind, key


def _page_choice(page: Entry) -> Choice:
    return Choice(page.slug or "", page.name or page.slug or "", page.status == "draft")


def item_label(item: Entry, field: str | None) -> str:
    """What names a collection item: its display field's text (``field``), else ``Item <id>``."""
    text = item.values.get(field) if field is not None else None
    return text.strip() if isinstance(text, str) and text.strip() else f"Item {item.id}"


def _item_choice(item: Entry, field: str | None) -> Choice:
    return Choice(item.id, item_label(item, field), item.status == "draft")


def _distinct(choices: list[Choice], tells: list[str]) -> list[Choice]:
    """``choices`` by label, a label that repeats told apart by the entry's slug or id."""
    repeated = Counter(choice.label for choice in choices)
    named = [
        replace(choice, label=f"{choice.label} ({tell})") if repeated[choice.label] > 1 else choice
        for choice, tell in zip(choices, tells, strict=True)
    ]
    return sorted(named, key=lambda choice: (choice.label.casefold(), str(choice.value)))
