"""A cluster on one machine: two ``ghee serve`` and two ``ghee worker`` over one PostgreSQL and one Redis.

Neither server runs background loops (``GHEE_WORKER_IN_PROCESS=0``): the two
workers share webhook delivery and Jenkins sync through the database, and the
servers share rate-limit counters through Redis. Both services are required:
with ``GHEE_TEST_POSTGRES_URL`` and ``GHEE_TEST_REDIS_URL`` set and either
down, the tests fail rather than skip.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.cluster import (
    STEADY_LEASE,
    Cluster,
    start_cluster,
    stop_cluster,
)
from tests.support.fake_jenkins import FakeJenkins
from tests.support.webhooks import Receiver, receiving


@pytest.fixture(scope="session")
def whole_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """One cluster for the suite: each test reads only what it wrote (fresh tokens, projects, receiver paths)."""
    running = start_cluster(tmp_path_factory.mktemp("cluster"), GHEE_WEBHOOK_LEASE_SECONDS=STEADY_LEASE)
    yield running
    stop_cluster(running)


@pytest.fixture
def cluster(whole_cluster: Cluster) -> Cluster:
    """The suite's cluster, whole: what an earlier test killed is started again first."""
    whole_cluster.restart_what_died()
    return whole_cluster


@pytest.fixture
def jenkins() -> Iterator[FakeJenkins]:
    """A fake Jenkins for one test."""
    fake = FakeJenkins().start()
    yield fake
    fake.stop()


@pytest.fixture(scope="session")
def receiver() -> Iterator[Receiver]:
    """A real HTTP server on 127.0.0.1 that the cluster's webhooks are sent to."""
    with receiving() as running:
        yield running
