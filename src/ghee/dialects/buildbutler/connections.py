"""BuildButler's connections (seed 001): the Jenkins servers ghee syncs from.

A token is checked against the server before anything is stored, kept
sealed, and never returned.
"""

from __future__ import annotations

import msgspec
from litestar import Response, delete, get, post, put
from litestar.openapi.datastructures import ResponseSpec

from ghee.clock import iso
from ghee.core import connections
from ghee.core.jobs import link_rules
from ghee.core.projects import project_public_id, project_row_id
from ghee.db.database import Database
from ghee.dialects.buildbutler.errors import ERRORS, BuildButlerError
from ghee.dialects.buildbutler.paging import Meta, Page, PerPage, window
from ghee.errors import Invalid, NotFound
from ghee.http.auth import ApiRequest, requires
from ghee.http.services import services_of
from ghee.integrations.jenkins.connect import add_connection
from ghee.integrations.jenkins.push import push_url

_CREATE_ERRORS = {
    **ERRORS,
    409: ResponseSpec(BuildButlerError, description="conflict: a connection with this name exists"),
}


class BuildButlerConnection(msgspec.Struct, rename="camel"):
    id: str
    name: str
    url: str
    username: str
    status: str  # new (never synced), ok, error
    last_error: str | None
    last_sync_at: str | None
    next_sync_at: str | None
    jobs: int
    created_at: str | None
    demo: bool  # ghee's addition: the demo's sample Jenkins (``ghee demo``), never contacted


class ConnectionList(msgspec.Struct):
    data: list[BuildButlerConnection]
    meta: Meta


class NewConnectionBody(msgspec.Struct):
    name: str
    url: str
    username: str
    token: str


def connection_shape(connection: connections.Connection) -> BuildButlerConnection:
    return BuildButlerConnection(
        connection.public_id,
        connection.name,
        connection.url,
        connection.username,
        connection.status,
        connection.last_error,
        iso(connection.last_sync_at),
        iso(connection.next_sync_at),
        connection.jobs,
        iso(connection.created_at),
        connection.demo,
    )


@get("/connections", responses=ERRORS, opt=requires("admin", unbound=True))
async def list_connections(request: ApiRequest, page: Page = 1, per_page: PerPage = 25) -> ConnectionList:
    """List Jenkins connections with their sync status, last error and last sync time."""
    found, total = await connections.list_connections(request.reads, window(page, per_page))
    return ConnectionList([connection_shape(c) for c in found.items], Meta(page, per_page, total))


@post("/connections", responses=_CREATE_ERRORS, status_code=201, opt=requires("admin", unbound=True))
async def create_connection(request: ApiRequest, db: Database, data: NewConnectionBody) -> BuildButlerConnection:
    """Connect a Jenkins server; its credentials are checked first (400 if refused or unreachable)."""
    new = connections.NewConnection(data.name, data.url, data.username, data.token)
    made = await add_connection(db, services_of(request.app.state).settings, new)
    return connection_shape(made)


@delete(
    "/connections/{connection_id:str}", responses=_CREATE_ERRORS, status_code=204, opt=requires("admin", unbound=True)
)
async def delete_connection(db: Database, connection_id: str, purge: bool = False) -> Response[None]:
    """Archive a connection: no more syncing; its jobs and builds stay, readable and counted.

    ``?purge=true`` removes it with its jobs, builds and what the rollups counted of them; 409 while a deployment
    was made from one of its builds.
    """
    async with db.write() as work:
        if purge:
            await connections.purge_connection(work, connection_id)
        else:
            await connections.archive_connection(work, connection_id)
    return Response(None, status_code=204)


class PushSecret(msgspec.Struct):
    """A connection's new push URL, shown once (ghee keeps only a hash of the secret in it)."""

    url: str
    secret: str


@post(
    "/connections/{connection_id:str}/push-secret",
    responses=ERRORS,
    status_code=201,
    opt=requires("admin", unbound=True),
)
async def issue_push_secret(request: ApiRequest, db: Database, connection_id: str) -> PushSecret:
    """Make a new push URL for Jenkins' Notification plugin (the previous one stops working); shown once."""
    async with db.write() as work:
        secret = await connections.issue_push_secret(work, connection_id)
    return PushSecret(push_url(services_of(request.app.state).settings.site.public_url, connection_id, secret), secret)


class WireRule(msgspec.Struct, rename="camel", omit_defaults=True, forbid_unknown_fields=True):
    """A link rule: ``{"folder": "game", "project": "proj_…"}`` or ``{"eachTopFolder": true}``."""

    folder: str | None = None
    project: str | None = None
    each_top_folder: bool = False


class LinkRulesBody(msgspec.Struct, forbid_unknown_fields=True):
    rules: list[WireRule]


class LinkRules(msgspec.Struct):
    rules: list[WireRule]
    linked: int | None = None  # jobs the saved rules linked just now


def _wire(rule: link_rules.LinkRule) -> WireRule:
    project = None if rule.project is None else project_public_id(rule.project)
    return WireRule(rule.folder, project, rule.each_top_folder)


def _domain(rule: WireRule) -> link_rules.LinkRule:
    try:
        project = None if rule.project is None else project_row_id(rule.project)
    except NotFound:
        raise Invalid("rules", f"no project {rule.project}") from None
    return link_rules.LinkRule(rule.folder, project, rule.each_top_folder)


@get("/connections/{connection_id:str}/link-rules", responses=ERRORS)
async def get_link_rules(request: ApiRequest, connection_id: str) -> LinkRules:
    """The connection's link rules: which project a job belongs to, by the folder it sits in."""
    rules = await link_rules.rules_of(request.reads, connections.connection_row_id(connection_id))
    return LinkRules([_wire(rule) for rule in rules])


@put("/connections/{connection_id:str}/link-rules", responses=ERRORS, opt=requires("admin", unbound=True))
async def put_link_rules(db: Database, connection_id: str, data: LinkRulesBody) -> LinkRules:
    """Replace the connection's link rules, then link every job of it that belongs to no project as they say."""
    rules = [_domain(rule) for rule in data.rules]
    async with db.write() as work:
        linked = await link_rules.save_rules(work, connections.connection_row_id(connection_id), rules)
        saved = await link_rules.rules_of(work, connections.connection_row_id(connection_id))
    return LinkRules([_wire(rule) for rule in saved], linked)


ROUTES = [list_connections, create_connection, delete_connection, issue_push_secret, get_link_rules, put_link_rules]
