"""Every dashboard answer carries a strict Content-Security-Policy, and no template holds script the policy would block.

Issue 15: with ``script-src 'self'`` and no inline script, HTML that slips
past the sanitiser into a page cannot run; the API's JSON answers get
``default-src 'none'`` as they are never meant to render.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from ghee.dashboard import router
from tests.support.api import Api
from tests.support.blog import new_post
from tests.support.browser import Credentials, open_session_for
from tests.support.servers import Server

TEMPLATES = Path(__file__).parents[2] / "src" / "ghee" / "dashboard" / "templates"
REQUIRED = {
    "default-src": "'self'",
    "script-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}


def _directives(policy: str) -> dict[str, str]:
    pairs = (part.strip().split(None, 1) for part in policy.split(";") if part.strip())
    return {pair[0]: pair[1] if len(pair) > 1 else "" for pair in pairs}


def _assert_strict(response: httpx.Response) -> None:
    policy = response.headers.get("content-security-policy")
    assert policy, f"{response.request.url.path} answered {response.status_code} without a CSP"
    directives = _directives(policy)
    for name, value in REQUIRED.items():
        assert directives.get(name) == value, (response.request.url.path, name, directives.get(name))
    assert "'unsafe-inline'" not in directives["script-src"]
    assert "'unsafe-eval'" not in policy


def _get_paths() -> list[str]:
    """Every dashboard GET route without a path parameter."""
    return sorted({route.path for route in router.routes if "GET" in route.methods and "{" not in route.path})


@pytest.fixture
def client(dash_server: Server, admin: Credentials) -> Iterator[httpx.Client]:
    """An HTTP client signed in as the admin (the cookie a browser would send)."""
    cookies = {"ghee_session": open_session_for(dash_server, admin)}
    with httpx.Client(base_url=dash_server.base_url, cookies=cookies, timeout=30, follow_redirects=False) as opened:
        yield opened


@pytest.fixture
def api(dash_server: Server) -> Iterator[Api]:
    """An admin token's API client on the dashboard's server."""
    client = Api(dash_server, dash_server.token("admin"))
    yield client
    client.http.close()


@pytest.mark.parametrize("path", _get_paths())
def test_every_dashboard_page_carries_the_policy(client: httpx.Client, path: str) -> None:
    with client.stream("GET", path) as response:  # /live is an event stream: the headers are enough
        _assert_strict(response)


def test_pages_with_parameters_errors_and_redirects_carry_the_policy(
    client: httpx.Client, api: Api, dash_server: Server
) -> None:
    slug = new_post(api)
    for path in (f"/content/posts/{slug}/edit", f"/content/posts/{slug}/preview", "/content/posts/nope/edit"):
        _assert_strict(client.get(path))
    _assert_strict(client.get("/static/app.js"))
    _assert_strict(client.post("/content/posts/new", data={"title": "no token"}))  # the CSRF refusal page
    with httpx.Client(base_url=dash_server.base_url) as signed_out:
        _assert_strict(signed_out.get("/content/posts"))  # the redirect to the sign-in form
        _assert_strict(signed_out.get("/login"))


def test_a_browser_at_an_address_nothing_serves_gets_a_404_page_under_the_policy(
    client: httpx.Client, dash_server: Server
) -> None:
    browser = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
    for path in ("/no-such-page", "/content/posts/x/y/z"):
        page = client.get(path, headers=browser)
        assert page.status_code == 404
        assert page.headers["content-type"].startswith("text/html")
        assert "Page not found" in page.text
        _assert_strict(page)
    with httpx.Client(base_url=dash_server.base_url) as signed_out:
        assert signed_out.get("/no-such-page", headers=browser).status_code == 404
        # API clients, and browsers under an API's prefix, get the API's JSON as before.
        plain = signed_out.get("/no-such-page", headers={"Accept": "application/json"})
        assert (plain.status_code, plain.json()["error"]) == (404, "not_found")
        under_api = signed_out.get("/v2/no-such-thing/", headers=browser)
        assert under_api.status_code == 404
        assert under_api.headers["content-type"].startswith("application/json")


def test_the_json_api_answers_forbid_rendering(api: Api) -> None:
    for response in (api.get("/v2/posts/"), api.get("/v2/posts/no-such-post/")):
        directives = _directives(response.headers["content-security-policy"])
        assert directives == {"default-src": "'none'", "frame-ancestors": "'none'"}


_TEMPLATE_FILES = sorted(TEMPLATES.rglob("*.html"))
_INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
_SCRIPT_BODY = re.compile(r"<script\b[^>]*>\s*(?!</script>)\S", re.IGNORECASE)
_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)
_SCRIPT_URL = re.compile(r"javascript:", re.IGNORECASE)


@pytest.mark.parametrize("template", _TEMPLATE_FILES, ids=lambda path: str(path.relative_to(TEMPLATES)))
def test_no_template_holds_inline_script_or_handlers(template: Path) -> None:
    text = template.read_text()
    assert not _INLINE_SCRIPT.search(text), "a <script> without src= (move it into static/*.js)"
    assert not _SCRIPT_BODY.search(text), "a <script> with a body (move it into static/*.js)"
    assert not _HANDLER.search(text), "an on*= handler attribute (use addEventListener in static/*.js)"
    assert not _SCRIPT_URL.search(text), "a javascript: URL"
