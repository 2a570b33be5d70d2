"""A connection's link rules: which project a job belongs to, by where it sits on the Jenkins server.

Two kinds of rule, in a connection's ordered list:

- ``LinkRule(folder="game/client", project=<row id>)``: every job below that
  folder (or multibranch project), at any depth, belongs to the project (a
  job of that very name too).
  The rule naming the deepest folder around a job wins.
- ``LinkRule(each_top_folder=True)``: each top-level folder is a project of
  the same name, made (engine ``custom``) when none has that name yet.

Rules link jobs that belong to no project: every such job when the rules
are saved (its history moves into the project, by when each build was
queued), and each job a pass finds for the first time. A job linked or
unlinked by hand stays as it was until the rules are saved again.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec
import sqlalchemy as sa

from ghee import ids
from ghee.core.connections import emit_connection_event, get_connection
from ghee.core.jobs.links import link_job
from ghee.core.jobs.model import Job
from ghee.core.jobs.reads import jobs_of
from ghee.core.projects import create_project, project_public_id
from ghee.db.database import Write
from ghee.db.reads import Reads
from ghee.db.tables import connections, projects
from ghee.errors import Invalid, NotFound

MAX_RULES = 50
MAX_FOLDER = 1024


class LinkRule(msgspec.Struct, frozen=True, omit_defaults=True):
    """One rule: ``folder`` and ``project`` (a row id), or ``each_top_folder``."""

    folder: str | None = None
    project: int | None = None
    each_top_folder: bool = False


def check_rules(rules: Sequence[LinkRule]) -> list[LinkRule]:
    """``rules`` with folders trimmed of slashes; raises ``Invalid`` naming the first bad one."""
    if len(rules) > MAX_RULES:
        raise Invalid("rules", f"at most {MAX_RULES} rules")
    checked = []
    for index, rule in enumerate(rules):
        field = f"rules[{index}]"
        if rule.each_top_folder:
            if rule.folder is not None or rule.project is not None:
                raise Invalid(field, "each_top_folder takes no folder or project")
            checked.append(rule)
            continue
        folder = (rule.folder or "").strip().strip("/")
        if not folder or len(folder) > MAX_FOLDER or "\x00" in folder:
            raise Invalid(field, f"needs a folder: a job folder's full name, 1 to {MAX_FOLDER} characters")
        if rule.project is None:
            raise Invalid(field, "needs the project its folder's jobs belong to")
        checked.append(LinkRule(folder=folder, project=rule.project))
    return checked


def project_wanted(full_name: str, rules: Sequence[LinkRule]) -> int | str | None:
    """What the rules say of job ``full_name``: a project row id, a top folder's name to find or make, or nothing."""
    around = [rule for rule in rules if rule.folder and (full_name + "/").startswith(rule.folder + "/")]
    if around:
        return max(around, key=lambda rule: len(rule.folder or "")).project
    top, slash, _ = full_name.partition("/")
    if slash and any(rule.each_top_folder for rule in rules):
        return top
    return None


_RULES = sa.select(connections.c.link_rules).where(connections.c.id == sa.bindparam("id"))


async def rules_of(reads: Reads, connection_id: int) -> list[LinkRule]:
    """The connection's rules, in order; raises ``NotFound``."""
    row = await reads.first(_RULES, {"id": connection_id})
    if row is None:
        raise NotFound("connection", ids.encode("conn", connection_id))
    stored = row[0]
    if isinstance(stored, str | bytes):  # a JSON column read through the fast path
        return msgspec.json.decode(stored, type=list[LinkRule])
    return msgspec.convert(stored or [], list[LinkRule])


async def save_rules(work: Write, connection_id: int, rules: Sequence[LinkRule]) -> int:
    """Check and store the connection's rules, then link every job of it that belongs to no project; how many were.

    Emits ``connection.updated`` (and ``job.linked`` for each job it links). Raises ``Invalid`` (a bad
    rule, or a project that does not exist) or ``NotFound``.
    """
    checked = check_rules(rules)
    named = {rule.project for rule in checked if rule.project is not None}
    if named:
        found = set(await work.scalars(sa.select(projects.c.id).where(projects.c.id.in_(sorted(named)))))
        missing = sorted(named - found)
        if missing:
            raise Invalid("rules", f"no project {project_public_id(missing[0])}")
    stored = await work.execute(
        connections.update()
        .where(connections.c.id == connection_id, connections.c.archived_at.is_(None))
        .values(link_rules=[msgspec.to_builtins(rule) for rule in checked])
    )
    if stored.rowcount != 1:
        raise NotFound("connection", ids.encode("conn", connection_id))
    changed = await get_connection(work, ids.encode("conn", connection_id))
    await emit_connection_event(work, "connection.updated", changed)
    unlinked = [job for job in (await jobs_of(work, connection_id)).values() if job.project_id is None]
    return await apply_rules(work, checked, unlinked)


async def apply_rules(work: Write, rules: Sequence[LinkRule], candidates: Sequence[Job]) -> int:
    """Link each of ``candidates`` (live jobs belonging to no project) as ``rules`` say; how many were linked."""
    if not rules:
        return 0
    by_name: dict[str, int] = {}
    linked = 0
    for job in sorted(candidates, key=lambda j: j.full_name):
        if job.deleted or job.project_id is not None:
            continue
        wanted = project_wanted(job.full_name, rules)
        if isinstance(wanted, str):
            wanted = by_name.get(wanted) or await _project_named(work, wanted, by_name)
        if wanted is not None:
            await link_job(work, job, wanted)
            linked += 1
    return linked


async def _project_named(work: Write, name: str, known: dict[str, int]) -> int | None:
    """The project called ``name``, made when missing (``None`` if the name cannot be a project's)."""
    found = await work.scalar(sa.select(projects.c.id).where(projects.c.name == name))
    if found is None:
        try:
            found = (await create_project(work, name, "custom")).id
        except Invalid:
            return None
    known[name] = found
    return int(found)
