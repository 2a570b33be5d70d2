"""Two servers and two workers on one PostgreSQL and one Redis behave as one ghee.

A rate limit is one budget whichever server is asked; each Jenkins pass and
each webhook delivery is done by one worker, not both; what is written
through one server is seen, as events, through the other.
"""

from __future__ import annotations

import uuid
from collections import Counter
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from ghee import ids
from ghee.db.tables import builds, connections, events, jobs
from tests.support.api import Api
from tests.support.browser import next_event
from tests.support.cluster import Cluster, deliveries, session_cookies
from tests.support.fake_jenkins import T0, FakeBuild, FakeJenkins, FakeJob
from tests.support.jenkins import connect, query
from tests.support.jenkins_estate import furnish
from tests.support.webhooks import Receiver, read_all, wait_until

pytestmark = pytest.mark.slow


def test_a_rate_limit_is_one_budget_across_both_servers(cluster: Cluster) -> None:
    project = cluster.a_api.new_project()
    # A day-long window: the sliding window weighs the previous one, so a test straddling a window's end
    # could be let one request more; a day's end is unlikely to fall within the test.
    token = cluster.a.token("write", rate_limit="10/day")
    clients = [Api(server, token) for server in cluster.servers]
    build = {"platform": "win64", "configuration": "shipping", "changelist": None}
    answered: list[tuple[int, int]] = []  # (which server, status)
    for i in range(8):
        for which, client in enumerate(clients):
            if i % 2:
                status = client.get(f"/v1/projects/{project['id']}/builds").status_code
            else:
                status = client.post(f"/v1/projects/{project['id']}/builds", json=build).status_code
            answered.append((which, status))
    for client in clients:
        client.http.close()

    statuses = [status for _, status in answered]
    assert [s // 100 for s in statuses[:10]] == [2] * 10
    assert statuses[10:] == [429] * 6
    assert {which for which, status in answered if status == 429} == {0, 1}
    # The refused writes wrote nothing: of the 10 requests that got through, 6 were writes (rounds 0, 2 and 4).
    stored = cluster.b_api.ok("GET", f"/v1/projects/{project['id']}/builds", params={"limit": 100})
    assert len(stored["builds"]) == 6


def _jenkins_builds(cluster: Cluster, name: str) -> list[Any]:
    stmt = (
        sa.select(builds.c.id, builds.c.number, builds.c.status, jobs.c.full_name)
        .join(jobs, jobs.c.id == builds.c.job_id)
        .join(connections, connections.c.id == jobs.c.connection_id)
        .where(connections.c.name == name)
    )
    return query(cluster.a, stmt)


def _whole_log_reads(jenkins: FakeJenkins) -> Counter[str]:
    """How often each build's console text was read from its start."""
    with jenkins.lock:
        return Counter(path for _, path in jenkins.requests if path.endswith("/logText/progressiveText?start=0"))


def test_each_jenkins_pass_runs_on_one_worker_and_stores_each_build_once(
    cluster: Cluster, jenkins: FakeJenkins
) -> None:
    furnish(jenkins)
    made = connect(cluster.a_api, jenkins)
    wait_until(lambda: len(_jenkins_builds(cluster, made["name"])) == 8, "the first pass's 8 builds")

    # Between passes Jenkins runs three more builds and finishes the running one.
    with jenkins.lock:
        app = jenkins.find(["app"])
        assert isinstance(app, FakeJob)
        for number in (5, 6, 7):
            app.add(FakeBuild(number, "SUCCESS", timestamp=T0 + number * 600_000, log=b"Finished: SUCCESS\n"))
        running = jenkins.find(["game", "feature%2Flogin"])
        assert isinstance(running, FakeJob)
        running.builds[1].building = False
        running.builds[1].log += b"Finished: SUCCESS\n"

    def all_finished() -> bool:
        stored = _jenkins_builds(cluster, made["name"])
        return len(stored) == 11 and all(row.status != "running" for row in stored)

    wait_until(all_finished, "the passes after Jenkins changed")

    # A build's (job, number) is unique in the schema; two workers on one pass would show as each of them
    # reading every new build's console from its start, and recording its events twice.
    reads = _whole_log_reads(jenkins)
    assert len(reads) == 11
    assert set(reads.values()) == {1}
    build_ids = [ids.encode("build", row.id) for row in _jenkins_builds(cluster, made["name"])]
    logged = sa.select(events.c.resource_id, events.c.type).where(events.c.resource_id.in_(build_ids))
    kinds = Counter((row.resource_id, row.type) for row in query(cluster.a, logged))
    for build_id in build_ids:
        assert (kinds[build_id, "build.created"], kinds[build_id, "build.finished"]) == (1, 1), build_id
    [connection] = query(cluster.a, sa.select(connections).where(connections.c.name == made["name"]))
    assert (connection.status, connection.failures, connection.last_error) == ("ok", 0, None)
    # The fake Jenkins stops with the test: no more passes against it.
    assert cluster.a_api.http.delete(f"/api/v1/connections/{made['id']}").status_code == 204


def test_each_event_written_through_either_server_is_delivered_once(cluster: Cluster, receiver: Receiver) -> None:
    path = receiver.path("cluster")
    hook = cluster.hub.subscribe(receiver, path, ["project.created"])
    made = [api.new_project()["id"] for _ in range(10) for api in cluster.apis]

    def all_delivered() -> list[dict[str, Any]] | None:
        found = deliveries(cluster.b_api, hook["id"])
        return found if len(found) == len(made) and all(d["state"] == "delivered" for d in found) else None

    messages = wait_until(all_delivered, f"{len(made)} delivered messages")
    received = Counter(r.headers["webhook-id"] for r in receiver.at(path))
    assert received == Counter({d["id"]: 1 for d in messages})
    assert sorted(r.verified(hook["secret"])["data"]["id"] for r in receiver.at(path)) == sorted(made)
    logged = {
        e["id"] for e in read_all(cluster.b_api, type="project.created", limit=100)[0] if e["resource_id"] in made
    }
    assert {d["event_id"] for d in messages} == logged
    assert len(logged) == len(made)


def test_events_written_through_one_server_are_read_through_the_other(cluster: Cluster) -> None:
    for writer, reader in (cluster.apis, cluster.apis[::-1]):
        name = f"Game {uuid.uuid4().hex[:8]}"
        project = writer.new_project(name=name)

        def logged(reader: Api = reader, project_id: str = project["id"]) -> list[dict[str, Any]]:
            found: list[dict[str, Any]] = reader.ok("GET", "/v1/events", params={"resource": project_id})["events"]
            return found

        [event] = wait_until(logged, f"{name}'s event through the other server")
        assert (event["type"], event["data"]["name"]) == ("project.created", name)


def test_a_dashboard_streaming_from_one_server_sees_an_event_written_through_the_other(cluster: Cluster) -> None:
    cookies = session_cookies(cluster.a)
    browser = httpx.Client(base_url=cluster.a.base_url, cookies=cookies, timeout=30)
    with browser, browser.stream("GET", "/live", params={"types": "project.created"}) as stream:
        assert stream.status_code == 200
        project = cluster.b_api.new_project()
        event_id, event = next_event(stream.iter_lines())
    assert (event["type"], event["resource_id"], event["id"]) == ("project.created", project["id"], event_id)
