"""No answer, header or log line carries the token a request came with: every route of the app, called with one.

Issue 15, item 11: the feeds echoed ``?auth_token=`` in their links. This
calls every route of the app's route table (so a new route is covered the
day it is added) with real ids of every kind, the token sent as
``Authorization: Bearer`` and as ``?auth_token=``, signed in to the
dashboard and not, and looks for the token in the answer's headers, its
body and the server's log. A route whose path names a parameter no fixture
fills fails the test until one is added (``_VALUE_OF``).
"""

from __future__ import annotations

import re
import secrets
import time
import uuid
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from ghee import ids
from ghee.core.builds.model import build_public_id
from ghee.core.jobs.link_rules import LinkRule, save_rules
from ghee.core.jobs.model import job_public_id
from ghee.core.tokens import create_token
from ghee.core.users import create_user, find_user
from ghee.dashboard.assets import static_url
from ghee.db.database import opened
from ghee.delivery.outbox import hand_on_events
from ghee.reference import asset_url as reference_asset_url
from tests.support.api import Api
from tests.support.blog import new_author, new_post
from tests.support.browser import signed_in_client
from tests.support.buildbutler_factory import in_db, new_build, new_connection, new_job
from tests.support.content import new_collection, new_items, new_page, new_page_type
from tests.support.media import image_bytes, upload
from tests.support.servers import Server, serve_fresh
from tests.support.services import run_async

SKIPPED: dict[tuple[str, str], str] = {}
"""Routes not called, with the reason: none. (HEAD and OPTIONS are called like the rest.)"""

NOT_FOUND_BY_DESIGN = {("GET", "/docs/{path:str}")}
"""GET routes with path parameters that answer 404 whatever they are given: Litestar's answer for an unknown
OpenAPI page. Every other GET route with parameters must find its fixture (a 404 there means a fake id)."""

_PARAMETER = re.compile(r"\{(\w+)(?::\w+)?\}")


@pytest.fixture(scope="module")
def scanned(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server of its own: the scan deletes what it made, and its log is read whole."""
    yield from serve_fresh(
        backend, tmp_path_factory, "token-scan", GHEE_ACCESS_LOG="on", GHEE_WEBHOOK_ALLOW_PRIVATE="1"
    )


@dataclass
class Estate:
    """One real resource of every kind a route's path names, by the name ``_VALUE_OF`` gives it."""

    values: dict[str, str]
    session: httpx.Client
    """Signed in to the dashboard as an admin (cookie and CSRF header)."""


def _estate(server: Server, api: Api) -> Estate:
    project = api.new_project()
    changelist = api.new_changelist(project["id"], 4242, files=[("Content/Maps/Arena.umap", "add")])
    build = api.finished_build(project["id"])
    deployment = api.ok("POST", f"/v1/builds/{build['id']}/deployments", 201, json={"platform": "steam"})
    asset = api.ok("GET", f"/v1/projects/{project['id']}/assets")["assets"][0]
    webhook = api.ok("POST", "/v1/webhooks", 201, json={"url": "http://127.0.0.1:9/hook", "events": ["*"]})
    api.new_build(project["id"])  # an event for the webhook

    async def fan_out() -> None:
        async with opened(server.database_url) as db, db.write() as work:
            await hand_on_events(work, 1000)

    run_async(fan_out)
    delivery = api.ok("GET", f"/v1/webhooks/{webhook['id']}/deliveries")["deliveries"][0]
    connection_row, _ = in_db(server, new_connection)
    job_row = in_db(server, lambda work: new_job(work, connection_row))
    in_db(server, lambda work: save_rules(work, connection_row, [LinkRule(each_top_folder=True)]))  # rule 0
    jenkins_build_row = in_db(server, lambda work: new_build(work, job_row, 1, "FAILURE", log="error: boom\n"))
    cause = api.ok(
        "POST",
        "/api/v1/failure-causes",
        201,
        json={"name": f"scan_{uuid.uuid4().hex[:6]}", "category": "license", "indications": ["license refused"]},
    )
    author = new_author(api)
    post = new_post(api, author={"slug": author}, categories=["News"], tags=["patch"])
    page_type = new_page_type(api, [{"key": "headline", "type": "text"}])
    page = f"page-{uuid.uuid4().hex[:8]}"
    new_page(api, page_type, page, {"headline": "Season two"})
    collection = new_collection(api, [{"key": "title", "type": "text"}])
    item = new_items(api, collection, [{"title": "One"}])[0]
    media = upload(api.http, image_bytes((40, 30))).json()["data"]["url"].partition("/media/")[2]
    session, who = signed_in_client(server, is_admin=True)

    async def user_token() -> str:
        async with opened(server.database_url) as db, db.write() as work:
            user = await find_user(work, who.email)
            assert user is not None
            return (await create_token(work, name="laptop", scope="read", user_id=user.id))[0].public_id

    async def other_user() -> str:
        async with opened(server.database_url) as db, db.write() as work:
            email = f"scanned-{uuid.uuid4().hex[:8]}@example.com"
            password = "a long enough password"  # noqa: S105 (a scanned user's password)
            return (await create_user(work, email=email, password=password)).public_id

    values = {
        "project": project["id"],
        "changelist": changelist["id"],
        "build": build["id"],
        "deployment": deployment["id"],
        "asset": asset["id"],
        "webhook": webhook["id"],
        "delivery": delivery["id"],
        "connection": ids.encode("conn", connection_row),
        "job": job_public_id(job_row),
        "jenkins_build": build_public_id(jenkins_build_row),
        "cause": cause["id"],
        "post": post,
        "author": author,
        "category": "news",
        "tag": "patch",
        "page_type": page_type,
        "page": page,
        "collection": collection,
        "item": str(item),
        "media": media,
        "terms": "tags",
        "revision": "1",
        "static": static_url("app.js").removeprefix("/static/"),
        "docs": "no-such-page",
        "reference_asset": reference_asset_url("reference.js").removeprefix("/docs/assets/"),
        "user_token": run_async(user_token),
        "user": run_async(other_user),
        "rule": "0",
    }
    return Estate(values, session)


_VALUE_OF: list[tuple[str, str, str]] = [
    # (the path starts with, the parameter, the kind of resource): the first match wins
    ("/api/v1/builds/", "build_id", "jenkins_build"),
    ("/v2/authors/", "slug", "author"),
    ("/v2/categories/", "slug", "category"),
    ("/v2/tags/", "slug", "tag"),
    ("/v2/pages/", "slug", "page"),
    ("/content/pages/", "slug", "page"),
    ("/v2/page_types/", "key", "page_type"),
    ("/content/page-types/", "key", "page_type"),
    ("/content/authors/", "slug", "author"),
    ("/content/terms/", "kind", "terms"),
    ("/content/terms/", "slug", "tag"),
    ("/content/media/", "handle", "media"),
    ("/", "number", "revision"),
    ("/", "slug", "post"),
    ("/", "key", "collection"),
    ("/", "app_id", "project"),
    ("/", "project_id", "project"),
    ("/", "build_id", "build"),
    ("/", "changelist_id", "changelist"),
    ("/", "asset_id", "asset"),
    ("/", "deployment_id", "deployment"),
    ("/", "webhook_id", "webhook"),
    ("/", "delivery_id", "delivery"),
    ("/", "connection_id", "connection"),
    ("/connections/", "index", "rule"),
    ("/", "job_id", "job"),
    ("/", "cause_id", "cause"),
    ("/", "page_type", "page_type"),
    ("/", "item_id", "item"),
    ("/media/", "path", "media"),
    ("/docs/assets/", "filename", "reference_asset"),
    ("/docs/", "path", "docs"),
    ("/", "filename", "static"),
    ("/", "token_id", "user_token"),
    ("/", "user_id", "user"),
]


def _path(template: str, estate: Estate) -> str:
    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        kind = next((kind for start, param, kind in _VALUE_OF if param == name and template.startswith(start)), None)
        assert kind is not None, f"no fixture for {{{name}}} of {template}: add one to _VALUE_OF"
        return estate.values[kind]

    return _PARAMETER.sub(fill, template)


def _routes() -> list[tuple[str, str]]:
    """``(method, path template)`` of every route of the app: reads, then writes, then what deletes, sign-out last."""
    with warnings.catch_warnings():
        # Litestar deprecates the Parameter(query=...) that ghee's analytics routes declare; nothing to fix here.
        warnings.simplefilter("ignore", DeprecationWarning)
        from ghee.app import create_app  # noqa: PLC0415

        app = create_app()
    found = [
        (method, route.path)
        for route in app.routes
        for method in sorted(getattr(route, "methods", ()))
        if (method, route.path) not in SKIPPED
    ]

    def order(route: tuple[str, str]) -> tuple[int, bool]:
        method, path = route
        reads = method in {"GET", "HEAD", "OPTIONS"}
        if path == "/logout":
            return 3, not reads
        if method == "DELETE" or path.endswith(("/delete", "/revoke")):
            return 2, not reads  # the confirmation pages before what deletes
        return (0 if reads else 1), False

    return sorted(found, key=order)


@dataclass
class Answer:
    status: int
    headers: str
    body: bytes


def _call(client: httpx.Client, method: str, path: str, **sent: object) -> Answer:
    """One request; a server-sent event stream is read up to its first event (it would not end)."""
    body = None if method in {"GET", "HEAD", "OPTIONS", "DELETE"} else b"{}"
    with client.stream(method, path, content=body, **sent) as response:  # type: ignore[arg-type]
        if response.headers.get("content-type", "").startswith("text/event-stream"):
            read = b""
            for line in response.iter_lines():
                read += line.encode() + b"\n"
                if line.startswith("data: "):
                    break
        else:
            read = response.read()
        headers = "\n".join(f"{name}: {value}" for name, value in response.headers.multi_items())
        return Answer(response.status_code, headers, read)


def _log(server: Server) -> str:
    """The server's log, once the access line of a request sent now is in it (every earlier one is too)."""
    marker = uuid.uuid4().hex
    httpx.get(f"{server.base_url}/v1/projects", headers={"X-Request-ID": marker}, timeout=30)
    log = Path(server.env["GHEE_MEDIA_DIR"]).with_name("serve.log")
    deadline = time.monotonic() + 30
    while marker not in (text := log.read_text(encoding="utf-8", errors="replace")):
        assert time.monotonic() < deadline, f"no access line for {marker} in {log}"
        time.sleep(0.05)
    return text


def test_no_route_repeats_the_token_it_was_called_with(scanned: Server) -> None:
    token = scanned.token("admin")
    api = Api(scanned, token)
    try:
        estate = _estate(scanned, api)
    except BaseException:
        api.http.close()
        raise
    anonymous = httpx.Client(base_url=scanned.base_url, timeout=30, follow_redirects=False)
    event_log = {"Last-Event-ID": ids.encode("evt", 1)}  # /live replays from the first event
    leaks: list[str] = []
    fake_ids: list[str] = []
    try:
        for method, template in _routes():
            path = _path(template, estate)
            sent = {
                "bearer, signed in": (estate.session, {"headers": {"Authorization": f"Bearer {token}", **event_log}}),
                "query, signed in": (estate.session, {"params": {"auth_token": token}, "headers": event_log}),
                "query, signed out": (anonymous, {"params": {"auth_token": token}}),
            }
            for how, (client, options) in sent.items():
                answer = _call(client, method, path, **options)
                if token in answer.headers or token.encode() in answer.body:
                    leaks.append(f"{method} {template} ({how}): {answer.status}")
                if how == "bearer, signed in" and method == "GET" and "{" in template and answer.status == 404:
                    fake_ids.append(f"{method} {template}")
        log = _log(scanned)
    finally:
        anonymous.close()
        estate.session.close()
        api.http.close()
    assert not leaks, "\n".join(leaks)
    assert token not in log
    assert set(fake_ids) == {f"{method} {path}" for method, path in NOT_FOUND_BY_DESIGN}


def test_a_wrong_token_is_not_logged_either(scanned: Server) -> None:
    wrong = f"ghee_{secrets.token_urlsafe(32)}"
    paths = ["/v1/projects", "/api/v1/jobs", "/v2/posts/", "/feeds/rss.xml", "/v1/apps", "/media/x", "/builds"]
    with httpx.Client(base_url=scanned.base_url, timeout=30, follow_redirects=False) as client:
        for path in paths:
            by_header = client.get(path, headers={"Authorization": f"Bearer {wrong}"})
            by_query = client.get(path, params={"auth_token": wrong})
            for answer in (by_header, by_query):
                assert wrong not in answer.text
                assert wrong not in str(answer.headers)
    assert wrong not in _log(scanned)
