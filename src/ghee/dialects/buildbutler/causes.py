"""BuildButler failure causes: the knowledge base that gives failed builds their ``failureCategory``.

Reading takes a read token; changing the causes takes an admin's, and
classifies the newest failed builds again in the same transaction.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import msgspec
from litestar import Response, delete, get, patch, post
from litestar.datastructures import ResponseHeader
from litestar.openapi.datastructures import ResponseSpec

from ghee.clock import iso
from ghee.core import failure_causes
from ghee.core.builds import failures
from ghee.core.failure_causes import CauseChanges, FailureCause, NewCause
from ghee.db.database import Database
from ghee.dialects.buildbutler.errors import ERRORS, BuildButlerError
from ghee.dialects.buildbutler.paging import Meta, Page, PerPage, window
from ghee.errors import Invalid
from ghee.http.auth import ApiRequest, requires

_WRITE_ERRORS = {**ERRORS, 409: ResponseSpec(BuildButlerError, description="conflict: the name is taken")}
RECLASSIFIED = "X-Reclassified-Builds"
"""Header of every change: how many of the newest failed builds were classified again."""
_CHANGE_HEADERS = [
    ResponseHeader(name=RECLASSIFIED, description="Failed builds classified again", documentation_only=True)
]


class BuildButlerCause(msgspec.Struct, rename="camel"):
    id: str
    name: str
    category: str
    description: str
    indications: list[str]
    stage_pattern: str | None
    priority: int
    created_at: str
    updated_at: str
    unusable_patterns: dict[str, str]
    """Stored patterns RE2 refuses, by field (``indications[2]``), with why: classification skips them."""


class CauseList(msgspec.Struct):
    data: list[BuildButlerCause]
    meta: Meta


class NewCauseBody(msgspec.Struct, rename="camel"):
    name: str
    category: str
    description: str = ""
    indications: list[str] = []
    stage_pattern: str | None = None
    priority: int = 50


class CauseChangesBody(msgspec.Struct, rename="camel"):
    name: str | msgspec.UnsetType = msgspec.UNSET
    category: str | msgspec.UnsetType = msgspec.UNSET
    description: str | msgspec.UnsetType = msgspec.UNSET
    indications: list[str] | msgspec.UnsetType = msgspec.UNSET
    stage_pattern: str | msgspec.UnsetType | None = msgspec.UNSET
    priority: int | msgspec.UnsetType = msgspec.UNSET


@asynccontextmanager
async def _wire_fields() -> AsyncIterator[None]:
    """Name the offending field as the client sent it (``stagePattern``), not as core calls it."""
    try:
        yield
    except Invalid as exc:
        if exc.field != "stage_pattern":
            raise
        raise Invalid("stagePattern", exc.problem) from exc


def cause_shape(cause: FailureCause) -> BuildButlerCause:
    return BuildButlerCause(
        cause.public_id,
        cause.name,
        cause.category,
        cause.description,
        cause.indications,
        cause.stage_pattern,
        cause.priority,
        iso(cause.created_at) or "",
        iso(cause.updated_at) or "",
        cause.unusable_patterns(),
    )


@get("/failure-causes", responses=ERRORS)
async def list_causes(request: ApiRequest, page: Page = 1, per_page: PerPage = 25) -> CauseList:
    """The failure causes, highest priority first: the order they are tried in."""
    found = await failure_causes.list_causes(request.reads, window(page, per_page))
    return CauseList([cause_shape(c) for c in found.items], Meta(page, per_page, found.total))


@get("/failure-causes/{cause_id:str}", responses=ERRORS)
async def get_cause(request: ApiRequest, cause_id: str) -> BuildButlerCause:
    """One failure cause."""
    return cause_shape(await failure_causes.get_cause(request.reads, cause_id))


@post(
    "/failure-causes",
    responses=_WRITE_ERRORS,
    status_code=201,
    response_headers=_CHANGE_HEADERS,
    opt=requires("admin", unbound=True),
)
async def create_cause(db: Database, data: NewCauseBody) -> Response[BuildButlerCause]:
    """Add a cause (admin); a pattern RE2 cannot compile is a 400 naming the construct, a taken name a 409."""
    new = NewCause(data.name, data.category, data.description, data.indications, data.stage_pattern, data.priority)
    async with _wire_fields(), db.write() as work:
        cause = await failure_causes.create_cause(work, new)
        count = await failures.reclassify_recent(work)
    return Response(cause_shape(cause), status_code=201, headers={RECLASSIFIED: str(count)})


@patch(
    "/failure-causes/{cause_id:str}",
    responses=_WRITE_ERRORS,
    response_headers=_CHANGE_HEADERS,
    opt=requires("admin", unbound=True),
)
async def update_cause(db: Database, cause_id: str, data: CauseChangesBody) -> Response[BuildButlerCause]:
    """Change a cause (admin); only the fields sent change, ``stagePattern: null`` removes the stage pattern."""
    changes = CauseChanges(**msgspec.structs.asdict(data))
    async with _wire_fields(), db.write() as work:
        cause = await failure_causes.get_cause(work, cause_id)
        updated = await failure_causes.update_cause(work, cause, changes)
        count = await failures.reclassify_recent(work)
    return Response(cause_shape(updated), headers={RECLASSIFIED: str(count)})


@delete(
    "/failure-causes/{cause_id:str}",
    responses=ERRORS,
    status_code=204,
    response_headers=_CHANGE_HEADERS,
    opt=requires("admin", unbound=True),
)
async def delete_cause(db: Database, cause_id: str) -> Response[None]:
    """Remove a cause (admin); the builds it explained are classified again."""
    async with db.write() as work:
        cause = await failure_causes.get_cause(work, cause_id)
        await failure_causes.delete_cause(work, cause)
        count = await failures.reclassify_recent(work)
    return Response(None, status_code=204, headers={RECLASSIFIED: str(count)})


ROUTES = [list_causes, get_cause, create_cause, update_cause, delete_cause]
