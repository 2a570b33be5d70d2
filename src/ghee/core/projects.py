"""Projects: the game, app or tool a studio builds."""

from __future__ import annotations

from datetime import datetime

import msgspec
import sqlalchemy as sa

from ghee import ids
from ghee.clock import utcnow
from ghee.core.events import record_event
from ghee.core.inputs import check_label
from ghee.core.inserts import insert_unless_taken
from ghee.core.paging import Slice, Window, cut
from ghee.db.database import Write
from ghee.db.reads import Reads, Row, as_datetime
from ghee.db.tables import projects
from ghee.errors import Conflict, Invalid, NotFound

MAX_NAME = 200
ENGINES = ("unreal", "unity", "godot", "cryengine", "custom", "none")


class Project(msgspec.Struct, frozen=True):
    """One project row."""

    id: int
    name: str
    engine: str
    created_at: datetime

    @property
    def public_id(self) -> str:
        """``proj_...``."""
        return project_public_id(self.id)


def project_public_id(row_id: int) -> str:
    """``proj_...`` for a project row id."""
    return ids.encode("proj", row_id)


def project_row_id(public_id: str) -> int:
    """The row id behind ``proj_...``; raises ``NotFound`` when malformed."""
    return ids.decode("proj", public_id, "project")


_COLUMNS = (projects.c.id, projects.c.name, projects.c.engine, projects.c.created_at)


def _project(row: Row) -> Project:
    row_id, name, engine, created_at = row
    return Project(row_id, name, engine, as_datetime(created_at))  # type: ignore[arg-type]


_LIST = (
    sa.select(*_COLUMNS)
    .order_by(projects.c.name, projects.c.id)
    .limit(sa.bindparam("limit"))
    .offset(sa.bindparam("offset"))
)
_LIST_ONLY = _LIST.where(projects.c.id == sa.bindparam("only"))
_ONE = sa.select(*_COLUMNS).where(projects.c.id == sa.bindparam("project_id"))


async def list_projects(reads: Reads, window: Window, only: int | None = None) -> Slice[Project]:
    """Projects by name; ``only`` restricts the list to one project id (a project-scoped token)."""
    params: dict[str, object] = {"limit": window.limit + 1, "offset": window.offset}
    if only is not None:
        params["only"] = only
    rows = await reads.all(_LIST if only is None else _LIST_ONLY, params)
    return cut([_project(row) for row in rows], window)


def check_visible(public_id: str, only: int | None) -> int:
    """The row id behind ``proj_...``, if a token bound to project ``only`` may see it; else ``NotFound``."""
    row_id = project_row_id(public_id)
    if only is not None and row_id != only:
        raise NotFound("project", public_id)
    return row_id


async def get_project(reads: Reads, public_id: str, only: int | None = None) -> Project:
    """The project ``proj_...``; raises ``NotFound`` if missing or outside ``only``."""
    row = await reads.first(_ONE, {"project_id": check_visible(public_id, only)})
    if row is None:
        raise NotFound("project", public_id)
    return _project(row)


async def lock_project(work: Write, project_id: int) -> None:
    """Hold the project's row until the transaction ends, so writes that must see each other take turns.

    Build numbering and going live use it. ``FOR NO KEY UPDATE`` leaves inserts
    of the project's other rows free; SQLite needs no lock, its writers already
    take turns.
    """
    await work.execute(sa.select(projects.c.id).where(projects.c.id == project_id).with_for_update(key_share=True))


async def create_project(work: Write, name: str, engine: str) -> Project:
    """Create a project; emits ``project.created``.

    Raises ``Invalid`` for a blank or overlong name or an unknown engine, ``Conflict`` if the name is taken.
    """
    name = check_label("name", name, MAX_NAME)
    if engine not in ENGINES:
        raise Invalid("engine", f"must be one of {', '.join(ENGINES)}")
    now = utcnow()
    row_id = await work.scalar(
        insert_unless_taken(work, projects).values(name=name, engine=engine, created_at=now).returning(projects.c.id)
    )
    if row_id is None:
        raise Conflict(f"a project named {name!r} already exists")
    project = Project(id=row_id, name=name, engine=engine, created_at=now)
    await record_event(
        work,
        "project.created",
        resource_type="project",
        resource_id=project.public_id,
        project_id=row_id,
        payload={"id": project.public_id, "name": name, "engine": engine},
    )
    return project
