"""Reference fields expanded ``levels`` deep (``?levels=``, 1 to 5; 1 leaves references as stored).

A reference stores a page slug or a collection item id. Expanded, it becomes a
``Linked`` entry whose own references are expanded one level less; a
reference to an entry that is missing (or a draft the view hides) becomes ``None``.

An answer grows as the references per entry to the power ``levels - 1``: a
page referencing itself 20 times answered 47.7 MB in 5.5 s at ``levels=5``
(issue 15). So a ``Resolver`` expands each entry once per remaining level
and reuses that expansion wherever the entry is referenced again, and it
counts the referenced entries the answer will show (each occurrence, with
what it expands): past ``MAX_EXPANDED`` the request is refused,
``Invalid("levels")``, before any more work.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from ghee.core.content.entries import Entry, EntryKind, View, read_scope
from ghee.core.content.fields import FieldSpec, Schema, Values
from ghee.core.content.schemas import find_schema
from ghee.db.reads import Reads
from ghee.errors import Invalid

MAX_LEVELS = 5
DEFAULT_LEVELS = 2
SINGLE_PAGES = "*"
MAX_EXPANDED = 2000
"""Referenced entries one answer may show expanded (a page of ten entries with three references each, five levels
deep, shows 1,200); at about 300 bytes each, the self-referencing page's 168,420 were 47.7 MB."""


def check_levels(levels: int) -> int:
    """``levels`` if 1 to 5; raises ``Invalid("levels")``."""
    if not 1 <= levels <= MAX_LEVELS:
        raise Invalid("levels", f"must be 1 to {MAX_LEVELS}")
    return levels


@dataclass(frozen=True, slots=True)
class Linked:
    """A referenced page (``scope``: its page type) or collection item (``scope``: its collection)."""

    kind: Literal["page", "item"]
    scope: str
    entry: Entry


class Resolver:
    """Expands references for one request.

    Each referenced page type or collection is read once, each entry expanded
    once per remaining level; ``expand`` raises ``Invalid("levels")`` past
    ``MAX_EXPANDED`` entries shown.
    """

    def __init__(self, reads: Reads, view: View) -> None:
        self._reads = reads
        self._view = view
        self._scopes: dict[tuple[EntryKind, str], dict[str, Entry]] = {}
        self._schemas: dict[tuple[EntryKind, str], Schema | None] = {}
        # (kind, scope, reference, levels) -> the expansion, and how many entries it shows (itself included).
        self._linked: dict[tuple[EntryKind, str, str, int], tuple[Linked | None, int]] = {}
        self._shown = 0

    async def schema_of(self, kind: EntryKind, scope: str) -> Schema | None:
        """The field schema of a page type or collection (``None`` for single pages or a missing one)."""
        if (kind, scope) not in self._schemas:
            found = None
            if scope != SINGLE_PAGES:
                found = await find_schema(self._reads, "page_type" if kind == "page" else "collection", scope)
            self._schemas[kind, scope] = None if found is None else found.fields
        return self._schemas[kind, scope]

    async def expand(self, schema: Schema | None, values: Values, levels: int) -> Values:
        """``values`` with every reference field of ``schema`` (also inside repeaters) expanded ``levels`` deep.

        Raises ``Invalid("levels")`` when this request's expansions would show more than ``MAX_EXPANDED`` entries.
        """
        if schema is None or levels <= 1:
            return values
        expanded = dict(values)
        for spec in schema:
            value = values.get(spec.key)
            if value is None:
                continue
            if spec.type == "reference":
                if spec.many and isinstance(value, list):
                    expanded[spec.key] = [await self._link(spec, ref, levels) for ref in value]
                else:
                    expanded[spec.key] = await self._link(spec, value, levels)
            elif spec.type == "repeater" and isinstance(value, list):
                expanded[spec.key] = [
                    await self.expand(spec.fields, item, levels) if isinstance(item, dict) else item for item in value
                ]
        return expanded

    async def _link(self, spec: FieldSpec, ref: object, levels: int) -> Linked | None:
        target, scope = spec.target
        kind: Literal["page", "item"] = "page" if target == "page_type" else "item"
        key = (kind, scope, str(ref), levels)
        known = self._linked.get(key)
        if known is not None:
            self._show(known[1])
            return known[0]
        entry = (await self._scope(kind, scope)).get(key[2])
        if entry is None:
            self._linked[key] = (None, 0)
            return None
        before = self._shown
        self._show(1)
        values = await self.expand(await self.schema_of(kind, scope), entry.values, levels - 1)
        linked = Linked(kind, scope, replace(entry, values=values))
        self._linked[key] = (linked, self._shown - before)
        return linked

    def _show(self, entries: int) -> None:
        self._shown += entries
        if self._shown > MAX_EXPANDED:
            raise Invalid(
                "levels",
                f"would expand more than {MAX_EXPANDED} referenced entries in one answer;"
                " ask for fewer levels or a smaller page",
            )

    async def _scope(self, kind: EntryKind, scope: str) -> dict[str, Entry]:
        if (kind, scope) not in self._scopes:
            found = await read_scope(self._reads, kind, scope, self._view)
            self._scopes[kind, scope] = {
                (entry.slug if kind == "page" else str(entry.id)) or "": entry for entry in found
            }
        return self._scopes[kind, scope]
