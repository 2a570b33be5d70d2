"""BuildButler /api/v1/connections: credentials checked before saving, tokens sealed and never shown."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import sqlalchemy as sa

from ghee.config import Settings
from ghee.core.connections import NewConnection
from ghee.db.database import opened
from ghee.db.migrate import upgrade
from ghee.db.tables import connections
from ghee.errors import Invalid
from ghee.integrations.jenkins.connect import add_connection
from tests.support.api import Api
from tests.support.fake_jenkins import FakeJenkins
from tests.support.jenkins import SECRET_KEY, assert_problem, connect, query
from tests.support.servers import Server
from tests.support.services import free_port

FIELDS = {
    "id",
    "name",
    "url",
    "username",
    "status",
    "lastError",
    "lastSyncAt",
    "nextSyncAt",
    "jobs",
    "createdAt",
    "demo",
}


def test_new_connection_is_checked_listed_and_its_token_never_returned(
    api: Api, jenkins: FakeJenkins, server: Server
) -> None:
    made = connect(api, jenkins)
    assert set(made) == FIELDS
    assert made["id"].startswith("conn_")
    assert (made["url"], made["username"], made["status"], made["lastSyncAt"]) == (jenkins.url, "ci-bot", "new", None)
    assert made["demo"] is False  # only the demo's sample Jenkins is
    assert jenkins.requests == [("GET", "/api/json?tree=mode")]
    listed = api.ok("GET", "/api/v1/connections", params={"per_page": 100})
    assert made in listed["data"]
    assert listed["meta"]["per_page"] == 100
    assert listed["meta"]["total"] >= 1
    assert jenkins.token not in str(listed)
    [(sealed,)] = query(server, sa.select(connections.c.token_encrypted).where(connections.c.name == made["name"]))
    assert jenkins.token not in sealed


def test_wrong_token_is_a_400_naming_the_token(api: Api, jenkins: FakeJenkins) -> None:
    body = {"name": "Bad token", "url": jenkins.url, "username": "ci-bot", "token": "wrong"}
    problem = assert_problem(api.post("/api/v1/connections", json=body), 400, "bad_request", "token")
    assert "401" in problem["error"]["message"]
    assert "Bad token" not in [
        c["name"] for c in api.ok("GET", "/api/v1/connections", params={"per_page": 100})["data"]
    ]


def test_unreachable_or_malformed_urls_are_400(api: Api) -> None:
    for url in (
        f"http://127.0.0.1:{free_port()}/",
        "ftp://jenkins.example.com",
        "jenkins",
        "",
        "http://[::1",
        "http://a b/",
        "http://ci-bot:s3cret@127.0.0.1/",  # credentials belong in the username and token fields
    ):
        body = {"name": "Nowhere", "url": url, "username": "ci-bot", "token": "t"}
        assert_problem(api.post("/api/v1/connections", json=body), 400, "bad_request", "url")


def test_a_closed_port_and_a_server_that_is_not_jenkins_are_refused_in_the_same_words(api: Api, server: Server) -> None:
    said = set()
    for url in (f"http://127.0.0.1:{free_port()}/", server.base_url + "/docs", server.base_url + "/healthz"):
        body = {"name": "Not Jenkins", "url": url, "username": "ci-bot", "token": "t"}
        said.add(
            assert_problem(api.post("/api/v1/connections", json=body), 400, "bad_request", "url")["error"]["message"]
        )
    assert len(said) == 1, said


def test_private_jenkins_addresses_need_the_opt_in(jenkins: FakeJenkins, tmp_path: Path) -> None:
    """The webhook SSRF guard: a Jenkins on 127.0.0.1 is refused unless GHEE_JENKINS_ALLOW_PRIVATE is set."""
    new = NewConnection("Local", jenkins.url, jenkins.user, jenkins.token)

    async def add(*, allow_private: bool) -> str:
        database_url = f"sqlite:///{tmp_path / 'guard.db'}"
        settings = Settings(database_url=database_url, secret_key=SECRET_KEY, jenkins_allow_private=allow_private)
        async with opened(database_url) as db:
            await upgrade(db.engine)
            return (await add_connection(db, settings, new)).public_id

    with pytest.raises(Invalid, match=r"non-public address.*GHEE_JENKINS_ALLOW_PRIVATE") as refused:
        asyncio.run(add(allow_private=False))
    assert refused.value.field == "url"
    assert jenkins.requests == []  # refused before anything was sent
    assert asyncio.run(add(allow_private=True)).startswith("conn_")


def test_missing_fields_and_duplicate_names(api: Api, jenkins: FakeJenkins) -> None:
    assert_problem(api.post("/api/v1/connections", json={"name": "x", "url": jenkins.url}), 400, "bad_request")
    made = connect(api, jenkins)
    assert_problem(
        api.post(
            "/api/v1/connections",
            json={"name": made["name"], "url": jenkins.url, "username": "ci-bot", "token": jenkins.token},
        ),
        409,
        "conflict",
    )


def test_only_admins_manage_connections(server: Server, jenkins: FakeJenkins) -> None:
    reader, writer, nobody = Api(server, server.token("read")), Api(server, server.token("write")), Api(server, None)
    try:
        # Connections name internal servers: listing them is for admins too.
        assert_problem(reader.get("/api/v1/connections"), 403, "forbidden")
        assert_problem(writer.get("/api/v1/connections"), 403, "forbidden")
        body = {"name": "By a writer", "url": jenkins.url, "username": "ci-bot", "token": jenkins.token}
        assert_problem(writer.post("/api/v1/connections", json=body), 403, "forbidden")
        assert_problem(nobody.get("/api/v1/connections"), 401, "unauthorized")
    finally:
        for client in (reader, writer, nobody):
            client.http.close()


def test_delete_connection(api: Api, jenkins: FakeJenkins) -> None:
    made = connect(api, jenkins)
    assert api.http.delete(f"/api/v1/connections/{made['id']}").status_code == 204
    assert made["id"] not in [c["id"] for c in api.ok("GET", "/api/v1/connections", params={"per_page": 100})["data"]]
    assert_problem(api.http.delete(f"/api/v1/connections/{made['id']}"), 404, "not_found")
    assert_problem(api.http.delete("/api/v1/connections/nonsense"), 404, "not_found")


def test_pages_are_checked(api: Api) -> None:
    assert_problem(api.get("/api/v1/connections", params={"page": 0}), 400, "bad_request")
    assert_problem(api.get("/api/v1/connections", params={"per_page": 0}), 400, "bad_request")
    assert api.ok("GET", "/api/v1/connections", params={"per_page": 101})["meta"]["per_page"] == 100
    assert api.ok("GET", "/api/v1/connections", params={"page": 999})["data"] == []
