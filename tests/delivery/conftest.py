"""Fixtures of the delivery tests: a real HTTP receiver, and ghee (serve, plus workers on PostgreSQL) sending to it.

Retries are shrunk (``GHEE_WEBHOOK_RETRY_SCHEDULE``) and leases short, so a
whole retry schedule or a crashed worker's lease plays out in a second or two.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.api import Api
from tests.support.databases import make_database
from tests.support.servers import kept
from tests.support.webhooks import (
    Hub,
    Receiver,
    receiving,
    start_hub,
    stop_hub,
)


@pytest.fixture(scope="session")
def receiver() -> Iterator[Receiver]:
    """A real HTTP server on 127.0.0.1 that webhooks are sent to."""
    with receiving() as running:
        yield running


@pytest.fixture(scope="session")
def hub(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Hub:
    """ghee delivering webhooks: in process on SQLite, one ``ghee worker`` on PostgreSQL (kept to the end)."""
    return kept(("hub", backend), lambda: start_hub(backend, tmp_path_factory.mktemp(f"delivery-{backend}")), stop_hub)


@pytest.fixture
def api(hub: Hub) -> Api:
    return hub.api


@pytest.fixture
def subscribe(hub: Hub, receiver: Receiver) -> Iterator[Callable[..., dict[str, Any]]]:
    """Make subscriptions for one test; they are deleted after it, so later tests' events do not reach them."""
    made: list[str] = []

    def make(path: str, events: list[str], **fields: Any) -> dict[str, Any]:
        created = hub.subscribe(receiver, path, events, **fields)
        made.append(created["id"])
        return created

    yield make
    for webhook_id in made:
        hub.api.http.delete(f"/v1/webhooks/{webhook_id}")


@pytest.fixture
def database_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated database of its own, for tests that call the delivery code directly."""
    url, drop = make_database(backend, tmp_path)
    yield url
    drop()
