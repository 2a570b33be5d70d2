"""``/v1/webhooks``: subscriptions made, read, changed and deleted by API, and the input they refuse."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from ghee.core.projects import project_row_id
from tests.support.api import Api
from tests.support.webhooks import Hub, Receiver


def test_create_shows_a_generated_secret_once(api: Api, receiver: Receiver) -> None:
    created = api.ok("POST", "/v1/webhooks", 201, json={"url": receiver.url("/a"), "events": ["post.all", "build.*"]})
    assert created["id"].startswith("wh_")
    assert created["secret"].startswith("whsec_")
    assert len(base64.b64decode(created["secret"].removeprefix("whsec_"))) == 24
    assert created["active"] is True
    assert created["events"] == ["post.all", "build.*"]

    shown = api.ok("GET", f"/v1/webhooks/{created['id']}")
    assert "secret" not in shown
    listed = api.ok("GET", "/v1/webhooks", params={"limit": 100})
    assert created["id"] in [w["id"] for w in listed["webhooks"]]
    assert all("secret" not in w for w in listed["webhooks"])
    api.http.delete(f"/v1/webhooks/{created['id']}")


def test_a_given_secret_is_kept_and_changes_apply(api: Api, receiver: Receiver) -> None:
    secret = "whsec_" + base64.b64encode(b"k" * 32).decode()
    created = api.ok("POST", "/v1/webhooks", 201, json={"url": receiver.url("/b"), "events": ["*"], "secret": secret})
    assert created["secret"] == secret
    changed = api.ok(
        "PATCH",
        f"/v1/webhooks/{created['id']}",
        json={"events": ["deployment.live"], "headers": {"Authorization": "Bearer x"}, "active": False},
    )
    assert changed["events"] == ["deployment.live"]
    # Header values often carry credentials: never shown again, only their names.
    assert changed["headers"] == {"Authorization": "********"}
    assert "Bearer x" not in api.get(f"/v1/webhooks/{created['id']}").text
    assert "Bearer x" not in api.get("/v1/webhooks").text
    assert changed["active"] is False
    assert api.http.delete(f"/v1/webhooks/{created['id']}").status_code == 204
    assert api.get(f"/v1/webhooks/{created['id']}").status_code == 404


def test_a_new_webhook_never_takes_a_deleted_ones_id(api: Api, receiver: Receiver) -> None:
    deleted = api.ok("POST", "/v1/webhooks", 201, json={"url": receiver.url("/gone"), "events": ["*"]})
    assert api.http.delete(f"/v1/webhooks/{deleted['id']}").status_code == 204
    made = api.ok("POST", "/v1/webhooks", 201, json={"url": receiver.url("/new"), "events": ["*"]})
    assert made["id"] != deleted["id"]
    assert api.get(f"/v1/webhooks/{deleted['id']}").status_code == 404
    api.http.delete(f"/v1/webhooks/{made['id']}")


def test_lists_are_paginated(api: Api, receiver: Receiver) -> None:
    made = [
        api.ok("POST", "/v1/webhooks", 201, json={"url": receiver.url(f"/p{i}"), "events": ["*"]}) for i in range(3)
    ]
    first = api.ok("GET", "/v1/webhooks", params={"limit": 2})
    assert len(first["webhooks"]) == 2
    assert first["has_more"] is True
    for hook in made:
        api.http.delete(f"/v1/webhooks/{hook['id']}")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"events": ["*"]}, "url"),
        ({"url": "ftp://example.com/x", "events": ["*"]}, "url"),
        ({"url": "not a url", "events": ["*"]}, "url"),
        ({"url": "http://user:pw@127.0.0.1/x", "events": ["*"]}, "url"),
        ({"url": "http://127.0.0.1/x", "events": []}, "events"),
        ({"url": "http://127.0.0.1/x", "events": ["build.exploded"]}, "events"),
        ({"url": "http://127.0.0.1/x", "events": ["nothing.*"]}, "events"),
        ({"url": "http://127.0.0.1/x", "events": ["*"], "headers": {"webhook-id": "x"}}, "headers"),
        ({"url": "http://127.0.0.1/x", "events": ["*"], "headers": {"X-A": "a\r\nb"}}, "headers"),
        ({"url": "http://127.0.0.1/x", "events": ["*"], "secret": "hunter2"}, "secret"),
        ({"url": "http://127.0.0.1/x", "events": ["*"], "secret": "whsec_c2hvcnQ="}, "secret"),
        ({"url": "http://127.0.0.1/x", "events": "*"}, "events"),
    ],
)
def test_bad_subscriptions_are_400(api: Api, body: dict[str, Any], field: str) -> None:
    response = api.post("/v1/webhooks", json=body)
    assert response.status_code == 400, response.text
    assert set(response.json()) == {"error", "message"}
    assert field in response.json()["message"]


def test_unknown_ids_are_404(api: Api) -> None:
    for path in ("/v1/webhooks/wh_00000000", "/v1/webhooks/nope", "/v1/webhooks/wh_00000000/deliveries"):
        response = api.get(path)
        assert response.status_code == 404, (path, response.text)
        assert response.json()["error"] == "not_found"


@pytest.mark.parametrize("scope", ["read", "write"])
def test_only_admins_manage_webhooks(hub: Hub, receiver: Receiver, scope: str) -> None:
    client = Api(hub.server, hub.server.token(scope))
    try:
        assert client.get("/v1/webhooks").status_code == 403
        response = client.post("/v1/webhooks", json={"url": receiver.url("/x"), "events": ["*"]})
        assert response.status_code == 403
    finally:
        client.http.close()


def test_an_admin_bound_to_a_project_may_not_see_webhooks_or_the_event_log(api: Api, hub: Hub) -> None:
    project = api.new_project()
    client = Api(hub.server, hub.server.token("admin", project_id=project_row_id(project["id"])))
    try:
        for path in ("/v1/webhooks", "/v1/events", "/v1/webhooks/wh_00000000/deliveries"):
            response = client.get(path)
            assert response.status_code == 403, (path, response.text)
        response = client.post("/v1/webhooks", json={"url": "not even a url"})
        assert response.status_code == 403  # refused before the body is read
    finally:
        client.http.close()
