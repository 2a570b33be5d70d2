"""Tokens that expire: refused from their very moment with each dialect's 401 for an invalid token."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

import httpx
import sqlalchemy as sa

from ghee.clock import utcnow
from ghee.core.tokens import create_token
from ghee.db.database import opened
from ghee.db.tables import tokens
from ghee.errors import Invalid, TokenInvalid
from ghee.http.answers import authenticate
from tests.support.counting_reads import CountingReads
from tests.support.servers import Server
from tests.support.services import run_async


def _expiring_token(server: Server, expires_at: datetime) -> str:
    async def run() -> str:
        async with opened(server.database_url) as db, db.write() as work:
            return (await create_token(work, name="expiring", scope="read", expires_at=expires_at))[1]

    return run_async(run)


def test_a_token_is_refused_once_its_expiry_is_reached_by_the_same_one_statement(server: Server) -> None:
    async def run() -> tuple[int, int]:
        async with opened(server.database_url) as db:
            async with db.write() as work:
                made, secret = await create_token(
                    work, name="expiring", scope="read", expires_at=utcnow() + timedelta(hours=1)
                )
            reads = CountingReads(db.read())
            assert (await authenticate(reads, secret))[0].principal.token_id == made.id
            async with db.write() as work:  # its hour is up now: the expiry is the present moment
                await work.execute(tokens.update().where(tokens.c.id == made.id).values(expires_at=utcnow()))
            try:
                await authenticate(reads, secret)
            except TokenInvalid:
                return reads.statements, 0
            return reads.statements, 1

    statements, accepted = run_async(run)
    assert accepted == 0
    assert statements == 2


def test_an_expiry_in_the_past_is_refused_when_the_token_is_made(server: Server) -> None:
    async def run() -> str:
        async with opened(server.database_url) as db, db.write() as work:
            try:
                await create_token(work, name="late", scope="read", expires_at=utcnow() - timedelta(seconds=1))
            except Invalid as exc:
                return exc.field
            return ""

    assert run_async(run) == "expires"


def test_an_expired_token_answers_401_in_every_dialect_even_where_answers_are_kept(server: Server) -> None:
    admin = {"Authorization": f"Bearer {server.token('admin')}"}
    project = httpx.post(
        f"{server.base_url}/v1/projects", json={"name": "Expiry Watch", "engine": "godot"}, headers=admin
    ).json()["id"]
    expires_at = utcnow() + timedelta(seconds=3)
    secret = _expiring_token(server, expires_at)
    bearer = {"Authorization": f"Bearer {secret}"}
    requests = [
        (f"/v1/projects/{project}/builds", bearer),  # a kept answer (ghee.http.answers)
        (f"/v1/projects/{project}/builds", bearer),  # ... answered from memory the second time
        ("/v1/apps/", bearer),
        ("/api/v1/jobs/job_none/builds", bearer),
        (f"/v2/posts/?auth_token={secret}", {}),
    ]
    for path, headers in requests:
        assert httpx.get(server.base_url + path, headers=headers).status_code != 401, path
    assert utcnow() < expires_at, "the machine was too slow for this test's three seconds"
    time.sleep((expires_at - utcnow()).total_seconds())
    for path, headers in requests:
        refused = httpx.get(server.base_url + path, headers=headers)
        assert refused.status_code == 401, path
        assert secret not in refused.text
        unknown = {name: value.replace(secret, "ghee_never-issued") for name, value in headers.items()}
        usual = httpx.get(server.base_url + path.replace(secret, "ghee_never-issued"), headers=unknown)
        assert refused.json() == usual.json(), path  # the dialect's own "Invalid authorization token"


def test_expires_is_stored_and_listed(server: Server) -> None:
    expires_at = (utcnow() + timedelta(days=90)).replace(microsecond=0)
    _expiring_token(server, expires_at)

    async def run() -> datetime | None:
        async with opened(server.database_url) as db:
            row = await db.read().first(sa.select(tokens.c.expires_at).order_by(tokens.c.id.desc()).limit(1), {})
            assert row is not None
            value = row[0]
            return value if isinstance(value, datetime) else datetime.fromisoformat(value)

    assert run_async(run) == expires_at
