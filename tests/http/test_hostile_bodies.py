"""Hostile request bodies on every body route (issue 15, item 3): a clear 4xx, never a 5xx or a traceback.

The routes come from the app's own route table, so a new body route is
covered without a line here. Each gets form and JSON bodies nested too deep,
too wide, with a huge list position, a NUL, or bytes that are not UTF-8:
without credentials (a 401, or the dashboard's sign-in redirect, before the
body is read) and with them (a 400 in the dialect's envelope, or whatever
the route answers when it reads no body, never a 5xx). The slowest answer and
what it costs other requests are measured by ``bench/hostile_bodies.py``.
"""

from __future__ import annotations

import re
import socket
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from litestar import Litestar

from ghee.core.sessions import open_session
from ghee.core.users import create_user
from ghee.dashboard.web import CSRF_HEADER, SESSION_COOKIE, SIGN_IN_CSRF_COOKIE
from ghee.db.database import opened
from ghee.http.bodies import MAX_BODY, MAX_DEPTH, MAX_FIELDS, MAX_FORM_BODY
from tests.support.databases import make_database
from tests.support.servers import Server, start_server
from tests.support.services import run_async

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d4944415478da63f8cfc0f01f0005000201a2e1a10d0000000049454e44ae426082"
)
"""A 1x1 PNG: an upload that gets as far as being stored."""
BOUNDARY = "hostile-boundary"
MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"


def multipart(fields: dict[str, bytes], files: dict[str, tuple[str, bytes]] | None = None) -> bytes:
    """A ``multipart/form-data`` body of ``fields`` and ``files`` (name: (filename, content)), bytes as given."""
    parts = [
        b'--%s\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n' % (BOUNDARY.encode(), name.encode(), value)
        for name, value in fields.items()
    ]
    parts += [
        b'--%s\r\nContent-Disposition: form-data; name="%s"; filename="%s"\r\nContent-Type: image/png\r\n\r\n%s\r\n'
        % (BOUNDARY.encode(), name.encode(), filename.encode(), content)
        for name, (filename, content) in (files or {}).items()
    ]
    return b"".join(parts) + b"--%s--\r\n" % BOUNDARY.encode()


API_PREFIXES = ("/v1/", "/api/v1/", "/v2/")
PUSH_ROUTE = "/api/v1/connections/{connection_id:str}/notifications"
"""Jenkins pushes carry a per-connection secret, not a token: an unknown connection's push is a 401 as well."""

HOSTILE: dict[str, tuple[str, bytes]] = {
    "form nested 600 deep": (FORM, b"x" + b"[a]" * 600 + b"=1"),
    "form list nested 600 deep": (FORM, b"x" + b"[0]" * 600 + b"=1"),
    "form 5000-digit list position": (FORM, b"x[" + b"9" * 5000 + b"]=1"),
    "form 5000 fields": (FORM, b"&".join(b"k%d=v" % i for i in range(5000))),
    "form 5000 list items": (FORM, b"&".join(b"x[%d]=v" % i for i in range(5000))),
    "form NUL": (FORM, b"name=a%00b&title=a%00b&slug=a%00b&email=a%00b"),
    "form percent-encoded non-UTF-8": (FORM, b"name=%FF%FE&title=%C3"),
    "form raw non-UTF-8": (FORM, b"name=\xff\xfe"),
    "form name both value and object": (FORM, b"a=1&a[b]=2"),
    "json arrays 3000 deep": (JSON, b"[" * 3000 + b"]" * 3000),
    "json objects 3000 deep in a field": (JSON, b'{"name": ' + b'{"a":' * 3000 + b"1" + b"}" * 3000 + b"}"),
    "json 20000 keys": (JSON, b"{" + b",".join(b'"k%d":%d' % (i, i) for i in range(20000)) + b"}"),
    "json 100000 items": (JSON, b"[" + b"0," * 100000 + b"0]"),
    "json 5000-digit number": (JSON, b'{"name": 1' + b"0" * 5000 + b', "number": 1' + b"0" * 5000 + b"}"),
    "json NUL": (JSON, b'{"name": "a\\u0000b", "title": "a\\u0000b", "slug": "a\\u0000b", "email": "a\\u0000b"}'),
    "json non-UTF-8": (JSON, b'{"name": "\xff\xfe", "title": "\xc3"}'),
    "multipart NUL": (MULTIPART, multipart({"name": b"a\x00b", "title": b"a\x00b", "slug": b"a\x00b"})),
    "multipart non-UTF-8": (MULTIPART, multipart({"name": b"\xff\xfe", "title": b"\xc3", "slug": b"\xff"})),
    "multipart 5000 parts": (MULTIPART, multipart({f"k{i}": b"v" for i in range(5000)})),
    "multipart name nested 600 deep": (MULTIPART, multipart({"x" + "[a]" * 600: b"1"})),
    "multipart NUL filename": (
        MULTIPART,
        multipart({}, files={"file": ("a\x00b.png", PNG)}),
    ),
}


@dataclass(frozen=True)
class BodyRoute:
    """One route that takes a body, with its path filled in with sample parameters."""

    method: str
    template: str
    path: str

    @property
    def is_api(self) -> bool:
        return self.path.startswith(API_PREFIXES)


def body_routes() -> list[BodyRoute]:
    """Every POST, PUT and PATCH route of the app (its route table, as ``ghee serve`` builds it)."""
    with warnings.catch_warnings():
        # Litestar 2.25 deprecates what most routes still do (inferred dependencies and parameters);
        # ``ghee serve`` builds the same table without turning its warnings into errors.
        warnings.simplefilter("ignore", DeprecationWarning)
        from ghee.app import ROUTE_HANDLERS  # noqa: PLC0415

        app = Litestar(route_handlers=list(ROUTE_HANDLERS))
    found = []
    for route in app.routes:
        for method in sorted(getattr(route, "methods", ())):
            if method in {"POST", "PUT", "PATCH"}:
                path = re.sub(r"\{[^}:]+:int\}", "1", re.sub(r"\{[^}:]+:(str|path)\}", "x", route.path))
                found.append(BodyRoute(method, route.path, path))
    return found


@dataclass(frozen=True)
class Target:
    """A ``ghee serve`` of its own (its log is read) with an admin token and a signed-in admin's session."""

    server: Server
    log: Path
    token: str
    session: str
    csrf: str

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.server.base_url, timeout=60, follow_redirects=False)


def _sign_in(server: Server) -> tuple[str, str]:
    async def run() -> tuple[str, str]:
        async with opened(server.database_url) as db, db.write() as work:
            password = "correct horse battery staple"  # noqa: S105 (a test user's)
            user = await create_user(work, email="hostile@example.com", password=password, is_admin=True)
            session, cookie = await open_session(work, user)
            return cookie, session.csrf_token

    return run_async(run)


@pytest.fixture(scope="module")
def target(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    tmp = tmp_path_factory.mktemp(f"hostile-{backend}")
    url, drop = make_database(backend, tmp)
    server = start_server(url, tmp / "serve.log")
    cookie, csrf = _sign_in(server)
    yield Target(server, tmp / "serve.log", server.token("admin"), cookie, csrf)
    server.stop()
    drop()


def assert_no_traceback(log: Path) -> None:
    text = log.read_text(errors="replace")
    assert "Traceback" not in text, text[text.index("Traceback") - 400 :][:3000]


def test_the_route_table_lists_every_dialects_body_routes_and_the_dashboards() -> None:
    templates = {(route.method, route.template) for route in body_routes()}
    assert {
        ("POST", "/v1/projects"),
        ("POST", "/v1/apps/{app_id:str}/build"),
        ("POST", "/api/v1/failure-causes"),
        ("POST", "/v2/posts"),
        ("POST", "/login"),
        ("POST", "/content/posts/{slug:str}/edit"),
    } <= templates


def test_without_credentials_every_body_route_refuses_hostile_bodies_before_reading_them(target: Target) -> None:
    failures = []
    with target.client() as client:
        for route in body_routes():
            for name, (media, body) in HOSTILE.items():
                response = client.request(route.method, route.path, content=body, headers={"Content-Type": media})
                if route.is_api:
                    expected = response.status_code == 401
                elif route.template == "/login":  # public: no sign-in CSRF cookie, so the form is not read
                    expected = response.status_code == 403
                else:
                    expected = response.status_code in (302, 303) and "/login" in response.headers["location"]
                if not expected:
                    failures.append(
                        f"{route.method} {route.path} [{name}]: {response.status_code} {response.text[:200]}"
                    )
    assert not failures, "\n".join(failures)
    assert_no_traceback(target.log)


def test_with_credentials_every_body_route_answers_hostile_bodies_with_a_4xx(target: Target) -> None:
    failures = []
    api = {"Authorization": f"Bearer {target.token}"}
    dashboard = {CSRF_HEADER: target.csrf, "Cookie": f"{SESSION_COOKIE}={target.session}"}
    with target.client() as client:
        for route in body_routes():
            if route.template == "/logout":
                continue  # it reads no body, and would end the session the other dashboard routes use
            for name, (media, body) in HOSTILE.items():
                headers = {"Content-Type": media, **(api if route.is_api else dashboard)}
                response = client.request(route.method, route.path, content=body, headers=headers)
                client.cookies.clear()  # no cookie a route sets carries over to the next
                if response.status_code >= 500:
                    failures.append(
                        f"{route.method} {route.path} [{name}]: {response.status_code} {response.text[:200]}"
                    )
    assert not failures, "\n".join(failures)
    assert_no_traceback(target.log)


def test_the_public_sign_in_form_answers_hostile_bodies_with_a_400_page(target: Target) -> None:
    """Anyone can post the sign-in form (its CSRF cookie is the visitor's own): its body is read within limits."""
    failures = []
    headers = {CSRF_HEADER: "forged", "Cookie": f"{SIGN_IN_CSRF_COOKIE}=forged"}
    with target.client() as client:
        for name, (media, body) in HOSTILE.items():
            response = client.post("/login", content=body, headers={"Content-Type": media, **headers})
            client.cookies.clear()
            if response.status_code != 400 or not response.headers["content-type"].startswith("text/html"):
                failures.append(f"[{name}]: {response.status_code} {response.text[:200]}")
    assert not failures, "\n".join(failures)
    assert_no_traceback(target.log)


def _api(target: Target, method: str, path: str, media: str, body: bytes) -> httpx.Response:
    with target.client() as client:
        headers = {"Content-Type": media, "Authorization": f"Bearer {target.token}"}
        return client.request(method, path, content=body, headers=headers)


DEEP_FORM = b"name=x&x" + b"[a]" * (MAX_DEPTH + 1) + b"=1"


def test_form_names_nested_past_the_limit_are_a_400_in_each_dialects_envelope(target: Target) -> None:
    butterstack = _api(target, "POST", "/v1/projects", FORM, DEEP_FORM)
    assert butterstack.status_code == 400, butterstack.text
    assert butterstack.json() == {
        "error": "bad_request",
        "message": f"body: form field names must not nest deeper than {MAX_DEPTH} levels",
    }
    buddybuild = _api(target, "POST", "/v1/apps/x/build", FORM, DEEP_FORM)
    assert buddybuild.status_code == 400, buddybuild.text
    assert buddybuild.json() == {"error": f"body: form field names must not nest deeper than {MAX_DEPTH} levels"}
    buildbutler = _api(target, "POST", "/api/v1/failure-causes", FORM, DEEP_FORM)
    assert buildbutler.status_code == 400, buildbutler.text
    assert buildbutler.json()["error"]["code"] == "bad_request"
    assert buildbutler.json()["error"]["details"] == {"field": "body"}
    buttercms = _api(target, "POST", "/v2/posts", FORM, DEEP_FORM)
    assert buttercms.status_code == 400, buttercms.text
    assert buttercms.json() == {"body": [f"form field names must not nest deeper than {MAX_DEPTH} levels"]}


def test_a_form_nested_within_the_limit_still_works(target: Target) -> None:
    body = b"name=Nested&engine=unreal&x" + b"[a]" * (MAX_DEPTH - 2) + b"=1"
    response = _api(target, "POST", "/v1/projects", FORM, body)
    assert response.status_code == 201, response.text


def test_json_nested_2000_deep_is_a_400_with_a_token(target: Target) -> None:
    response = _api(target, "POST", "/v1/projects", JSON, b'{"name": ' + b"[" * 2000 + b"]" * 2000 + b"}")
    assert response.status_code == 400, response.text
    assert response.json() == {"error": "bad_request", "message": f"body: must not nest deeper than {MAX_DEPTH} levels"}


def test_brackets_inside_json_strings_do_not_count_as_nesting(target: Target) -> None:
    name = "[{" * 40 + '\\"' + "]}" * 40  # more brackets than the limit, all inside a string
    response = _api(target, "POST", "/v1/projects", JSON, f'{{"name": "{name}", "engine": "unreal"}}'.encode())
    assert response.status_code == 201, response.text


def test_a_5000_digit_list_position_is_a_400(target: Target) -> None:
    response = _api(target, "POST", "/v2/posts", FORM, b"title=x&tags[" + b"9" * 5000 + b"]=1")
    assert response.status_code == 400, response.text
    assert response.json() == {"body": ["a list position in a form field name must be below 1000000"]}


def test_a_form_with_more_fields_than_the_limit_is_a_400(target: Target) -> None:
    body = b"&".join(b"k%d=v" % i for i in range(MAX_FIELDS + 1))
    response = _api(target, "POST", "/api/v1/failure-causes", FORM, body)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["message"] == f"body: a form must have at most {MAX_FIELDS} fields"


def test_bodies_past_their_size_limit_are_a_400(target: Target) -> None:
    form = _api(target, "POST", "/v2/posts", FORM, b"title=" + b"%41" * (MAX_FORM_BODY // 3))
    assert form.status_code == 400, form.text
    assert form.json() == {"body": [f"must be at most {MAX_FORM_BODY} bytes"]}
    json = _api(target, "POST", "/v1/projects", JSON, b'{"name": "' + b"a" * MAX_BODY + b'"}')
    assert json.status_code == 400, json.text
    assert json.json() == {"error": "bad_request", "message": f"body: must be at most {MAX_BODY} bytes"}


def test_a_nul_in_a_body_is_a_400_on_every_database(target: Target) -> None:
    """PostgreSQL cannot store a NUL in text: a NUL in a name answered 500 there."""
    for media, body in (
        (JSON, b'{"name": "Null\\u0000Island", "engine": "unreal"}'),
        (FORM, b"name=Null%00Island&engine=unreal"),
    ):
        response = _api(target, "POST", "/v1/projects", media, body)
        assert response.status_code == 400, response.text
        assert response.json() == {"error": "bad_request", "message": "body: must not contain NUL characters"}
    escaped = _api(
        target, "POST", "/v1/projects", JSON, b'{"name": "a backslash, then u0000: \\\\u0000", "engine": "unreal"}'
    )
    assert escaped.status_code == 201, escaped.text
    assert escaped.json()["name"] == "a backslash, then u0000: \\u0000"


def test_a_dashboard_form_past_the_limits_answers_the_html_error_page(target: Target) -> None:
    with target.client() as client:
        client.cookies.set(SESSION_COOKIE, target.session)
        response = client.post(
            "/webhooks", content=DEEP_FORM + b"&_csrf=" + target.csrf.encode(), headers={"Content-Type": FORM}
        )
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("text/html")
    assert f"must not nest deeper than {MAX_DEPTH} levels" in response.text


def test_a_7_mb_form_without_a_token_is_refused_before_its_body_is_sent(target: Target) -> None:
    """The 401 comes back after the headers and the first kilobyte: the rest of the body is never waited for."""
    address = urlsplit(target.server.base_url)
    with socket.create_connection((address.hostname, address.port), timeout=30) as sock:
        sock.sendall(
            b"POST /v2/posts HTTP/1.1\r\nHost: ghee\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: %d\r\n\r\n" % (7 * 1024 * 1024) + b"x" + b"[a]" * 300
        )
        answer = sock.recv(65536)
    assert answer.startswith(b"HTTP/1.1 401"), answer[:200]
    assert b"Authentication credentials were not provided." in answer
