"""Tokens as every dialect accepts them: Bearer, Token and ?auth_token=, revocation on the next request."""

from __future__ import annotations

import asyncio

import httpx

from ghee.core.paging import Window
from ghee.core.tokens import list_tokens, revoke_token
from ghee.db.database import opened
from tests.support.servers import Server


def _revoke_newest(server: Server) -> None:
    async def run() -> None:
        async with opened(server.database_url) as db, db.write() as work:
            newest = (await list_tokens(work, Window(1))).items[0]
            await revoke_token(work, newest.public_id)

    asyncio.run(run())


def test_bearer_header_authenticates(server: Server) -> None:
    token = server.token("read")
    response = httpx.get(f"{server.base_url}/v1/projects", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200


def test_auth_token_query_parameter_authenticates(server: Server) -> None:
    token = server.token("read")
    response = httpx.get(f"{server.base_url}/v1/projects", params={"auth_token": token})
    assert response.status_code == 200


def test_auth_token_with_surrounding_whitespace_is_trimmed_as_in_the_header(server: Server) -> None:
    token = server.token("read")
    for padded in (f"{token} ", f" {token}\n", f"\t{token}"):
        assert httpx.get(f"{server.base_url}/v1/projects", params={"auth_token": padded}).status_code == 200
    assert httpx.get(f"{server.base_url}/v1/projects", params={"auth_token": "   "}).status_code == 401


def test_token_scheme_header_authenticates(server: Server) -> None:
    token = server.token("read")
    response = httpx.get(f"{server.base_url}/v1/projects", headers={"Authorization": f"Token {token}"})
    assert response.status_code == 200


def test_other_authorization_schemes_are_invalid_tokens(server: Server) -> None:
    response = httpx.get(f"{server.base_url}/v1/projects", headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert response.status_code == 401
    assert response.json() == {"error": "unauthorized", "message": "Invalid authorization token"}


def test_revoked_token_fails_on_its_next_request(server: Server) -> None:
    token = server.token("admin")
    headers = {"Authorization": f"Bearer {token}"}
    assert httpx.get(f"{server.base_url}/v1/projects", headers=headers).status_code == 200
    _revoke_newest(server)
    response = httpx.get(f"{server.base_url}/v1/projects", headers=headers)
    assert response.status_code == 401
    assert response.json()["message"] == "Invalid authorization token"


def test_responses_to_authenticated_requests_carry_rate_limit_headers(server: Server) -> None:
    token = server.token("read", rate_limit="60/minute;10/second")
    response = httpx.get(f"{server.base_url}/v1/projects", headers={"Authorization": f"Bearer {token}"})
    assert response.headers["X-RateLimit-Limit"] == "60"
    assert response.headers["X-RateLimit-Remaining"] == "59"
    assert int(response.headers["X-RateLimit-Reset"]) > 1_700_000_000


def test_error_responses_also_carry_rate_limit_headers(server: Server) -> None:
    token = server.token("read", rate_limit="60/minute")
    response = httpx.get(f"{server.base_url}/v1/builds/build_nope", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 404
    assert response.headers["X-RateLimit-Remaining"] == "59"
