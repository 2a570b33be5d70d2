"""``/docs`` is served by ghee alone: its files are ghee's, pinned, and it renders with every other host unreachable."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Route, expect

from ghee import reference
from tests.support.browser import DESKTOP, launched_chromium
from tests.support.servers import Server, shared_server

VENDORED = Path(reference.__file__).parent
_MEDIA_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Server:
    """The test process's SQLite ``ghee serve`` (the page does not depend on the database)."""
    return shared_server("sqlite", tmp_path_factory, "server")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with launched_chromium() as launched:
        yield launched


class _Loads(HTMLParser):
    """Every URL a page loads by itself: ``<script src>`` and ``<link href>``."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        wanted = {"script": "src", "link": "href"}.get(tag)
        self.urls += [value for name, value in attrs if name == wanted and value]


def _loaded_by(page_html: str) -> list[str]:
    parser = _Loads()
    parser.feed(page_html)
    return parser.urls


def test_every_file_the_page_loads_is_ghees_own_with_its_content_type_kept_a_year(served: Server) -> None:
    page = httpx.get(served.base_url + "/docs", timeout=30)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    urls = [urljoin(served.base_url + "/docs", url) for url in _loaded_by(page.text)]
    assert len(urls) == 3  # the stylesheet, the bundle and reference.js
    for url in urls:
        assert urlsplit(url).netloc == urlsplit(served.base_url).netloc, url
        answer = httpx.get(url, timeout=30)
        assert answer.status_code == 200, url
        assert answer.headers["content-type"] == _MEDIA_TYPES[Path(urlsplit(url).path).suffix], url
        assert answer.headers["cache-control"] == "public, max-age=31536000, immutable"


def test_the_page_carries_a_policy_without_inline_script_eval_or_other_hosts(served: Server) -> None:
    policy = httpx.get(served.base_url + "/docs", timeout=30).headers["content-security-policy"]
    assert policy == reference.CONTENT_SECURITY_POLICY
    assert "unsafe" not in policy
    assert "http" not in policy
    assert "script-src 'self';" in policy


def test_an_assets_old_name_is_not_found(served: Server) -> None:
    assert httpx.get(served.base_url + "/docs/assets/swagger-ui.000000000000.css", timeout=30).status_code == 404


def test_the_vendored_files_are_the_recorded_npm_package_files() -> None:
    record = json.loads((VENDORED / "vendored.json").read_text())
    assert record["package"] == "swagger-ui-dist"
    assert record["integrity"].startswith("sha512-")
    found = {name: hashlib.sha256((VENDORED / "static" / name).read_bytes()).hexdigest() for name in record["files"]}
    assert found == record["files"]
    assert {"LICENSE", "NOTICE"} <= set(found)


def _offline_page(browser: Browser, served: Server) -> tuple[Page, list[str], list[str]]:
    """A page of ``served`` whose every request to another host is aborted; it and the lists of what failed."""
    context = browser.new_context(viewport=DESKTOP, base_url=served.base_url)
    context.set_default_timeout(15_000)
    own = urlsplit(served.base_url).netloc
    elsewhere: list[str] = []
    problems: list[str] = []

    def only_ghee(route: Route) -> None:
        if urlsplit(route.request.url).netloc == own:
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error" and "favicon.ico" not in (message.location.get("url") or ""):
            problems.append(message.text)

    context.route("**/*", only_ghee)
    page = context.new_page()
    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(str(error)))
    return page, elsewhere, problems


@pytest.mark.slow
def test_the_reference_renders_the_operations_with_every_other_host_blocked(browser: Browser, served: Server) -> None:
    summary = httpx.get(served.base_url + "/openapi.json", timeout=30).json()["paths"]["/v1/projects"]["get"]["summary"]
    page, elsewhere, problems = _offline_page(browser, served)
    page.goto("/docs")
    operation = page.locator(".opblock", has=page.get_by_text("/v1/projects", exact=True)).first
    expect(operation.get_by_text(summary, exact=True)).to_be_visible()
    operation.locator(".opblock-summary-control").click()  # opening an operation renders its parameters
    expect(operation.get_by_text("How many results to skip")).to_be_visible()
    assert elsewhere == []
    assert problems == []  # nothing refused by the policy, no script error
    page.context.close()
