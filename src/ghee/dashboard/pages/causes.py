"""Failure causes (``/health/causes``, admins only): what tells why a build failed, edited with a preview.

The API (``/api/v1/failure-causes``) and these pages call the same core
(``ghee.core.failure_causes``): the same checks, and the newest failed
builds classified again after each change. "Preview" tries a cause, saved
or not, on the newest failed builds with a log and lists those it applies
to with the line that shows it, before anything is saved.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Request, get, post
from litestar.params import Parameter
from litestar.response import Redirect, Template

from ghee.core import failure_causes
from ghee.core.builds import failures
from ghee.core.failure_causes import CauseChanges, FailureCause, NewCause
from ghee.core.paging import Window
from ghee.dashboard.web import form_fields, render, require_admin
from ghee.db.database import Database
from ghee.errors import Conflict, Invalid

CAUSES_PER_PAGE = 100
_MAX_FIELD = 20_000
_FIELDS = ("name", "category", "description", "indications", "stage_pattern", "priority")


def _values(form: dict[str, Any]) -> dict[str, str]:
    return {name: str(form.get(name, ""))[:_MAX_FIELD] for name in _FIELDS}


def _values_of(cause: FailureCause) -> dict[str, str]:
    return {
        "name": cause.name,
        "category": cause.category,
        "description": cause.description,
        "indications": "\n".join(cause.indications),
        "stage_pattern": cause.stage_pattern or "",
        "priority": str(cause.priority),
    }


def _new_cause(values: dict[str, str]) -> NewCause:
    """The form's cause; raises ``Invalid`` for a priority that is not a whole number (the core checks the rest)."""
    priority = values["priority"].strip() or "50"
    if not (priority.isascii() and priority.isdigit()) or len(priority) > 4:  # noqa: PLR2004 (at most 9999)
        raise Invalid("priority", "must be a whole number from 0 to 1000")
    return NewCause(
        name=values["name"],
        category=values["category"].strip(),
        description=values["description"],
        indications=[line.strip() for line in values["indications"].splitlines() if line.strip()],
        stage_pattern=values["stage_pattern"].strip() or None,
        priority=int(priority),
    )


async def _page(  # noqa: PLR0913 (the page and what one submission left on it)
    request: Request[Any, Any, Any],
    db: Database,
    *,
    editing: FailureCause | None = None,
    values: dict[str, str] | None = None,
    error: str = "",
    preview: tuple[int, list[failures.PreviewMatch]] | None = None,
    notice: str = "",
) -> Template:
    listed = await failure_causes.list_causes(db.read(), Window(CAUSES_PER_PAGE))
    return render(
        request,
        "pages/causes.html",
        status_code=400 if error else 200,
        title="Failure causes",
        causes=listed.items,
        editing=editing,
        values=values if values is not None else (_values_of(editing) if editing else {"priority": "50"}),
        error=error,
        preview=preview,
        notice=notice,
        tab="health",
    )


@get("/health/causes", guards=[require_admin])
async def causes_page(
    request: Request[Any, Any, Any],
    db: Database,
    saved: str = Parameter(default="", max_length=200),
    deleted: str = Parameter(default="", max_length=200),
    reclassified: int = Parameter(default=-1, ge=-1, le=1_000_000),
) -> Template:
    """Every failure cause, and the form adding one."""
    done = f"Saved {saved}" if saved else f"Deleted {deleted}" if deleted else ""
    notice = f"{done}; {reclassified} recent failed builds classified again." if done else ""
    return await _page(request, db, notice=notice)


@get("/health/causes/{cause_id:str}", guards=[require_admin])
async def cause_page(request: Request[Any, Any, Any], db: Database, cause_id: str) -> Template:
    """One cause's form, to change or delete it."""
    return await _page(request, db, editing=await failure_causes.get_cause(db.read(), cause_id))


@post("/health/causes", guards=[require_admin])
async def add_cause(request: Request[Any, Any, Any], db: Database) -> Template | Redirect:
    """Preview or save a new cause."""
    return await _submit(request, db, None)


@post("/health/causes/{cause_id:str}", guards=[require_admin])
async def change_cause(request: Request[Any, Any, Any], db: Database, cause_id: str) -> Template | Redirect:
    """Preview or save a cause's changes."""
    return await _submit(request, db, await failure_causes.get_cause(db.read(), cause_id))


@get("/health/causes/{cause_id:str}/delete", guards=[require_admin])
async def confirm_delete_cause(request: Request[Any, Any, Any], db: Database, cause_id: str) -> Template:
    """Ask before deleting a cause."""
    cause = await failure_causes.get_cause(db.read(), cause_id)
    return render(
        request,
        "pages/confirm.html",
        title=f"Delete {cause.name}",
        question=f"Delete the failure cause “{cause.name}”?",
        consequence="The recent failed builds it classified are classified again by the causes left.",
        action=f"/health/causes/{cause.public_id}/delete",
        verb="Delete cause",
        cancel=f"/health/causes/{cause.public_id}",
    )


@post("/health/causes/{cause_id:str}/delete", guards=[require_admin])
async def delete_cause(db: Database, cause_id: str) -> Redirect:
    """Delete a cause and classify the recent failed builds again, then say so on the list."""
    async with db.write() as work:
        cause = await failure_causes.get_cause(work, cause_id)
        await failure_causes.delete_cause(work, cause)
        count = await failures.reclassify_recent(work)
    return Redirect("/health/causes?" + urlencode({"deleted": cause.name, "reclassified": count}), status_code=303)


async def _submit(request: Request[Any, Any, Any], db: Database, editing: FailureCause | None) -> Template | Redirect:
    form = await form_fields(request)
    action = str(form.get("action", "save"))
    values = _values(form)
    try:
        new = _new_cause(values)
        if action == "preview":
            tried = failure_causes.unsaved_cause(new)
            preview = await failures.preview_cause(db.read(), tried)
            return await _page(request, db, editing=editing, values=values, preview=preview)
        async with db.write() as work:
            if editing is None:
                saved = await failure_causes.create_cause(work, new)
            else:
                saved = await failure_causes.update_cause(work, editing, CauseChanges(**_fields_of(new)))
            count = await failures.reclassify_recent(work)
    except Invalid as exc:
        return await _page(request, db, editing=editing, values=values, error=f"{exc.field}: {exc.problem}")
    except Conflict as exc:
        return await _page(request, db, editing=editing, values=values, error=exc.reason)
    return _saved(saved.name, count)


def _fields_of(new: NewCause) -> dict[str, Any]:
    return {name: getattr(new, name) for name in NewCause.__struct_fields__}


def _saved(name: str, count: int) -> Redirect:
    return Redirect("/health/causes?" + urlencode({"saved": name, "reclassified": count}), status_code=303)


ROUTES = [causes_page, cause_page, add_cause, change_cause, confirm_delete_cause, delete_cause]
