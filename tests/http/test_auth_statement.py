"""The ``authenticated`` hook reads the token and the commit marker of the kept answers in one statement."""

from __future__ import annotations

import pytest

from ghee.core.tokens import Authenticated, create_token, revoke_token
from ghee.db.database import opened
from ghee.errors import TokenInvalid
from ghee.http.answers import authenticate
from tests.support.counting_reads import CountingReads
from tests.support.servers import Server
from tests.support.services import run_async


def _authenticate(server: Server, *, revoked: bool = False) -> tuple[Authenticated | None, str, int]:
    """What ``authenticate`` finds for a new token's secret, the marker, and the statements it ran."""

    async def work() -> tuple[Authenticated | None, str, int]:
        async with opened(server.database_url) as db:
            async with db.write() as unit:
                token, secret = await create_token(unit, name="one-statement", scope="write")
                if revoked:
                    await revoke_token(unit, token.public_id)
            reads = CountingReads(db.read())
            try:
                found, marker = await authenticate(reads, secret)
            except TokenInvalid:
                return None, "", reads.statements
            return found, marker, reads.statements

    return run_async(work)


def test_the_token_and_the_commit_marker_cost_one_statement(server: Server) -> None:
    found, marker, statements = _authenticate(server)
    assert found is not None
    assert found.principal.scope == "write"
    assert found.stamp_due
    assert marker
    assert statements == 1


def test_a_revoked_token_is_refused_by_that_one_statement(server: Server) -> None:
    found, _, statements = _authenticate(server, revoked=True)
    assert found is None
    assert statements == 1


@pytest.mark.parametrize("secret", ["ghee_not-a-token", ""])
def test_an_unknown_secret_is_refused(server: Server, secret: str) -> None:
    async def work() -> None:
        async with opened(server.database_url) as db:
            await authenticate(CountingReads(db.read()), secret)

    with pytest.raises(TokenInvalid):
        run_async(work)
