"""Connections (``/connections``, admins only): the Jenkins servers ghee syncs from, their sync status, adding one.

Adding runs ``integrations.jenkins.connect.add_connection``, the credentials
check of ``POST /api/v1/connections``: nothing is stored unless Jenkins
accepts the user name and API token. Editing one (its page) runs the same
check through ``edit_connection``. A token is never sent back to the browser.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import msgspec
from litestar import Request, get, post
from litestar.params import Parameter
from litestar.response import Redirect, Template

from ghee.core.connections import (
    ConnectionChange,
    NewConnection,
    archive_connection,
    get_connection,
    issue_push_secret,
    list_connections,
    sync_soon,
)
from ghee.core.jobs import link_rules
from ghee.core.paging import Window
from ghee.core.projects import get_project, list_projects, project_public_id, project_row_id
from ghee.dashboard.flash import Flash, forget_flash, keep_flash, take_flash
from ghee.dashboard.nav import NavItem, add_nav
from ghee.dashboard.web import form_fields, render, require_admin
from ghee.db.database import Database
from ghee.db.reads import Reads
from ghee.errors import Conflict, Invalid, NotFound
from ghee.http.services import services_of
from ghee.integrations.jenkins.connect import add_connection, edit_connection
from ghee.integrations.jenkins.push import push_url

CONNECTIONS_PER_PAGE = 25
_FIELDS = ("name", "url", "username", "token")
_EDIT_FIELDS = ("url", "username", "token")
_PUSH_FLASH = "push-url"  # the flash holding a push URL just made (its secret in it), for its connection's page
_MAX_FIELD = 4000
LINKABLE = 500  # projects offered in a rule

add_nav(NavItem("Connections", "/connections", order=70, admin_only=True))


async def _connections_page(  # noqa: PLR0913 (the page and its one-off notices)
    request: Request[Any, Any, Any],
    db: Database,
    page: int,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    notice: str = "",
    status_code: int = 200,
) -> Template:
    found, total = await list_connections(db.read(), Window(CONNECTIONS_PER_PAGE, (page - 1) * CONNECTIONS_PER_PAGE))
    return render(
        request,
        "pages/connections.html",
        status_code=status_code,
        title="Connections",
        connections=found.items,
        total=total,
        has_more=found.has_more,
        page=page,
        values=values or {},
        errors=errors or {},
        notice=notice,
    )


@get("/connections", guards=[require_admin])
async def connections_page(  # noqa: PLR0913 (the page's query arguments)
    request: Request[Any, Any, Any],
    db: Database,
    page: int = Parameter(default=1, ge=1, le=100_000),
    added: str = Parameter(default="", max_length=200),
    deleted: str = Parameter(default="", max_length=200),
    queued: str = Parameter(default="", max_length=200),
) -> Template:
    """Every connection with its sync status, and the form to add one."""
    notice = ""
    if added:
        notice = f"Connected {added}: Jenkins accepted the credentials. The first sync runs shortly."
    elif deleted:
        notice = f"Deleted {deleted}: no more syncing; its jobs and builds stay in ghee."
    elif queued:
        notice = f"A sync of {queued} is due now; a worker runs it when it is free."
    return await _connections_page(request, db, page, notice=notice)


@post("/connections", guards=[require_admin])
async def add_connection_page(request: Request[Any, Any, Any], db: Database) -> Template | Redirect:
    """Check the credentials with Jenkins and store the connection; show what went wrong inline otherwise."""
    form = await form_fields(request)
    values = {name: str(form.get(name, ""))[:_MAX_FIELD] for name in _FIELDS}
    shown = {name: value for name, value in values.items() if name != "token"}  # a token is never sent back
    new = NewConnection(values["name"], values["url"], values["username"], values["token"])
    settings = services_of(request.app.state).settings
    try:
        made = await add_connection(db, settings, new)
    except Invalid as exc:
        field = exc.field if exc.field in _FIELDS else "name"
        return await _connections_page(request, db, 1, values=shown, errors={field: exc.problem}, status_code=400)
    except Conflict as exc:
        return await _connections_page(request, db, 1, values=shown, errors={"name": exc.reason}, status_code=400)
    return Redirect("/connections?" + urlencode({"added": made.name}), status_code=303)


@get("/connections/{connection_id:str}/delete", guards=[require_admin])
async def confirm_delete(request: Request[Any, Any, Any], db: Database, connection_id: str) -> Template:
    """Ask before deleting: syncing stops, the connection's history stays."""
    found = await get_connection(db.read(), connection_id)
    return render(request, "pages/connection_delete.html", title=f"Delete {found.name}", connection=found)


@post("/connections/{connection_id:str}/delete", guards=[require_admin])
async def delete_connection_page(db: Database, connection_id: str) -> Redirect:
    """Archive a connection (its jobs and builds stay), as ``DELETE /api/v1/connections/{id}`` does."""
    found = await get_connection(db.read(), connection_id)
    async with db.write() as work:
        await archive_connection(work, found.public_id)
    return Redirect("/connections?" + urlencode({"deleted": found.name}), status_code=303)


@post("/connections/{connection_id:str}/sync", guards=[require_admin])
async def sync_connection_page(db: Database, connection_id: str) -> Redirect:
    """Make the connection's next pass due now (a sync worker runs it; nothing talks to Jenkins here)."""
    found = await get_connection(db.read(), connection_id)
    async with db.write() as work:
        await sync_soon(work, found.public_id)
    return Redirect("/connections?" + urlencode({"queued": found.name}), status_code=303)


async def _connection_page(  # noqa: PLR0913 (the page and its one-off notices)
    request: Request[Any, Any, Any],
    db: Database,
    connection_id: str,
    *,
    notice: str = "",
    error: str = "",
    push: str = "",
    edit: dict[str, str] | None = None,
    edit_errors: dict[str, str] | None = None,
) -> Template:
    reads = db.read()
    found = await get_connection(reads, connection_id)
    rules = await link_rules.rules_of(reads, found.id)
    offered = (await list_projects(reads, Window(LINKABLE))).items
    names = {p.id: p.name for p in offered}
    for rule in rules:
        if rule.project is not None and rule.project not in names:
            names[rule.project] = project_public_id(rule.project)
    return render(
        request,
        "pages/connection.html",
        status_code=400 if error or edit_errors else 200,
        title=found.name,
        connection=found,
        rules=rules,
        project_names=names,
        projects=offered,
        has_top_rule=any(rule.each_top_folder for rule in rules),
        notice=notice,
        error=error,
        push_url=push,
        edit=edit or {"url": found.url, "username": found.username},
        edit_errors=edit_errors or {},
    )


@get("/connections/{connection_id:str}", guards=[require_admin])
async def connection_page(  # noqa: PLR0913 (the page's query arguments)
    request: Request[Any, Any, Any],
    db: Database,
    connection_id: str,
    linked: int = Parameter(default=-1, ge=-1, le=1_000_000),
    removed: str = Parameter(default="", max_length=_MAX_FIELD),
    edited: bool = False,
) -> Template:
    """One connection: its server and credentials, its link rules (which project a job belongs to), its push URL.

    A push URL just made is shown this once (post/redirect/get through the sealed flash cookie).
    """
    jobs = f"{linked} job{'' if linked == 1 else 's'} linked."
    notice = f"Rules saved: {jobs}" if linked >= 0 else ""
    if removed:
        notice = f"Removed the rule “{removed}”." + (f" {jobs}" if linked > 0 else "")
    if edited:
        notice = "Saved: Jenkins accepted the credentials. The next sync runs shortly."
    made = take_flash(request, _PUSH_FLASH)
    push = made.secret if made is not None and made.name == connection_id else ""
    if push:
        notice = "A new push URL: copy it into Jenkins now; ghee shows it only this once."
    shown = await _connection_page(request, db, connection_id, notice=notice, push=push)
    forget_flash(request, shown)
    return shown


@post("/connections/{connection_id:str}/edit", guards=[require_admin])
async def edit_connection_page(
    request: Request[Any, Any, Any], db: Database, connection_id: str
) -> Template | Redirect:
    """Check the new URL, user and token (a blank one keeps the stored token) with Jenkins, then save them."""
    form = await form_fields(request)
    values = {name: str(form.get(name, ""))[:_MAX_FIELD] for name in _EDIT_FIELDS}
    shown = {name: value for name, value in values.items() if name != "token"}  # a token is never sent back
    change = ConnectionChange(values["url"], values["username"], values["token"])
    settings = services_of(request.app.state).settings
    try:
        found = await edit_connection(db, settings, connection_id, change)
    except Invalid as exc:
        field = exc.field if exc.field in _EDIT_FIELDS else "url"
        return await _connection_page(request, db, connection_id, edit=shown, edit_errors={field: exc.problem})
    except Conflict as exc:
        return await _connection_page(request, db, connection_id, edit=shown, edit_errors={"url": exc.reason})
    return Redirect(f"/connections/{found.public_id}?edited=true", status_code=303)


@post("/connections/{connection_id:str}/rules", guards=[require_admin])
async def change_rules_page(request: Request[Any, Any, Any], db: Database, connection_id: str) -> Template | Redirect:
    """Add a folder rule or the top-folder rule; then link every unlinked job as the rules say."""
    form = await form_fields(request)
    found = await get_connection(db.read(), connection_id)
    rules = await link_rules.rules_of(db.read(), found.id)
    try:
        changed = _changed_rules(rules, form)
        async with db.write() as work:
            linked = await link_rules.save_rules(work, found.id, changed)
    except Invalid as exc:
        return await _connection_page(request, db, connection_id, error=exc.problem)
    return Redirect(f"/connections/{found.public_id}?linked={linked}", status_code=303)


def _changed_rules(rules: list[link_rules.LinkRule], form: dict[str, Any]) -> list[link_rules.LinkRule]:
    """``rules`` as the form asks: a folder rule or the top-folder rule added; raises ``Invalid``."""
    action = str(form.get("action", ""))
    if action == "add-folder":
        return [*rules, link_rules.LinkRule(str(form.get("folder", ""))[:_MAX_FIELD], _project_id(form))]
    if action == "add-top":
        return [*rules, link_rules.LinkRule(each_top_folder=True)]
    raise Invalid("action", "choose what to change")


@get("/connections/{connection_id:str}/rules/{index:int}/remove", guards=[require_admin])
async def confirm_remove_rule(
    request: Request[Any, Any, Any], db: Database, connection_id: str, index: int
) -> Template:
    """Ask before removing a link rule, naming it; a rule no longer there is said on the connection's page."""
    found = await get_connection(db.read(), connection_id)
    rules = await link_rules.rules_of(db.read(), found.id)
    if not 0 <= index < len(rules):
        return await _connection_page(request, db, connection_id, error=_GONE)
    rule = rules[index]
    return render(
        request,
        "pages/confirm.html",
        title=f"Remove a link rule · {found.name}",
        question=f"Remove the rule “{await _rule_words(db.read(), rule)}” from {found.name}?",
        consequence="Jobs it linked stay in their projects; jobs found from now on are linked by the rules left.",
        action=f"/connections/{found.public_id}/rules/{index}/remove",
        fields={"rule": _rule_key(rule)},
        verb="Remove rule",
        cancel=f"/connections/{found.public_id}",
    )


@post("/connections/{connection_id:str}/rules/{index:int}/remove", guards=[require_admin])
async def remove_rule_page(
    request: Request[Any, Any, Any], db: Database, connection_id: str, index: int
) -> Template | Redirect:
    """Remove the rule confirmed (unless the rules changed since), link the unlinked jobs as the rest say; say so."""
    form = await form_fields(request)
    found = await get_connection(db.read(), connection_id)
    rules = await link_rules.rules_of(db.read(), found.id)
    # An index alone could name another rule by now; the confirm page sent the rule it showed.
    if not 0 <= index < len(rules) or str(form.get("rule", "")) != _rule_key(rules[index]):
        return await _connection_page(request, db, connection_id, error=_GONE)
    removed = await _rule_words(db.read(), rules[index])
    try:
        async with db.write() as work:
            linked = await link_rules.save_rules(work, found.id, rules[:index] + rules[index + 1 :])
    except Invalid as exc:
        return await _connection_page(request, db, connection_id, error=exc.problem)
    said = urlencode({"removed": removed, "linked": linked})
    return Redirect(f"/connections/{found.public_id}?{said}", status_code=303)


_GONE = "that rule is no longer there; reload the page"


def _rule_key(rule: link_rules.LinkRule) -> str:
    """The rule as the confirm page posts it back, to be compared with the rule at its index then."""
    return msgspec.json.encode(rule).decode()


async def _rule_words(reads: Reads, rule: link_rules.LinkRule) -> str:
    """The rule in words, as the connection's page lists it."""
    if rule.each_top_folder or rule.project is None:
        return "each top-level folder is a project"
    try:
        project = (await get_project(reads, project_public_id(rule.project))).name
    except NotFound:
        project = project_public_id(rule.project)
    return f"jobs in {rule.folder} belong to {project}"


def _project_id(form: dict[str, Any]) -> int | None:
    chosen = str(form.get("project", ""))[:40]
    try:
        return project_row_id(chosen) if chosen else None
    except NotFound:
        raise Invalid("project", "choose a project from the list") from None


@post("/connections/{connection_id:str}/push-secret", guards=[require_admin])
async def push_secret_page(request: Request[Any, Any, Any], db: Database, connection_id: str) -> Redirect:
    """Make a new push URL (the previous one stops working); the connection's page shows it, this once."""
    found = await get_connection(db.read(), connection_id)
    async with db.write() as work:
        secret = await issue_push_secret(work, found.public_id)
    redirect = Redirect(f"/connections/{found.public_id}", status_code=303)
    keep_flash(
        request, redirect, Flash(_PUSH_FLASH, found.public_id, push_url(str(request.base_url), found.public_id, secret))
    )
    return redirect


ROUTES = [
    connections_page,
    add_connection_page,
    confirm_delete,
    delete_connection_page,
    sync_connection_page,
    connection_page,
    edit_connection_page,
    change_rules_page,
    confirm_remove_rule,
    remove_rule_page,
    push_secret_page,
]
