"""Webhook delivery against a real receiver: signatures, envelopes, wildcards, retries, 410, dead letters, order."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from tests.support.api import Api
from tests.support.webhooks import Receiver, wait_until

Subscribe = Callable[..., dict[str, Any]]


def new_post(api: Api, slug: str, status: str = "published") -> None:
    body = {"title": f"Post {slug}", "slug": slug, "body": "<p>Hello</p>", "status": status}
    api.ok("POST", "/v2/posts/", 202, json=body)


def test_post_update_arrives_signed_in_the_buttercms_envelope(
    api: Api, receiver: Receiver, subscribe: Subscribe
) -> None:
    path = receiver.path()
    hook = subscribe(path, ["post.update"], headers={"X-Studio": "north"})
    slug = f"post-{uuid.uuid4().hex[:8]}"
    new_post(api, slug)
    api.ok("PATCH", f"/v2/posts/{slug}/", 202, json={"title": "Changed"})

    (request,) = wait_until(lambda: receiver.at(path), "the post.update delivery")
    payload = request.verified(hook["secret"])
    assert payload == {
        "data": {"id": slug, "status": "published", "title": "Changed"},
        "webhook": {"event": "post.update", "target": receiver.url(path)},
    }
    assert request.headers["webhook-id"].startswith("msg_")
    assert request.headers["x-studio"] == "north"
    assert request.headers["content-type"] == "application/json"


def test_post_all_selects_every_post_event_and_nothing_else(api: Api, receiver: Receiver, subscribe: Subscribe) -> None:
    path = receiver.path()
    hook = subscribe(path, ["post.all"])
    slug = f"post-{uuid.uuid4().hex[:8]}"
    new_post(api, slug)
    api.ok("PATCH", f"/v2/posts/{slug}/", 202, json={"title": "Changed"})
    api.new_project()  # a project.created event the subscription does not want
    api.ok("DELETE", f"/v2/posts/{slug}/", 202)

    wait_until(lambda: len(receiver.at(path)) >= 3, "three post deliveries")
    events = [r.verified(hook["secret"])["webhook"]["event"] for r in receiver.at(path)]
    assert events == ["post.create", "post.update", "post.delete"]


def test_a_failing_target_is_retried_and_each_attempt_is_logged(
    api: Api, receiver: Receiver, subscribe: Subscribe
) -> None:
    path = receiver.path()
    receiver.answer(path, 500, 429)
    hook = subscribe(path, ["project.*"])
    project = api.new_project()

    requests = wait_until(lambda: len(receiver.at(path)) >= 3 and receiver.at(path), "two retries")
    assert len({r.headers["webhook-id"] for r in requests}) == 1  # one message, retried under one id
    for request in requests:
        assert request.verified(hook["secret"])["data"]["id"] == project["id"]

    def delivered() -> dict[str, Any] | None:
        listed = api.ok("GET", f"/v1/webhooks/{hook['id']}/deliveries")["deliveries"]
        return listed[0] if listed and listed[0]["state"] == "delivered" else None

    delivery = wait_until(delivered, "the delivery to be recorded as delivered")
    assert delivery["attempts"] == 3
    detail = api.ok("GET", f"/v1/webhooks/{hook['id']}/deliveries/{delivery['id']}")
    assert [a["status_code"] for a in detail["attempt_log"]] == [500, 429, 200]
    assert all(a["latency_ms"] >= 0 for a in detail["attempt_log"])
    assert detail["attempt_log"][-1]["response"] == '{"ok": true}'
    assert detail["id"] == requests[0].headers["webhook-id"]


def test_410_gone_disables_the_subscription(api: Api, receiver: Receiver, subscribe: Subscribe) -> None:
    path = receiver.path()
    receiver.answer(path, 410)
    hook = subscribe(path, ["project.created"])
    api.new_project()

    def disabled() -> dict[str, Any] | None:
        current = api.ok("GET", f"/v1/webhooks/{hook['id']}")
        return None if current["active"] else current

    current = wait_until(disabled, "the subscription to be disabled")
    assert "410" in current["disabled_reason"]
    (dead,) = api.ok("GET", f"/v1/webhooks/{hook['id']}/deliveries", params={"state": "dead"})["deliveries"]
    assert dead["last_status"] == 410

    api.ok("PATCH", f"/v1/webhooks/{hook['id']}", json={"active": True})
    wanted = api.new_project()
    wait_until(lambda: len(receiver.at(path)) >= 2, "the event after re-enabling")
    assert receiver.at(path)[-1].verified(hook["secret"])["data"]["id"] == wanted["id"]


def test_after_the_last_attempt_a_delivery_is_dead_and_can_be_replayed(
    api: Api, receiver: Receiver, subscribe: Subscribe
) -> None:
    path = receiver.path()
    receiver.answer(path, 503, 503, 503, 503)  # the test schedule has four attempts
    hook = subscribe(path, ["project.created"])
    api.new_project()

    def dead() -> list[dict[str, Any]]:
        listed: list[dict[str, Any]] = api.ok("GET", f"/v1/webhooks/{hook['id']}/deliveries", params={"state": "dead"})[
            "deliveries"
        ]
        return listed

    (letter,) = wait_until(dead, "the dead letter")
    assert letter["attempts"] == 4
    assert letter["last_status"] == 503
    assert len(receiver.at(path)) == 4

    replayed = api.ok("POST", f"/v1/webhooks/{hook['id']}/deliveries/{letter['id']}/replay", 202)
    assert replayed["state"] == "pending"
    wait_until(lambda: len(receiver.at(path)) == 5, "the replayed delivery")
    assert receiver.at(path)[-1].headers["webhook-id"] == letter["id"]
    assert receiver.at(path)[-1].verified(hook["secret"])["webhook"]["event"] == "project.created"


def test_replaying_a_pending_delivery_is_a_conflict(api: Api, receiver: Receiver, subscribe: Subscribe) -> None:
    path = receiver.path()
    gate = receiver.hold(path)
    hook = subscribe(path, ["project.created"])
    api.new_project()
    receiver.arrived[path].wait(30)
    (pending,) = api.ok("GET", f"/v1/webhooks/{hook['id']}/deliveries")["deliveries"]
    response = api.post(f"/v1/webhooks/{hook['id']}/deliveries/{pending['id']}/replay")
    gate.set()
    assert response.status_code == 409, response.text
    assert response.json()["error"] == "conflict"


def test_one_resource_s_events_arrive_in_order_even_when_the_first_is_retried(
    api: Api, receiver: Receiver, subscribe: Subscribe
) -> None:
    path = receiver.path()
    receiver.answer(path, 500, 500)
    hook = subscribe(path, ["build.*"])
    project = api.new_project()
    build = api.new_build(project["id"])
    api.ok("PATCH", f"/v1/builds/{build['id']}", json={"status": "running"})
    api.ok("PATCH", f"/v1/builds/{build['id']}", json={"status": "success"})

    wait_until(lambda: len(receiver.at(path)) >= 6, "every build event")
    arrivals = [r.verified(hook["secret"])["webhook"]["event"] for r in receiver.at(path)]
    # The first delivery failed twice; nothing after it went out until it succeeded.
    assert arrivals == [
        "build.created",
        "build.created",
        "build.created",
        "build.updated",
        "build.updated",
        "build.finished",
    ]


def test_test_send_posts_a_signed_message_and_reports_the_answer(
    api: Api, receiver: Receiver, subscribe: Subscribe
) -> None:
    path = receiver.path()
    receiver.answer(path, 418)
    hook = subscribe(path, ["*"])
    result = api.ok("POST", f"/v1/webhooks/{hook['id']}/test")
    assert result["ok"] is False
    assert result["status_code"] == 418
    (request,) = [r for r in receiver.at(path) if r.json()["webhook"]["event"] == "webhook.test"]
    assert request.verified(hook["secret"]) == {
        "data": {"id": "test"},
        "webhook": {"event": "webhook.test", "target": receiver.url(path)},
    }
