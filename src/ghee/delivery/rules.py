"""What a subscription wants beyond event types: its format, projects, branches, and a chat one's quiet period."""

from __future__ import annotations

import sqlalchemy as sa

from ghee.core.inputs import check_free_text
from ghee.core.projects import project_row_id
from ghee.db.reads import Reads
from ghee.db.tables import projects
from ghee.delivery.chat import CHAT_FORMATS, FORMATS
from ghee.errors import Invalid, NotFound

MAX_RULES = 50
MAX_BRANCH = 255
MAX_QUIET_MINUTES = 7 * 24 * 60


def check_format(fmt: str) -> str:
    """``fmt`` if it is a known format; raises ``Invalid`` otherwise."""
    if fmt not in FORMATS:
        raise Invalid("format", f"must be one of {', '.join(FORMATS)}")
    return fmt


async def check_projects(reads: Reads, public_ids: list[str]) -> list[int] | None:
    """The row ids of ``proj_...`` ids (``None`` for none: every project).

    Raises ``Invalid`` for too many, a malformed one, or one no project has.
    """
    if len(public_ids) > MAX_RULES:
        raise Invalid("projects", f"at most {MAX_RULES} projects")
    try:
        wanted = sorted({project_row_id(public_id) for public_id in public_ids})
    except NotFound as exc:
        raise Invalid("projects", "each must be a project id (proj_...)") from exc
    if not wanted:
        return None
    found = {row[0] for row in await reads.all(_EXISTING, {"ids": wanted})}
    if missing := [public_id for public_id in public_ids if project_row_id(public_id) not in found]:
        raise Invalid("projects", f"{missing[0]!r} is no project")
    return wanted


_EXISTING = sa.select(projects.c.id).where(projects.c.id.in_(sa.bindparam("ids", expanding=True)))


def check_branches(branches: list[str]) -> list[str] | None:
    """Branch names, de-duplicated (``None`` for none: every branch); raises ``Invalid`` for an empty or long one."""
    if len(branches) > MAX_RULES:
        raise Invalid("branches", f"at most {MAX_RULES} branches")
    for branch in branches:
        if not branch.strip() or len(branch) > MAX_BRANCH:
            raise Invalid("branches", f"each must be 1 to {MAX_BRANCH} characters")
        check_free_text("branches", branch)
    return list(dict.fromkeys(branches)) or None


def check_quiet_minutes(minutes: int, fmt: str) -> int:
    """``minutes`` if between 0 and a week, and 0 unless ``fmt`` is a chat format; raises ``Invalid``."""
    if not 0 <= minutes <= MAX_QUIET_MINUTES:
        raise Invalid("quiet_minutes", f"must be between 0 and {MAX_QUIET_MINUTES}")
    if minutes and fmt not in CHAT_FORMATS:
        raise Invalid("quiet_minutes", "applies to chat subscriptions (slack, discord, teams) only")
    return minutes
