"""The knowledge base of failure causes: named regular expressions that say why a build failed.

Each cause has a category (what ``failureCategory`` shows), indications
(regular expressions searched in the console log, any one suffices) and
optionally a stage pattern (a failed stage's name must match it). The
defaults come with migration 0006; admins edit them. ``ghee.core.failures``
applies them. Patterns are RE2's (``ghee.core.log_patterns``): one RE2
cannot compile is refused when saved; one stored before ghee used RE2 stays
as stored, is skipped by the classifier and shows in ``unusable_patterns``.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import msgspec
import sqlalchemy as sa

from ghee import ids
from ghee.clock import utcnow
from ghee.core.events import record_event
from ghee.core.inputs import check_free_text, check_label
from ghee.core.inserts import insert_unless_taken
from ghee.core.log_patterns import PatternRefused, compile_line_pattern, refusal
from ghee.core.paging import Counted, Window
from ghee.db.database import Write
from ghee.db.reads import Reads, Row, as_datetime
from ghee.db.tables import failure_causes
from ghee.errors import Conflict, Invalid, NotFound

MAX_NAME = 100
MAX_CATEGORY = 60
MAX_PATTERN = 500
MAX_INDICATIONS = 50
MAX_PRIORITY = 1000
_CATEGORY = re.compile(r"[a-z][a-z0-9_]*")


class FailureCause(msgspec.Struct, frozen=True):
    """A named cause of failure and how to recognise it."""

    id: int
    name: str
    category: str
    description: str
    indications: list[str]
    stage_pattern: str | None
    priority: int
    created_at: datetime
    updated_at: datetime

    @property
    def public_id(self) -> str:
        """``fc_...``."""
        return ids.encode("fc", self.id, "failure_cause")

    def unusable_patterns(self) -> dict[str, str]:
        """The stored patterns RE2 refuses (``indications[2]``: why), which classification skips; none normally.

        Only a cause saved before ghee used RE2 can hold one: saving checks every pattern.
        """
        fields = [(f"indications[{i}]", p) for i, p in enumerate(self.indications)]
        if self.stage_pattern is not None:
            fields.append(("stage_pattern", self.stage_pattern))
        return {field: problem for field, pattern in fields if (problem := refusal(pattern)) is not None}


class NewCause(msgspec.Struct, frozen=True):
    """A cause as an admin describes it."""

    name: str
    category: str
    description: str = ""
    indications: list[str] = []
    stage_pattern: str | None = None
    priority: int = 50


class CauseChanges(msgspec.Struct, frozen=True):
    """What an edit changes; ``UNSET`` leaves a field alone (``stage_pattern: null`` removes it)."""

    name: str | msgspec.UnsetType = msgspec.UNSET
    category: str | msgspec.UnsetType = msgspec.UNSET
    description: str | msgspec.UnsetType = msgspec.UNSET
    indications: list[str] | msgspec.UnsetType = msgspec.UNSET
    stage_pattern: str | msgspec.UnsetType | None = msgspec.UNSET
    priority: int | msgspec.UnsetType = msgspec.UNSET


def check_pattern(field: str, pattern: str) -> str:
    """``pattern`` if RE2 compiles it and it has at most ``MAX_PATTERN`` characters.

    Raises ``Invalid``, naming the construct RE2 lacks (a backreference, a
    lookahead, ...) when that is why.
    """
    if not pattern or len(pattern) > MAX_PATTERN:
        raise Invalid(field, f"must be 1 to {MAX_PATTERN} characters")
    check_free_text(field, pattern)
    try:
        compile_line_pattern(pattern)
    except PatternRefused as exc:
        raise Invalid(field, exc.problem) from exc
    return pattern


def _checked(new: NewCause) -> NewCause:
    name = check_label("name", new.name, MAX_NAME)
    category = check_label("category", new.category, MAX_CATEGORY)
    if not _CATEGORY.fullmatch(category):
        raise Invalid("category", "must be lower case letters, digits and underscores, starting with a letter")
    check_free_text("description", new.description)
    if len(new.indications) > MAX_INDICATIONS:
        raise Invalid("indications", f"must hold at most {MAX_INDICATIONS} patterns")
    indications = [check_pattern(f"indications[{i}]", p) for i, p in enumerate(new.indications)]
    stage_pattern = None if new.stage_pattern is None else check_pattern("stage_pattern", new.stage_pattern)
    if not indications and stage_pattern is None:
        raise Invalid("indications", "give at least one indication or a stage_pattern")
    if not 0 <= new.priority <= MAX_PRIORITY:
        raise Invalid("priority", f"must be between 0 and {MAX_PRIORITY}")
    return NewCause(name, category, new.description, indications, stage_pattern, new.priority)


_COLUMNS = (
    failure_causes.c.id,
    failure_causes.c.name,
    failure_causes.c.category,
    failure_causes.c.description,
    failure_causes.c.indications,
    failure_causes.c.stage_pattern,
    failure_causes.c.priority,
    failure_causes.c.created_at,
    failure_causes.c.updated_at,
)
_INDICATIONS = msgspec.json.Decoder(list[str])


def _cause(row: Row) -> FailureCause:
    indications = row[4]
    if isinstance(indications, (str, bytes)):  # the fast read path gives JSON columns as text
        indications = _INDICATIONS.decode(indications)
    return FailureCause(
        row[0],
        row[1],
        row[2],
        row[3],
        list(indications),
        row[5],
        row[6],
        as_datetime(row[7]),  # type: ignore[arg-type]
        as_datetime(row[8]),  # type: ignore[arg-type]
    )


# Highest priority first: the order the classifier tries them in, and the order admins read them in.
_ALL = sa.select(*_COLUMNS).order_by(failure_causes.c.priority.desc(), failure_causes.c.name)
_PAGE = (
    sa.select(*_COLUMNS, sa.func.count().over())
    .order_by(failure_causes.c.priority.desc(), failure_causes.c.name)
    .limit(sa.bindparam("limit"))
    .offset(sa.bindparam("offset"))
)
_ONE = sa.select(*_COLUMNS).where(failure_causes.c.id == sa.bindparam("cause_id"))
_COUNT = sa.select(sa.func.count()).select_from(failure_causes)


async def all_causes(reads: Reads) -> list[FailureCause]:
    """Every cause, highest priority first (then by name)."""
    return [_cause(row) for row in await reads.all(_ALL, {})]


async def list_causes(reads: Reads, window: Window) -> Counted[FailureCause]:
    """One page of the causes, highest priority first, and how many there are."""
    rows = await reads.all(_PAGE, {"limit": window.limit, "offset": window.offset})
    if rows:
        return Counted([_cause(row[:-1]) for row in rows], int(rows[0][-1]))
    total = await reads.first(_COUNT, {})
    return Counted([], int(total[0]) if total else 0)


async def get_cause(reads: Reads, public_id: str) -> FailureCause:
    """The cause ``fc_...``; raises ``NotFound``."""
    row = await reads.first(
        _ONE, {"cause_id": ids.decode("fc", public_id, "failure cause", coder_kind="failure_cause")}
    )
    if row is None:
        raise NotFound("failure cause", public_id)
    return _cause(row)


def unsaved_cause(new: NewCause) -> FailureCause:
    """``new`` checked as ``create_cause`` checks it, as a cause not stored (id 0), to preview; raises ``Invalid``."""
    checked = _checked(new)
    now = utcnow()
    return FailureCause(0, **msgspec.structs.asdict(checked), created_at=now, updated_at=now)


async def create_cause(work: Write, new: NewCause) -> FailureCause:
    """Add a cause; emits ``failure_cause.created``.

    Raises ``Invalid`` for a blank name, a malformed category, an invalid
    regular expression, or neither indications nor stage pattern; ``Conflict``
    when the name is taken.
    """
    checked = _checked(new)
    now = utcnow()
    values: dict[str, Any] = {**msgspec.structs.asdict(checked), "created_at": now, "updated_at": now}
    row_id = await work.scalar(
        insert_unless_taken(work, failure_causes).values(**values).returning(failure_causes.c.id)
    )
    if row_id is None:
        raise Conflict(f"a failure cause named {checked.name!r} exists already")
    cause = FailureCause(id=row_id, **values)
    await _emit(work, "failure_cause.created", cause)
    return cause


async def update_cause(work: Write, cause: FailureCause, changes: CauseChanges) -> FailureCause:
    """Apply an edit; emits ``failure_cause.updated``. Raises as ``create_cause`` does."""
    edited = {name: value for name, value in msgspec.structs.asdict(changes).items() if value is not msgspec.UNSET}
    current = {name: getattr(cause, name) for name in NewCause.__struct_fields__}
    checked = _checked(NewCause(**{**current, **edited}))
    values: dict[str, Any] = {**msgspec.structs.asdict(checked), "updated_at": utcnow()}
    if checked.name != cause.name:
        taken = await work.scalar(
            sa.select(failure_causes.c.id).where(failure_causes.c.name == checked.name, failure_causes.c.id != cause.id)
        )
        if taken is not None:
            raise Conflict(f"a failure cause named {checked.name!r} exists already")
    await work.execute(failure_causes.update().where(failure_causes.c.id == cause.id).values(**values))
    updated = await get_cause(work, cause.public_id)
    await _emit(work, "failure_cause.updated", updated)
    return updated


async def delete_cause(work: Write, cause: FailureCause) -> None:
    """Remove a cause; emits ``failure_cause.deleted``."""
    await work.execute(failure_causes.delete().where(failure_causes.c.id == cause.id))
    await _emit(work, "failure_cause.deleted", cause)


async def _emit(work: Write, event_type: str, cause: FailureCause) -> None:
    await record_event(
        work,
        event_type,
        resource_type="failure_cause",
        resource_id=cause.public_id,
        project_id=None,
        payload={"id": cause.public_id, "name": cause.name, "category": cause.category},
    )
