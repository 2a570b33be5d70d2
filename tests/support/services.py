"""The services the tests use: PostgreSQL and Redis (given or found locally), paths, ports, event loops.

``GHEE_TEST_POSTGRES_URL`` and ``GHEE_TEST_REDIS_URL`` name the services; when
set they are required (a test fails if they cannot be reached). When unset,
the local defaults (``LOCAL_POSTGRES``, ``LOCAL_REDIS``) are used if they
answer, and the tests that need a missing service are skipped.
"""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent.parent
GHEE = str(Path(sys.executable).with_name("ghee"))
LOCAL_POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
LOCAL_REDIS = "redis://127.0.0.1:6379/0"
TEST_RATE_LIMIT = "100000/minute;10000/second"
BACKENDS = ["sqlite", "postgres"]
# Each xdist worker (gw0, gw1, ...) names its databases apart from the others'.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")


T = TypeVar("T")


def run_async(work: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """``asyncio.run(work())``, on a thread of its own when this one already runs a loop.

    Playwright's sync API keeps an event loop running on the test's thread,
    where ``asyncio.run`` refuses to start another.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(work())
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, work()).result()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def _configured(variable: str, local: str, default_port: int) -> str | None:
    """The URL in ``variable``; else ``local`` if something answers there; else ``None``."""
    url = os.environ.get(variable)
    if url:
        return url
    address = make_url(local)
    return local if _reachable(address.host or "127.0.0.1", address.port or default_port) else None


POSTGRES_URL = _configured("GHEE_TEST_POSTGRES_URL", LOCAL_POSTGRES, 5432)
REDIS_URL = _configured("GHEE_TEST_REDIS_URL", LOCAL_REDIS, 6379)


def where(url: str) -> str:
    address = make_url(url)
    return f"{address.host}:{address.port}/{address.database}"


def require_postgres() -> str:
    """The PostgreSQL URL; skip when not configured, fail when configured but down."""
    if not POSTGRES_URL:
        pytest.skip(f"no PostgreSQL: GHEE_TEST_POSTGRES_URL is unset and nothing answers at {LOCAL_POSTGRES}")
    url = make_url(POSTGRES_URL)
    if not _reachable(url.host or "127.0.0.1", url.port or 5432):
        pytest.fail(f"PostgreSQL at {POSTGRES_URL} is required but unreachable", pytrace=False)
    return POSTGRES_URL


def require_redis() -> str:
    """The Redis URL; skip when not configured, fail when configured but down."""
    if not REDIS_URL:
        pytest.skip(f"no Redis: GHEE_TEST_REDIS_URL is unset and nothing answers at {LOCAL_REDIS}")
    url = make_url(REDIS_URL)
    if not _reachable(url.host or "127.0.0.1", url.port or 6379):
        pytest.fail(f"Redis at {REDIS_URL} is required but unreachable", pytrace=False)
    return REDIS_URL
