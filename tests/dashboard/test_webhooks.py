"""Webhooks: subscribe a local receiver in the browser, test it, watch deliveries land in the log, replay dead ones."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.delivery import conftest as delivery
from tests.support.api import Api
from tests.support.browser import DESKTOP, Credentials, add_user, shoot, sign_in
from tests.support.servers import Server, serve_fresh
from tests.support.webhooks import FAST_DELIVERY, Receiver, wait_until

delivery_receiver = delivery.receiver
"""The delivery tests' receiver fixture (a local HTTP server that records what it is sent), here too."""


@pytest.fixture(scope="session")
def hook_server(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A ``ghee serve`` that may deliver to 127.0.0.1 and runs the delivery loops itself, on either backend."""
    yield from serve_fresh(
        backend,
        tmp_path_factory,
        "dashboard-webhooks",
        GHEE_LOGIN_RATE_LIMIT="10000/minute",
        GHEE_WORKER_IN_PROCESS="1",
        **FAST_DELIVERY,
    )


@pytest.fixture(scope="session")
def hook_admin(hook_server: Server) -> Credentials:
    return add_user(hook_server, "hooks@example.com", "deliver it, please, twice", is_admin=True)


@pytest.fixture
def hook_page(browser: Browser, hook_server: Server, hook_admin: Credentials) -> Iterator[Page]:
    context = browser.new_context(viewport=DESKTOP, base_url=hook_server.base_url)
    context.set_default_timeout(15_000)
    opened = context.new_page()
    sign_in(opened, hook_admin, "/webhooks")
    yield opened
    context.close()


@pytest.fixture
def admin_api(hook_server: Server) -> Iterator[Api]:
    client = Api(hook_server, hook_server.token("admin"))
    yield client
    client.http.close()


def subscribe(page: Page, url: str, events: str) -> str:
    """Fill in the form; returns the new subscription's id."""
    page.goto("/webhooks")
    page.get_by_label("URL").fill(url)
    page.get_by_label("Event types").fill(events)
    page.get_by_role("button", name="Add subscription").click()
    expect(page.get_by_label("Signing secret")).to_have_value(re.compile(r"^whsec_"))
    webhook_id = page.locator("tr", has_text=url).get_attribute("data-webhook")
    assert webhook_id is not None
    return webhook_id


def deliveries(api: Api, webhook_id: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = api.ok("GET", f"/v1/webhooks/{webhook_id}/deliveries")["deliveries"]
    return found


def test_a_subscription_made_in_the_browser_receives_events_and_logs_them(
    hook_page: Page, admin_api: Api, delivery_receiver: Receiver
) -> None:
    page, receiver = hook_page, delivery_receiver
    path = receiver.path()
    webhook_id = subscribe(page, receiver.url(path), "project.created")

    page.get_by_role("button", name=f"Send a test to {receiver.url(path)}").click()
    expect(page.get_by_role("status")).to_contain_text("Delivered: the target answered 200")
    assert [r.json()["webhook"]["event"] for r in receiver.at(path)] == ["webhook.test"]
    shoot(page, "webhooks")

    project = admin_api.new_project()
    wait_until(lambda: [d for d in deliveries(admin_api, webhook_id) if d["state"] == "delivered"], "a delivery")
    assert receiver.at(path)[-1].json()["data"]["id"] == project["id"]
    page.get_by_role("link", name=f"Delivery log of {receiver.url(path)}").click()
    row = page.locator("tbody tr", has_text="project.created")
    expect(row).to_contain_text("delivered")
    expect(row).to_contain_text("200")

    page.goto("/webhooks")
    page.get_by_role("button", name=f"Disable {receiver.url(path)}").click()
    expect(page.locator("tr", has_text=receiver.url(path))).to_contain_text("disabled")
    page.get_by_role("link", name=f"Delete {receiver.url(path)}").click()  # asks first
    expect(page.get_by_role("heading", name=f"Delete the subscription to {receiver.url(path)}?")).to_be_visible()
    page.get_by_role("link", name="Cancel").click()
    expect(page.locator("tr", has_text=receiver.url(path))).to_have_count(1)
    page.get_by_role("link", name=f"Delete {receiver.url(path)}").click()
    page.get_by_role("button", name="Delete subscription").click()
    expect(page.get_by_role("status")).to_contain_text(f"Subscription to {receiver.url(path)} deleted")
    expect(page.locator("tr", has_text=receiver.url(path))).to_have_count(0)


def test_a_new_secret_is_shown_once_and_signs_what_follows(
    hook_page: Page, admin_api: Api, delivery_receiver: Receiver
) -> None:
    page, receiver = hook_page, delivery_receiver
    path = receiver.path()
    webhook_id = subscribe(page, receiver.url(path), "project.created")
    first = page.get_by_label("Signing secret", exact=True).input_value()
    page.reload()  # the secret came through a redirect: a reload re-posts nothing and shows it no more
    expect(page.locator("tbody tr", has_text=receiver.url(path))).to_have_count(1)
    expect(page.get_by_label("Signing secret", exact=True)).to_have_count(0)
    assert first not in page.content()
    page.get_by_role("button", name=f"Replace the secret of {receiver.url(path)}").click()
    expect(page).to_have_url(re.compile(r"/webhooks$"))
    renewed = page.get_by_label("New signing secret", exact=True).input_value()
    assert renewed.startswith("whsec_")
    assert renewed != first
    project = admin_api.new_project()
    wait_until(lambda: [d for d in deliveries(admin_api, webhook_id) if d["state"] == "delivered"], "a delivery")
    assert receiver.at(path)[-1].verified(renewed)["data"]["id"] == project["id"]
    page.goto("/webhooks")
    expect(page.get_by_label("New signing secret", exact=True)).to_have_count(0)  # shown once


def test_dead_deliveries_are_replayed_from_the_log(
    hook_page: Page, admin_api: Api, delivery_receiver: Receiver
) -> None:
    page, receiver = hook_page, delivery_receiver
    path = receiver.path("dead")
    receiver.answer(path, 500, 500, 500, 500)  # every attempt of the schedule fails; the replay gets a 200
    webhook_id = subscribe(page, receiver.url(path), "project.*")
    admin_api.new_project()
    wait_until(lambda: [d for d in deliveries(admin_api, webhook_id) if d["state"] == "dead"], "a dead delivery")

    page.goto(f"/webhooks/{webhook_id}?state=dead")
    row = page.locator("tbody tr", has_text="project.created")
    expect(row).to_contain_text("dead")
    expect(row).to_contain_text("500")
    shoot(page, "webhook-deliveries")
    row.get_by_role("link", name=re.compile(r"^msg_")).click()
    expect(page.locator("table.attempts tbody tr")).to_have_count(4)  # the whole retry schedule, each a 500
    assert page.locator("table.attempts tbody tr td:nth-child(3)").all_inner_texts() == ["500"] * 4
    page.go_back()
    page.get_by_role("button", name="Replay all dead").click()
    expect(page.get_by_role("status")).to_contain_text("1 dead delivery queued again")
    wait_until(lambda: [d for d in deliveries(admin_api, webhook_id) if d["state"] == "delivered"], "the replay")
    page.goto(f"/webhooks/{webhook_id}")
    expect(page.locator("tbody tr", has_text="project.created")).to_contain_text("delivered")


def test_a_private_target_is_refused_inline_when_not_allowed(signed_in_page: Page) -> None:
    page = signed_in_page  # dash_server runs without GHEE_WEBHOOK_ALLOW_PRIVATE
    page.goto("/webhooks")
    page.get_by_label("URL").fill("http://127.0.0.1:9/hook")
    page.get_by_label("Event types").fill("build.*")
    page.get_by_role("button", name="Add subscription").click()
    expect(page.get_by_role("alert")).to_contain_text("resolves to a non-public address")
    expect(page.get_by_label("URL")).to_have_value("http://127.0.0.1:9/hook")  # kept for correcting
    expect(page.locator("tr", has_text="127.0.0.1:9")).to_have_count(0)


def test_a_chat_subscription_made_in_the_browser_sends_a_test_message_and_hides_its_url(
    hook_page: Page, admin_api: Api, delivery_receiver: Receiver
) -> None:
    page, receiver = hook_page, delivery_receiver
    project = admin_api.new_project(name=f"Chat {uuid.uuid4().hex[:6]}")
    secret = uuid.uuid4().hex
    path = f"/services/T0/B0/{secret}"
    page.goto("/webhooks")
    page.get_by_label("Send as").select_option("slack")
    page.get_by_label("URL").fill(receiver.url(path))
    page.get_by_label("Event types").fill("build.*, deployment.live")
    page.get_by_label("Projects").select_option(project["id"])
    page.get_by_label("Branches").fill("main")
    page.get_by_label("Quiet minutes").fill("30")
    page.get_by_role("button", name="Add subscription").click()
    expect(page.get_by_role("heading", name=re.compile("Slack subscription to"))).to_be_visible()
    expect(page.get_by_label("Signing secret")).to_have_count(0)  # a chat URL is its own secret
    row = page.locator("tr", has_text=project["name"])
    expect(row).to_contain_text("slack")
    expect(row).to_contain_text("quiet 30 min")
    webhook_id = row.get_attribute("data-webhook")
    assert webhook_id is not None
    assert secret not in page.content()

    row.get_by_role("button", name=re.compile("^Send a test to")).click()
    expect(page.get_by_role("status")).to_contain_text("Delivered: the target answered 200")
    (request,) = receiver.at(path)
    message = request.json()
    assert message["blocks"][0]["type"] == "header"
    assert "test" in message["text"]
    assert secret not in page.content()
    stored = admin_api.ok("GET", f"/v1/webhooks/{webhook_id}")
    assert (stored["format"], stored["projects"], stored["branches"], stored["quiet_minutes"]) == (
        "slack",
        [project["id"]],
        ["main"],
        30,
    )
    admin_api.http.delete(f"/v1/webhooks/{webhook_id}")
