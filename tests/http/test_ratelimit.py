"""Per-token rate limits: headers, 429 with Retry-After, bursts, and one budget shared through Redis."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.servers import Server, start_server
from tests.support.services import require_redis


def _get(server: Server, token: str) -> httpx.Response:
    return httpx.get(f"{server.base_url}/v1/projects", headers={"Authorization": f"Bearer {token}"}, timeout=10)


def test_token_over_its_limit_gets_429_with_retry_after(server: Server) -> None:
    token = server.token("read", rate_limit="3/minute")
    statuses = [_get(server, token).status_code for _ in range(3)]
    refused = _get(server, token)
    assert statuses == [200, 200, 200]
    assert refused.status_code == 429
    assert refused.json()["error"] == "rate_limited"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.headers["X-RateLimit-Remaining"] == "0"
    assert refused.headers["X-RateLimit-Limit"] == "3"


def test_remaining_counts_down(server: Server) -> None:
    token = server.token("read", rate_limit="5/minute")
    remaining = [int(_get(server, token).headers["X-RateLimit-Remaining"]) for _ in range(3)]
    assert remaining == [4, 3, 2]


def test_burst_limit_refuses_fast_requests(server: Server) -> None:
    # The shorter window is a minute, not a second: 15 requests take longer than a second on a loaded machine.
    token = server.token("read", rate_limit="1000/hour;5/minute")
    statuses = [_get(server, token).status_code for _ in range(15)]
    assert 429 in statuses
    assert statuses[:5] == [200] * 5


def test_headers_report_the_first_listed_limit(server: Server) -> None:
    token = server.token("read", rate_limit="60/minute;10/second")
    assert _get(server, token).headers["X-RateLimit-Limit"] == "60"


def test_one_token_cannot_spend_another_tokens_budget(server: Server) -> None:
    spender = server.token("read", rate_limit="2/minute")
    other = server.token("read", rate_limit="2/minute")
    for _ in range(3):
        _get(server, spender)
    assert _get(server, other).status_code == 200


@pytest.fixture
def two_servers_on_redis(server: Server, tmp_path: Path) -> Iterator[tuple[Server, Server]]:
    redis_url = require_redis()
    first = start_server(server.database_url, tmp_path / "a.log", GHEE_REDIS_URL=redis_url)
    second = start_server(server.database_url, tmp_path / "b.log", GHEE_REDIS_URL=redis_url)
    yield first, second
    first.stop()
    second.stop()


def test_two_server_processes_share_one_budget_through_redis(two_servers_on_redis: tuple[Server, Server]) -> None:
    first, second = two_servers_on_redis
    token = first.token("read", rate_limit="10/minute")
    statuses = [_get(target, token).status_code for _ in range(8) for target in (first, second)]
    assert statuses.count(200) == 10
    assert statuses.count(429) == 6


def test_unreachable_redis_answers_503_not_500(server: Server, tmp_path: Path) -> None:
    broken = start_server(server.database_url, tmp_path / "broken.log", GHEE_REDIS_URL="redis://127.0.0.1:1/0")
    try:
        response = _get(broken, broken.token("read"))
    finally:
        broken.stop()
    assert response.status_code == 503
    assert response.json()["error"] == "unavailable"
    assert "Retry-After" in response.headers
