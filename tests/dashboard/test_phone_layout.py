"""Every dashboard page on a 390 px phone: nothing wider than the screen, the menu folded away, actions in reach.

Issue 18. The pages are the dashboard router's own GET routes, so a page
added later is visited without anyone listing it here; path parameters are
filled from rows of a small studio made for the test (a project with builds,
a changelist and assets, a Jenkins job, a webhook with a delivery, a post,
a page, a collection, an image ...). A route that is not a page is skipped
by name in ``NOT_PAGES``, saying why, and one that only redirects in
``REDIRECTS`` (checked to redirect); a new parameter name fails the test until
``studio`` makes a row for it.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import httpx
import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, Locator, Page, expect

from ghee import ids
from ghee.clock import utcnow
from ghee.core.builds.rollups import add_builds
from ghee.core.failure_causes import NewCause, create_cause
from ghee.core.jobs.link_rules import LinkRule, save_rules
from ghee.core.jobs.model import job_public_id
from ghee.core.projects import project_row_id
from ghee.core.tokens import create_token
from ghee.core.users import create_user, find_user
from ghee.dashboard import router
from ghee.dashboard.web import SESSION_COOKIE
from ghee.db.database import Write, opened
from ghee.db.tables import webhook_subscriptions
from tests.support.api import Api
from tests.support.blog import new_author, new_post
from tests.support.browser import DESKTOP, PHONE, Credentials, open_session_for
from tests.support.buildbutler_factory import new_build, new_connection, new_job
from tests.support.content import new_collection, new_items, new_page, new_page_type, unique
from tests.support.media import image_bytes, upload
from tests.support.queue_rows import delivery_row, event_row
from tests.support.servers import Server
from tests.support.services import run_async

NOT_PAGES = {
    "/static/{filename:str}": "the stylesheet and scripts",
    "/live": "an event stream (text/event-stream) the pages follow",
    "/content/media.json": "JSON for the image picker",
    "/health/export": "a CSV or JSON download",
    "/builds/{build_id:str}/log": "the raw console log (text/plain), shown inside the build page",
    "/builds/{build_id:str}/progress": "a fragment the build page polls while the build runs",
    "/builds/{build_id:str}/row": "one table row the live builds list swaps in",
    "/overview/builds/{build_id:str}/row": "one table row the live overview swaps in",
}
"""GET routes that answer something other than a page, by route path, with why they are skipped."""

REDIRECTS = {
    "/content": "/content/posts",
    "/profile": "/profile/tokens",
}
"""GET routes that only send the browser on to another page (which is visited in its own right)."""

ROUTE_VALUES = {
    "/content/authors/{slug:str}": {"slug": "author"},
    "/content/page-types/{key:str}/edit": {"key": "page_type"},
    "/content/pages/{page_type:str}/{slug:str}": {"slug": "page"},
}
"""Parameters whose name means different rows on different routes: which of the studio's rows each takes."""

MENU_CLOSED_MAX = 80
"""The header's height with the menu folded away, in CSS pixels (it filled 200 to 335 px before issue 18)."""

LONG = "Unbroken" * 12
"""A word far wider than a phone (hashes, URLs and paths look like this to a browser)."""


@dataclass(frozen=True)
class Studio:
    """What the studio's rows are called: ``values`` by route parameter name, the ``project`` for ``?project=``."""

    values: dict[str, str]
    project: str


async def _jenkins_rows(work: Write, project: str) -> tuple[int, int, int]:
    """The rows of ``_ci_build``, as the Jenkins sync writes them: their row ids."""
    connection_id, _ = await new_connection(work, f"Studio Jenkins {uuid.uuid4().hex[:6]}")
    job_id = await new_job(work, connection_id, f"skyline-{LONG.lower()}", project_id=project_row_id(project))
    await save_rules(work, connection_id, [LinkRule(f"skyline/{LONG}", project_row_id(project))])  # its confirm page
    stages = [("Checkout", "SUCCESS", 4_000), ("Compile", "FAILED", 90_000)]
    log = f"Compiling {LONG}\nSource/Game/{LONG}.cpp:118:7: error: use of undeclared identifier\n"
    build_id = await new_build(
        work,
        job_id,
        12,
        "FAILURE",
        branch=f"feature/{LONG}",
        started_at=utcnow() - timedelta(hours=2),
        stages=stages,
        log=log,
        project_id=project_row_id(project),
    )
    await add_builds(work, [build_id])  # counted in CI health, as the sync does
    return connection_id, job_id, build_id


def _ci_build(server: Server, project: str) -> tuple[str, str, str]:
    """A Jenkins connection, a job linked to ``project``, a failed build with stages and a log: their public ids."""

    async def made() -> tuple[int, int, int]:
        async with opened(server.database_url) as db, db.write() as work:
            return await _jenkins_rows(work, project)

    connection_id, job_id, build_id = run_async(made)
    return ids.encode("conn", connection_id), job_public_id(job_id), ids.encode("build", build_id)


def _owned_rows(server: Server, owner: Credentials) -> tuple[str, str, str, str]:
    """A token of ``owner``, a failure cause, and a webhook (a long URL) with a delivery: their public ids."""

    async def made() -> tuple[str, str, str, str]:
        async with opened(server.database_url) as db:
            async with db.write() as work:
                user = await find_user(work, owner.email)
                assert user is not None
                token, _ = await create_token(work, name=f"phone-{LONG}", scope="read", user_id=user.id)
                cause = await create_cause(
                    work, NewCause(name=f"typo-{uuid.uuid4().hex[:6]}", category="typo", indications=["undeclared"])
                )
                webhook_id = await work.scalar(
                    webhook_subscriptions.insert()
                    .values(
                        url=f"https://hooks.studio.example/{LONG}",
                        event_types=["build.*", "deployment.*", "asset.*"],
                        headers={},
                        secret="sealed",  # noqa: S106 (never opened here)
                        description="Builds to the studio's release channel",
                        active=True,
                        created_at=sa.func.now(),
                        updated_at=sa.func.now(),
                    )
                    .returning(webhook_subscriptions.c.id)
                )
            event_id = await event_row(db, f"build-{uuid.uuid4().hex[:6]}", token.created_at)
            delivery_id = await delivery_row(db, webhook_id, event_id, "dead", token.created_at, token.created_at)
        return token.public_id, cause.public_id, ids.encode("wh", webhook_id), ids.encode("msg", delivery_id)

    return run_async(made)


def _member(server: Server) -> str:
    """A user besides the admin, with an e-mail as long as one may be (the users page's rows and confirm pages)."""

    async def made() -> str:
        async with opened(server.database_url) as db, db.write() as work:
            email = f"{LONG[:56]}.{uuid.uuid4().hex[:6]}@example.com"
            return (await create_user(work, email=email, password=uuid.uuid4().hex, name=LONG)).public_id

    return run_async(made)


def _content(api: Api) -> dict[str, str]:
    """An author, a post, a page type with a page, a collection with items, an image: their keys."""
    author = new_author(api, bio=f"Writes {LONG}")
    post = new_post(api, title=f"Patch notes {LONG}")
    text = [{"key": "headline", "type": "text", "required": True}, {"key": "body", "type": "rich_text"}]
    page_type = new_page_type(api, text)
    new_page(api, page_type, "launch", {"headline": f"Launch {LONG}", "body": "<p>Soon.</p>"})
    fields = [
        {"key": "name", "type": "text", "required": True},
        {"key": "level", "type": "number"},
        {"key": "boss", "type": "boolean"},
        {"key": "lore", "type": "text"},
    ]
    collection = new_collection(api, fields, key=unique("team"))
    [item, *_] = new_items(api, collection, [{"name": "Slime", "level": 1, "boss": False, "lore": LONG}] * 2)
    image = upload(api.http, image_bytes((320, 180)), f"{LONG}.png").json()["data"]["id"]
    return {
        "author": author,
        "slug": post,
        "page_type": page_type,
        "page": "launch",
        "key": collection,
        "item_id": str(item),
        "handle": image,
        "kind": "tags",
    }


@pytest.fixture
def studio(dash_server: Server, admin: Credentials) -> Iterator[Studio]:
    """A small studio's rows on the dashboard's server, with a long unbroken word wherever text is shown."""
    api = Api(dash_server, dash_server.token("admin"))
    try:
        project = api.new_project(name=f"Skyline Drift {uuid.uuid4().hex[:6]}")["id"]
        files = [(f"//depot/Content/Maps/{LONG}.umap", "add"), ("//depot/Content/Hero/hero.fbx", "edit")]
        changelist = api.new_changelist(project, 48213, files, description=f"Lighting pass {LONG}", author=LONG)
        build = api.finished_build(project, "success", changelist="48213", branch=f"release/{LONG}")
        deployment = api.ok("POST", f"/v1/builds/{build['id']}/deployments", 201, json={"platform": "steam"})
        api.ok("PATCH", f"/v1/deployments/{deployment['id']}", json={"status": "live"})
        api.new_build(project, platform="ps5", branch=f"feature/{LONG}")
        asset = api.ok("GET", f"/v1/projects/{project}/assets")["assets"][0]["id"]
        connection, job, ci_build = _ci_build(dash_server, project)
        token, cause, webhook, delivery = _owned_rows(dash_server, admin)
        values = {
            "project_id": project,
            "build_id": ci_build,
            "changelist_id": changelist["id"],
            "asset_id": asset,
            "connection_id": connection,
            "index": "0",  # the connection's link rule
            "job": job,
            "token_id": token,
            "cause_id": cause,
            "webhook_id": webhook,
            "delivery_id": delivery,
            "user_id": _member(dash_server),
            **_content(api),
        }
        yield Studio(values, project)
    finally:
        api.http.close()


def dashboard_pages(studio: Studio) -> list[tuple[str, bool]]:
    """A URL for every dashboard page, and whether it is public (seen signed out, as the sign-in form).

    Each GET route but ``NOT_PAGES`` and ``REDIRECTS``, its parameters filled from ``studio``.
    """
    pages = []
    for route in sorted(router.routes, key=lambda route: route.path):
        if "GET" not in route.methods or route.path in NOT_PAGES or route.path in REDIRECTS:
            continue
        chosen = {name: studio.values[row] for name, row in ROUTE_VALUES.get(route.path, {}).items()}
        url = _filled(route.path, {**studio.values, **chosen})
        [handler] = [handler for handler in route.route_handlers if "GET" in handler.http_methods]
        if "project" in handler.parsed_fn_signature.parameters:  # a project's builds, assets ...: the studio's
            url += f"?project={studio.project}"
        pages.append((url, bool(handler.opt.get("public"))))
    return [*pages, (f"/health?job={studio.values['job']}", False)]  # one job's view of CI health


def _filled(path: str, values: dict[str, str]) -> str:
    """``path`` (``/builds/{build_id:str}``) with each parameter replaced by its value."""
    missing = [name for name in re.findall(r"{(\w+):", path) if name not in values]
    assert not missing, f"{path}: the studio has no row for {missing}; make one in `studio`"
    return re.sub(r"{(\w+):\w+}", lambda match: values[match.group(1)], path)


def _overflow(page: Page) -> list[str]:
    """What sticks out past the right edge of the screen (empty when the page fits)."""
    found: list[str] = page.evaluate(
        """() => document.documentElement.scrollWidth <= window.innerWidth ? [] :
        [...document.querySelectorAll('body *')]
          .filter(el => el.getBoundingClientRect().right > window.innerWidth + 0.5)
          .slice(0, 5).map(el => el.tagName.toLowerCase() + '.' + el.className + ' ' + el.textContent.slice(0, 40))"""
    )
    return found


def _menu_height(page: Page) -> float:
    box = page.locator("header").bounding_box()
    assert box is not None
    return float(box["height"])


@pytest.fixture
def phone(browser: Browser, dash_server: Server, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A page at 390x844, signed out; without JavaScript when parametrized with ``False`` (``SCRIPTS``)."""
    script = getattr(request, "param", True)
    context = browser.new_context(viewport=PHONE, base_url=dash_server.base_url, java_script_enabled=script)
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def _sign_in(page: Page, server: Server, admin: Credentials) -> None:
    cookie = open_session_for(server, admin)
    page.context.add_cookies(
        [{"name": SESSION_COOKIE, "value": cookie, "url": server.base_url, "httpOnly": True, "sameSite": "Lax"}]
    )


SCRIPTS = pytest.mark.parametrize("phone", [True, False], indirect=True, ids=["script", "no-script"])
"""Each page twice: as app.js lays it out, and as app.css alone does (a table wider than the screen as cards)."""


@SCRIPTS
def test_every_page_fits_a_phone_with_the_menu_folded(
    phone: Page, dash_server: Server, admin: Credentials, studio: Studio
) -> None:
    page = phone
    pages = sorted(dashboard_pages(studio), key=lambda page: not page[1])  # the public ones first, signed out
    problems = []
    signed_in = False
    for url, public in pages:
        if not public and not signed_in:
            _sign_in(page, dash_server, admin)
            signed_in = True
        response = page.goto(url)
        assert response is not None
        if response.status != 200 or page.url != f"{dash_server.base_url}{url}":
            problems.append(f"{url}: answered {response.status} at {page.url}")
        if wider := _overflow(page):
            width = page.evaluate("document.documentElement.scrollWidth")
            problems.append(f"{url}: {width} px wide, on a screen of {PHONE['width']}: {wider}")
        if (height := _menu_height(page)) >= MENU_CLOSED_MAX:
            problems.append(f"{url}: the header is {height} px high with the menu closed")
    assert not problems, "\n".join(problems)


def test_redirects_lead_to_pages_the_test_visits(dash_server: Server, admin: Credentials) -> None:
    cookies = {SESSION_COOKIE: open_session_for(dash_server, admin)}
    with httpx.Client(base_url=dash_server.base_url, cookies=cookies, timeout=30) as client:
        for path, target in REDIRECTS.items():
            response = client.get(path)
            assert response.is_redirect, path
            assert response.headers["location"] == target


def _within_the_screen(action: Locator) -> None:
    expect(action).to_be_visible()
    box = action.bounding_box()
    assert box is not None
    assert box["x"] >= 0, box
    assert box["x"] + box["width"] <= PHONE["width"], box


@SCRIPTS
def test_the_actions_of_each_row_are_in_reach_on_a_phone(
    phone: Page, dash_server: Server, admin: Credentials, studio: Studio
) -> None:
    page = phone
    _sign_in(page, dash_server, admin)
    page.goto("/profile/tokens")
    token = page.locator(f'tr[data-token="{studio.values["token_id"]}"]')
    _within_the_screen(token.get_by_role("link", name=re.compile("^Revoke")))
    page.goto("/webhooks")
    hook = page.locator(f'tr[data-webhook="{studio.values["webhook_id"]}"]')
    _within_the_screen(hook.get_by_role("button", name=re.compile("^Send a test to https")))
    _within_the_screen(hook.get_by_role("link", name=re.compile("^Delete https")))
    page.goto(f"/collections/{studio.values['key']}")
    _within_the_screen(page.get_by_role("link", name=f"Delete item {studio.values['item_id']}"))


def test_the_menu_opens_and_closes_from_the_keyboard(phone: Page, dash_server: Server, admin: Credentials) -> None:
    page = phone
    _sign_in(page, dash_server, admin)
    page.goto("/")
    menu, webhooks = page.locator("summary.menu-button"), page.get_by_role("link", name="Webhooks")
    expect(webhooks).to_be_hidden()
    page.keyboard.press("Tab")  # the skip link
    page.keyboard.press("Tab")  # ghee
    page.keyboard.press("Tab")
    expect(menu).to_be_focused()
    page.keyboard.press("Enter")
    expect(webhooks).to_be_visible()
    _within_the_screen(page.get_by_role("button", name="Sign out"))
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Overview")).to_be_focused()
    page.keyboard.press("Escape")  # folds it back onto its button
    expect(webhooks).to_be_hidden()
    expect(menu).to_be_focused()
    page.keyboard.press("Space")
    expect(webhooks).to_be_visible()
    webhooks.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Webhooks")
    assert _menu_height(page) < MENU_CLOSED_MAX  # the next page opens with the menu folded

    page.set_viewport_size(DESKTOP)  # a laptop: the bar as it always was, no Menu button
    expect(menu).to_be_hidden()
    expect(webhooks).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


@pytest.mark.parametrize("phone", [False], indirect=True, ids=["no-script"])
def test_the_menu_opens_without_javascript(phone: Page, dash_server: Server, admin: Credentials) -> None:
    page = phone
    _sign_in(page, dash_server, admin)
    page.goto("/")
    expect(page.get_by_role("link", name="Webhooks")).to_be_hidden()
    page.locator("summary.menu-button").click()
    expect(page.get_by_role("link", name="Webhooks")).to_be_visible()
    page.set_viewport_size(DESKTOP)
    page.reload()
    expect(page.locator("summary.menu-button")).to_be_hidden()
    expect(page.get_by_role("link", name="Webhooks")).to_be_visible()
