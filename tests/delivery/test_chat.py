"""Chat subscriptions against a real receiver: Slack, Discord and Teams messages, quiet periods, a secret URL."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ghee import ids
from ghee.core.builds.events import BuildFacts, build_event
from ghee.core.builds.failures import classify_builds
from ghee.core.events import record_events
from ghee.core.projects import project_row_id
from ghee.db.database import Write
from tests.delivery.test_chat_messages import assert_discord, assert_slack, assert_teams
from tests.support.api import Api
from tests.support.buildbutler_factory import in_db, new_build, new_connection, new_job
from tests.support.webhooks import Hub, Receiver, wait_until

Subscribe = Callable[..., dict[str, Any]]
FORMATS = ("slack", "discord", "teams")
HUGE_ERROR = "Source/Game/Player.cpp:118:7: error: use of undeclared identifier '" + "Healht" * 5000 + "'"


def secret_path(fmt: str) -> str:
    """A path like the services give, its last part the secret."""
    return f"/{fmt}/services/T0/B0/{uuid.uuid4().hex}{uuid.uuid4().hex}"


class Job:
    """A Jenkins job of a project, whose builds are written straight to the database as a sync writes them."""

    def __init__(self, hub: Hub, project_id: str, name: str) -> None:
        self.hub = hub
        self.project_row = project_row_id(project_id)

        async def seed(work: Write) -> int:
            connection_id, _ = await new_connection(work)
            return await new_job(work, connection_id, name, project_id=self.project_row)

        self.id = in_db(hub.server, seed)
        self.number = 0

    def finished(self, result: str, log: str, branch: str = "main") -> None:
        """A finished build of the job, classified, with its ``build.finished`` event."""
        self.number += 1
        number = self.number

        async def seed(work: Write) -> None:
            build = await new_build(work, self.id, number, result, log=log, branch=branch, project_id=self.project_row)
            await classify_builds(work, [build])
            status = "success" if result == "SUCCESS" else "failed"
            facts = BuildFacts(build, self.project_row, self.id, number, status, result, "", "", branch)
            await record_events(work, [build_event("build.finished", facts)])

        in_db(self.hub.server, seed)


def chat_hooks(subscribe: Subscribe, receiver: Receiver, **fields: Any) -> dict[str, tuple[str, dict[str, Any]]]:
    """One subscription per chat format; each format's receiver path and the created subscription."""
    made = {}
    for fmt in FORMATS:
        path = secret_path(fmt)
        made[fmt] = (path, subscribe(path, ["build.*"], format=fmt, **fields))
    return made


def test_a_failed_build_arrives_in_each_service_s_shape_then_keeps_quiet_then_says_fixed(
    hub: Hub, api: Api, receiver: Receiver, subscribe: Subscribe
) -> None:
    project = api.new_project(name="Northwind " + "Ö" * 180)
    job = Job(hub, project["id"], "nightly-" + "x" * 240)
    hooks = chat_hooks(subscribe, receiver, projects=[project["id"]], branches=["main"], quiet_minutes=60)

    job.finished("FAILURE", f"Compiling\n{HUGE_ERROR}\nFinished: FAILURE\n")
    for fmt, (path, _) in hooks.items():
        (request,) = wait_until(lambda path=path: receiver.at(path), f"the {fmt} message")
        assert request.headers["content-type"] == "application/json"
        assert not any(name.startswith("webhook-") for name in request.headers)  # chat messages are not signed
        message = request.json()
        {"slack": assert_slack, "discord": assert_discord, "teams": assert_teams}[fmt](message)
        text = str(message)
        assert "Build failed" in text
        assert "Northwind" in text
        assert "nightly-" in text
        assert "compilation" in text or "compile" in text  # the failure category
        assert "Player.cpp:118:7" in text  # the line it rests on
        assert "/builds/build_" in text

    job.finished("FAILURE", f"{HUGE_ERROR}\nFinished: FAILURE\n")  # inside the quiet period: nothing
    job.finished("SUCCESS", "Finished: SUCCESS\n", branch="release")  # a branch the rules leave out
    job.finished("SUCCESS", "Finished: SUCCESS\n")
    for fmt, (path, hook) in hooks.items():
        second = wait_until(lambda path=path: receiver.at(path)[1:], f"the {fmt} fixed message")
        assert "Build fixed" in str(second[0].json())
        listed = api.ok("GET", f"/v1/webhooks/{hook['id']}/deliveries")["deliveries"]
        assert len(listed) == 2  # the quiet failure and the other branch made no delivery
        assert len(receiver.at(path)) == 2


def test_a_discord_answer_without_content_is_a_delivery(
    hub: Hub, api: Api, receiver: Receiver, subscribe: Subscribe
) -> None:
    project = api.new_project()
    job = Job(hub, project["id"], "nightly")
    path = secret_path("discord")
    receiver.answer(path, 204, 204)  # Discord's answer to a webhook message (without ?wait=true)
    hook = subscribe(path, ["build.*"], format="discord", projects=[project["id"]])
    job.finished("FAILURE", "Finished: FAILURE\n")
    job.finished("SUCCESS", "Finished: SUCCESS\n")

    def delivered() -> list[dict[str, Any]] | None:
        listed: list[dict[str, Any]] = api.ok("GET", f"/v1/webhooks/{hook['id']}/deliveries")["deliveries"]
        return listed if len(listed) == 2 and all(d["state"] == "delivered" for d in listed) else None

    listed = wait_until(delivered, "both messages recorded as delivered")
    assert [(d["attempts"], d["last_status"]) for d in listed] == [(1, 204), (1, 204)]  # no retry, none sent twice
    assert len(receiver.at(path)) == 2


def test_other_projects_and_events_without_a_message_reach_no_chat_subscription(
    hub: Hub, api: Api, receiver: Receiver, subscribe: Subscribe
) -> None:
    wanted, other = api.new_project(), api.new_project()
    path = secret_path("slack")
    hook = subscribe(path, ["build.*", "project.*"], format="slack", projects=[wanted["id"]])
    Job(hub, other["id"], "other").finished("FAILURE", "error: boom\nFinished: FAILURE\n")
    api.new_project()  # project.created: no chat message
    job = Job(hub, wanted["id"], "wanted")
    job.finished("SUCCESS", "Finished: SUCCESS\n")  # a success after nothing: no message
    job.finished("FAILURE", "error: boom\nFinished: FAILURE\n")

    (request,) = wait_until(lambda: receiver.at(path), "the wanted project's failure")
    assert "wanted" in request.json()["text"]
    assert len(api.ok("GET", f"/v1/webhooks/{hook['id']}/deliveries")["deliveries"]) == 1


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_test_message_arrives_in_the_service_s_shape(
    api: Api, receiver: Receiver, subscribe: Subscribe, fmt: str
) -> None:
    path = secret_path(fmt)
    hook = subscribe(path, ["build.*"], format=fmt)
    result = api.ok("POST", f"/v1/webhooks/{hook['id']}/test")
    assert result["ok"] is True
    (request,) = receiver.at(path)
    {"slack": assert_slack, "discord": assert_discord, "teams": assert_teams}[fmt](request.json())
    assert "test" in str(request.json())


def test_the_chat_url_is_never_shown_in_answers_or_logs(
    hub: Hub, api: Api, receiver: Receiver, subscribe: Subscribe
) -> None:
    path = secret_path("discord")
    secret = path.rsplit("/", 1)[1]
    created = subscribe(path, ["build.*"], format="discord")
    assert "secret" not in created
    assert created["url"].startswith(receiver.base_url)
    moved = secret_path("discord")
    answers = [
        created,
        api.ok("GET", f"/v1/webhooks/{created['id']}"),
        api.ok("GET", "/v1/webhooks", params={"limit": 100}),
        api.ok("PATCH", f"/v1/webhooks/{created['id']}", json={"url": receiver.url(moved), "quiet_minutes": 5}),
        api.ok("POST", f"/v1/webhooks/{created['id']}/test"),
    ]
    project = api.new_project()
    Job(hub, project["id"], "leaky").finished("FAILURE", "error: boom\nFinished: FAILURE\n")
    wait_until(lambda: receiver.at(moved)[1:], "the message at the new URL")
    (delivery,) = api.ok("GET", f"/v1/webhooks/{created['id']}/deliveries")["deliveries"]
    answers.append(api.ok("GET", f"/v1/webhooks/{created['id']}/deliveries/{delivery['id']}"))
    for answer in answers:
        assert secret not in str(answer)
        assert moved.rsplit("/", 1)[1] not in str(answer)
    logs = list(Path(hub.tmp).glob("*.log"))
    assert logs
    for log in logs:
        text = log.read_text(errors="replace")
        assert secret not in text
        assert moved.rsplit("/", 1)[1] not in text


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"format": "irc"}, "format"),
        ({"format": "slack", "secret": "whsec_" + "A" * 32}, "secret"),
        ({"format": "slack", "headers": {"X-Token": "1"}}, "headers"),
        ({"format": "standard", "quiet_minutes": 5}, "quiet_minutes"),
        ({"format": "teams", "quiet_minutes": -1}, "quiet_minutes"),
        ({"format": "teams", "projects": ["nope"]}, "projects"),
        ({"format": "teams", "projects": [ids.encode("proj", 987_654_321)]}, "no project"),
        ({"format": "teams", "branches": [""]}, "branches"),
    ],
)
def test_malformed_chat_subscriptions_are_refused_with_the_field_named(
    api: Api, receiver: Receiver, body: dict[str, Any], field: str
) -> None:
    payload = {"url": receiver.url(secret_path("x")), "events": ["build.*"], **body}
    response = api.http.post("/v1/webhooks", json=payload)
    assert response.status_code == 400, response.text
    assert field in response.text


def test_a_chat_subscription_has_no_secret_to_rotate_and_keeps_its_format(
    api: Api, receiver: Receiver, subscribe: Subscribe
) -> None:
    hook = subscribe(secret_path("slack"), ["build.*"], format="slack")
    rotated = api.http.post(f"/v1/webhooks/{hook['id']}/secret", json={})
    assert rotated.status_code == 400, rotated.text
    assert api.ok("GET", f"/v1/webhooks/{hook['id']}")["format"] == "slack"


def test_a_deployment_going_live_links_its_patch_notes_draft(
    api: Api, receiver: Receiver, subscribe: Subscribe
) -> None:
    project = api.new_project(name=f"Skyforge {uuid.uuid4().hex[:6]}")
    path = secret_path("teams")
    subscribe(path, ["deployment.*"], format="teams", projects=[project["id"]])
    build = api.finished_build(project["id"])
    deployment = api.ok(
        "POST", f"/v1/builds/{build['id']}/deployments", 201, json={"platform": "steam", "branch": "main"}
    )
    api.ok("PATCH", f"/v1/deployments/{deployment['id']}", json={"status": "live"})

    (request,) = wait_until(lambda: receiver.at(path), "the deployment message")  # deployment.created says nothing
    message = request.json()
    assert_teams(message)
    card = message["attachments"][0]["content"]
    assert card["body"][0]["text"].startswith(f"Deployment live: {project['name']} steam / main")
    slug = f"patch-notes-{deployment['id'].replace('_', '-')}"
    assert card["actions"][0]["url"].endswith(f"/content/posts/{slug}/edit")
    assert api.get(f"/v2/posts/{slug}/", params={"preview": 1}).status_code == 200
