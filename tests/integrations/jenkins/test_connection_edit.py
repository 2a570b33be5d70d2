"""Editing a connection: Jenkins checks the new URL, user and token first; a blank token keeps the sealed one."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from ghee.clock import utcnow
from ghee.config import Settings
from ghee.core.connections import (
    Connection,
    ConnectionChange,
    claim_connection,
    connection_row_id,
    create_demo_connection,
    release_connection,
    renew_lease,
)
from ghee.db.database import opened
from ghee.db.sealing import sealer_for
from ghee.db.tables import connections, events
from ghee.errors import Conflict, Invalid, NotFound
from ghee.integrations.jenkins.connect import edit_connection
from tests.support.api import Api
from tests.support.fake_jenkins import FakeJenkins
from tests.support.jenkins import SECRET_KEY, connect, query
from tests.support.servers import Server
from tests.support.webhooks import wait_until


@pytest.fixture
def editing(server: Server) -> Settings:
    """The settings of the ``ghee serve`` under test (same key; the fake Jenkins is on 127.0.0.1)."""
    return Settings(database_url=server.database_url, secret_key=SECRET_KEY, jenkins_allow_private=True)


@pytest.fixture
def other_jenkins() -> Iterator[FakeJenkins]:
    """A second Jenkins, on another port: another server as far as a kept token is concerned."""
    fake = FakeJenkins(user="release-bot", token="another-api-token").start()  # noqa: S106
    yield fake
    fake.stop()


def _edit(settings: Settings, public_id: str, url: str, username: str, token: str = "") -> Connection:
    async def run() -> Connection:
        async with opened(settings.database_url) as db:
            return await edit_connection(db, settings, public_id, ConnectionChange(url, username, token))

    return asyncio.run(run())


def _stored(server: Server, public_id: str) -> Any:
    [row] = query(server, sa.select(connections).where(connections.c.id == connection_row_id(public_id)))
    return row


def _updates(server: Server, public_id: str) -> list[dict[str, Any]]:
    rows = query(
        server,
        sa.select(events.c.payload)
        .where(events.c.resource_id == public_id, events.c.type == "connection.updated")
        .order_by(events.c.id),
    )
    return [dict(row.payload) for row in rows]


def test_a_new_token_is_checked_then_sealed_and_an_event_says_what_changed(
    api: Api, server: Server, editing: Settings, jenkins: FakeJenkins
) -> None:
    made = connect(api, jenkins)
    jenkins.token = "rotated-api-token"  # noqa: S105 (Jenkins' user rotated it: syncing fails until ghee has it)
    jenkins.reset_requests()

    edited = _edit(editing, made["id"], jenkins.url, jenkins.user, "  rotated-api-token ")

    assert (edited.public_id, edited.url, edited.username) == (made["id"], jenkins.url, jenkins.user)
    assert jenkins.requests == [("GET", "/api/json?tree=mode")]  # asked with the new token before saving
    row = _stored(server, made["id"])
    assert "rotated-api-token" not in row.token_encrypted
    assert sealer_for(editing).open(row.token_encrypted) == "rotated-api-token"
    assert (row.failures, row.next_sync_at is not None) == (0, True)
    assert _updates(server, made["id"]) == [{"id": made["id"], "name": made["name"], "url": jenkins.url}]
    assert "rotated-api-token" not in str(api.ok("GET", "/api/v1/connections", params={"per_page": 100}))


def test_a_blank_token_keeps_the_sealed_one_and_is_checked_with_it(
    api: Api, server: Server, editing: Settings, jenkins: FakeJenkins
) -> None:
    made = connect(api, jenkins)
    sealed = _stored(server, made["id"]).token_encrypted
    jenkins.user = "ci-bot-2"
    jenkins.reset_requests()

    edited = _edit(editing, made["id"], jenkins.url.rstrip("/"), "ci-bot-2", "   ")

    assert (edited.url, edited.username) == (jenkins.url, "ci-bot-2")  # the URL normalised as creating does
    assert jenkins.requests == [("GET", "/api/json?tree=mode")]
    assert _stored(server, made["id"]).token_encrypted == sealed


def test_credentials_jenkins_refuses_write_nothing(
    api: Api, server: Server, editing: Settings, jenkins: FakeJenkins
) -> None:
    made = connect(api, jenkins)
    before = _stored(server, made["id"])

    with pytest.raises(Invalid, match="401") as refused:
        _edit(editing, made["id"], jenkins.url, jenkins.user, "not-the-token")
    assert refused.value.field == "token"
    with pytest.raises(Invalid) as nowhere:
        _edit(editing, made["id"], "ftp://jenkins.example.com/", jenkins.user, jenkins.token)
    assert nowhere.value.field == "url"

    assert _stored(server, made["id"]) == before
    assert _updates(server, made["id"]) == []


def test_a_kept_token_is_never_sent_to_another_server(
    api: Api, server: Server, editing: Settings, jenkins: FakeJenkins, other_jenkins: FakeJenkins
) -> None:
    made = connect(api, jenkins)

    with pytest.raises(Invalid, match="another server needs its API token") as refused:
        _edit(editing, made["id"], other_jenkins.url, other_jenkins.user)
    assert refused.value.field == "token"
    assert other_jenkins.requests == []

    moved = _edit(editing, made["id"], other_jenkins.url, other_jenkins.user, other_jenkins.token)
    assert moved.url == other_jenkins.url
    assert sealer_for(editing).open(_stored(server, made["id"]).token_encrypted) == other_jenkins.token


def test_unknown_archived_and_demo_connections_cannot_be_edited(
    api: Api, server: Server, editing: Settings, jenkins: FakeJenkins
) -> None:
    with pytest.raises(NotFound):
        _edit(editing, "conn_nothing", jenkins.url, jenkins.user, jenkins.token)
    made = connect(api, jenkins)
    assert api.http.delete(f"/api/v1/connections/{made['id']}").status_code == 204
    with pytest.raises(NotFound):
        _edit(editing, made["id"], jenkins.url, jenkins.user, jenkins.token)

    async def demo() -> str:
        async with opened(editing.database_url) as db, db.write() as work:
            name, url = f"Demo {uuid.uuid4().hex[:8]}", "https://jenkins.demo.example/"
            return (await create_demo_connection(work, name, url, created_at=utcnow(), synced_at=utcnow())).public_id

    demo_id = asyncio.run(demo())
    jenkins.reset_requests()
    with pytest.raises(Conflict, match="demo"):
        _edit(editing, demo_id, "https://jenkins.demo.example/", "ghee-demo", jenkins.token)
    assert jenkins.requests == []


def test_an_edit_ends_a_pass_running_with_the_old_credentials(
    api: Api, server: Server, editing: Settings, jenkins: FakeJenkins
) -> None:
    made = connect(api, jenkins)
    row_id = connection_row_id(made["id"])

    async def in_db(step: Any) -> Any:
        async with opened(server.database_url) as db, db.write() as work:
            return await step(work)

    # A pass holds the lease (the server's own worker may hold it a moment first).
    wait_until(
        lambda: asyncio.run(in_db(lambda work: claim_connection(work, "old-pass", connection_id=row_id))),
        "the connection's lease",
    )
    _edit(editing, made["id"], jenkins.url, jenkins.user, jenkins.token)

    # The old pass finds its lease gone before its next write, and its outcome is not recorded.
    assert asyncio.run(in_db(lambda work: renew_lease(work, row_id, "old-pass"))) is False
    asyncio.run(
        in_db(
            lambda work: release_connection(
                work, row_id, "old-pass", error="HTTP 401 from Jenkins", interval=timedelta(minutes=5)
            )
        )
    )
    row = _stored(server, made["id"])
    assert (row.failures, row.status) != (1, "error")
    assert row.last_error != "HTTP 401 from Jenkins"


def test_new_link_rules_are_a_connection_update(api: Api, server: Server, jenkins: FakeJenkins) -> None:
    made = connect(api, jenkins)
    rules = {"rules": [{"eachTopFolder": True}]}

    api.ok("PUT", f"/api/v1/connections/{made['id']}/link-rules", json=rules)

    assert _updates(server, made["id"]) == [{"id": made["id"], "name": made["name"], "url": jenkins.url}]
