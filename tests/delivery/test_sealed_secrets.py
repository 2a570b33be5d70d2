"""Webhook signing secrets and custom header values are sealed at rest (issue 15, Low), and still sign and send."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet
from standardwebhooks.webhooks import WebhookVerificationError

from ghee import ids
from ghee.config import Settings
from ghee.db.sealing import Sealer, sealer_for
from ghee.db.tables import webhook_subscriptions
from tests.support.api import Api
from tests.support.jenkins import query
from tests.support.services import run_async
from tests.support.webhooks import Hub, Receiver, wait_until

Subscribe = Callable[..., dict[str, Any]]
CREDENTIAL = "Bearer hook-credential-5f2c9a"


def stored(hub: Hub, webhook_id: str) -> tuple[dict[str, str], str]:
    """The subscription's row as the database holds it: its headers and its secret."""
    row_id = ids.decode("wh", webhook_id, "webhook")
    columns = (webhook_subscriptions.c.headers, webhook_subscriptions.c.secret)
    [(headers, secret)] = query(hub.server, sa.select(*columns).where(webhook_subscriptions.c.id == row_id))
    return (json.loads(headers) if isinstance(headers, str) else headers), secret


def servers_sealer(hub: Hub) -> Sealer:
    """The sealer ``ghee serve`` uses: its environment's key, or the key file it made."""
    return sealer_for(Settings.from_env(hub.server.env))


def test_the_secret_and_header_values_are_stored_sealed_and_open_with_the_servers_key(
    hub: Hub, receiver: Receiver, subscribe: Subscribe
) -> None:
    hook = subscribe(receiver.path(), ["project.*"], headers={"Authorization": CREDENTIAL, "X-Studio": "north"})
    headers, secret = stored(hub, hook["id"])
    assert set(headers) == {"Authorization", "X-Studio"}
    raw = json.dumps(headers) + secret
    assert CREDENTIAL not in raw
    assert "north" not in raw
    assert hook["secret"] not in raw
    assert hook["secret"].removeprefix("whsec_") not in raw
    sealer = servers_sealer(hub)
    assert sealer.open(secret) == hook["secret"]
    assert sealer.open(headers["Authorization"]) == CREDENTIAL
    # Changing the headers seals the new values too.
    hub.api.ok("PATCH", f"/v1/webhooks/{hook['id']}", json={"headers": {"Authorization": "Bearer rotated-7d1e"}})
    headers, _ = stored(hub, hook["id"])
    assert "rotated-7d1e" not in json.dumps(headers)
    assert sealer.open(headers["Authorization"]) == "Bearer rotated-7d1e"


def test_a_delivery_carries_the_opened_header_and_a_signature_of_the_secret(
    api: Api, receiver: Receiver, subscribe: Subscribe
) -> None:
    path = receiver.path()
    hook = subscribe(path, ["project.created"], headers={"Authorization": CREDENTIAL})
    project = api.new_project()
    (request,) = wait_until(lambda: receiver.at(path), "the project.created delivery")
    assert request.headers["authorization"] == CREDENTIAL
    assert request.verified(hook["secret"])["data"]["id"] == project["id"]


def _seal_under_another_key(hub: Hub, webhook_id: str) -> None:
    """Put the subscription's values sealed under a key this installation does not have, as after a key change."""
    other = Sealer(Fernet.generate_key())
    row_id = ids.decode("wh", webhook_id, "webhook")

    async def run() -> None:
        from ghee.db.database import opened  # noqa: PLC0415

        async with opened(hub.server.database_url) as db, db.write() as work:
            await work.execute(
                webhook_subscriptions.update()
                .where(webhook_subscriptions.c.id == row_id)
                .values(headers={"Authorization": other.seal(CREDENTIAL)}, secret=other.seal("whsec_" + "A" * 32))
            )

    run_async(run)


def test_a_subscription_sealed_under_another_key_fails_clearly_and_the_others_are_still_delivered(
    hub: Hub, api: Api, receiver: Receiver, subscribe: Subscribe
) -> None:
    broken_path, fine_path = receiver.path("broken"), receiver.path("fine")
    broken = subscribe(broken_path, ["project.created"], headers={"Authorization": CREDENTIAL})
    fine = subscribe(fine_path, ["project.created"])
    _seal_under_another_key(hub, broken["id"])
    project = api.new_project()

    (request,) = wait_until(lambda: receiver.at(fine_path), "the delivery to the other subscription")
    assert request.verified(fine["secret"])["data"]["id"] == project["id"]

    def failed_attempt() -> dict[str, Any] | None:
        listed = api.ok("GET", f"/v1/webhooks/{broken['id']}/deliveries")["deliveries"]
        return listed[0] if listed and listed[0]["last_error"] else None

    delivery = wait_until(failed_attempt, "a failed attempt on the subscription that cannot be opened")
    assert "GHEE_SECRET_KEY changed" in delivery["last_error"]
    assert receiver.at(broken_path) == []  # nothing went out unsigned or without its header
    tested = api.http.post(f"/v1/webhooks/{broken['id']}/test")
    assert tested.status_code == 409, tested.text
    assert "GHEE_SECRET_KEY changed" in tested.json()["message"]
    assert receiver.at(broken_path) == []
    # A new secret and the headers set again mend it.
    api.ok("PATCH", f"/v1/webhooks/{broken['id']}", json={"headers": {"Authorization": CREDENTIAL}})
    renewed = api.ok("POST", f"/v1/webhooks/{broken['id']}/secret")
    mended = api.ok("POST", f"/v1/webhooks/{broken['id']}/test")
    assert mended["ok"] is True, mended
    (sent,) = [r for r in receiver.at(broken_path) if r.json()["webhook"]["event"] == "webhook.test"]
    assert sent.headers["authorization"] == CREDENTIAL
    sent.verified(renewed["secret"])


def test_a_new_secret_signs_every_message_from_then_on_and_the_old_one_none(
    hub: Hub, api: Api, receiver: Receiver, subscribe: Subscribe
) -> None:
    path = receiver.path()
    hook = subscribe(path, ["project.created"])
    renewed = api.ok("POST", f"/v1/webhooks/{hook['id']}/secret")
    assert renewed["id"] == hook["id"]
    assert renewed["secret"].startswith("whsec_")
    assert renewed["secret"] != hook["secret"]
    assert servers_sealer(hub).open(stored(hub, hook["id"])[1]) == renewed["secret"]
    assert renewed["secret"] not in json.dumps(api.ok("GET", f"/v1/webhooks/{hook['id']}"))
    project = api.new_project()
    (request,) = wait_until(lambda: receiver.at(path), "the project.created delivery")
    assert request.verified(renewed["secret"])["data"]["id"] == project["id"]
    with pytest.raises(WebhookVerificationError):
        request.verified(hook["secret"])
    given = "whsec_" + base64.b64encode(b"k" * 32).decode()
    assert api.ok("POST", f"/v1/webhooks/{hook['id']}/secret", json={"secret": given})["secret"] == given
    refused = api.http.post(f"/v1/webhooks/{hook['id']}/secret", json={"secret": "not-a-secret"})
    assert refused.status_code == 400, refused.text
    assert api.http.post("/v1/webhooks/wh_nope/secret").status_code == 404
