"""The rules beneath delivery: event patterns, release areas, signing, the retry schedule, the SSRF guard."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
from standardwebhooks.webhooks import Webhook

from ghee.config import DEFAULT_SCHEDULE, DeliverySettings
from ghee.core.event_types import EVENT_TYPES, check_pattern, matches
from ghee.core.release_areas import area_of, headline
from ghee.delivery.connections import Origin
from ghee.delivery.deliveries import next_delay
from ghee.delivery.signing import new_secret, signed_headers
from ghee.delivery.ssrf import check_target, pinned
from ghee.errors import Invalid


@pytest.mark.parametrize(
    ("patterns", "event", "selected"),
    [
        (["post.all"], "post.update", True),
        (["post.all"], "page.update", False),
        (["build.*"], "build.finished", True),
        (["*"], "job.flaky", True),
        (["deployment.live"], "deployment.failed", False),
    ],
)
def test_patterns_select_events(patterns: list[str], event: str, selected: bool) -> None:
    assert matches(patterns, event) is selected


def test_every_event_type_ghee_records_is_in_the_catalogue_and_documented() -> None:
    """Scans the source for the types it records, so ``/v1/events?type=`` and subscriptions accept each one."""
    source = Path(__file__).resolve().parents[2] / "src" / "ghee"
    recorded = set()
    for path in source.rglob("*.py"):
        text = path.read_text()
        for call in re.finditer(
            r"(?:record_event\(\s*work,\s*|NewEvent\(\s*|_emit\(work,\s*|_event\()\"([a-z_]+\.[a-z_]+)\"", text
        ):
            recorded.add(call.group(1))
    assert len(recorded) > 20, recorded
    assert recorded <= set(EVENT_TYPES), recorded - set(EVENT_TYPES)
    documented = (source.parents[1] / "docs" / "webhooks.md").read_text()
    missing = [t for t in EVENT_TYPES if f"`{t}`" not in documented and f"`{t.partition('.')[0]}.*`" not in documented]
    assert not missing, missing


def test_every_issue_event_is_known() -> None:
    wanted = {
        "build.created", "build.updated", "build.finished", "deployment.created", "deployment.live",
        "deployment.failed", "asset.approval_changed", "changelist.created", "job.flaky", "post.create",
        "post.update", "post.delete", "contentfield.update", "page.create", "page.update",
        "collectionitem.create", "collectionitem.update", "collectionitem.delete",
    }  # fmt: skip
    assert wanted <= set(EVENT_TYPES)
    assert check_pattern("post.all") == "post.all"
    with pytest.raises(Invalid):
        check_pattern("post.everything")


@pytest.mark.parametrize(
    ("description", "paths", "area"),
    [
        ("[Audio] New footsteps", [], "Audio"),
        ("Fix the crash #fix", [], "Fixes"),
        ("Photo mode #feature", [], "Features"),
        ("Tweak", ["//depot/Game/Content/Maps/L_Arena.umap", "//depot/Game/Content/Maps/L_Dock.umap"], "Maps"),
        ("Tweak", ["//depot/Game/Source/Net/Replication.cpp"], "Net"),
        ("Tweak", ["//depot/readme.txt"], "Other"),
    ],
)
def test_changelists_are_grouped_by_area(description: str, paths: list[str], area: str) -> None:
    assert area_of(description, paths) == area


def test_headlines_drop_the_area_prefix_and_tags() -> None:
    assert headline("[Audio] New footsteps #feature\nlong text") == "New footsteps"


def test_signatures_verify_with_the_standardwebhooks_package() -> None:
    secret = new_secret()
    body = b'{"data": {"id": "x"}}'
    headers = signed_headers(secret, "msg_abc", body)
    assert Webhook(secret).verify(body, headers) == {"data": {"id": "x"}}


def test_retries_follow_the_schedule_with_jitter_then_stop() -> None:
    assert DeliverySettings.from_env({}).retry_schedule == DEFAULT_SCHEDULE
    assert DeliverySettings.from_env({"GHEE_WEBHOOK_RETRY_SCHEDULE": "0,1,2"}).retry_schedule == (0.0, 1.0, 2.0)
    for attempt, scheduled in enumerate(DEFAULT_SCHEDULE[1:], start=1):
        delay = next_delay(DEFAULT_SCHEDULE, attempt, None)
        assert delay is not None
        assert scheduled * 0.8 <= delay <= scheduled * 1.2
    assert next_delay(DEFAULT_SCHEDULE, len(DEFAULT_SCHEDULE), None) is None
    assert next_delay(DEFAULT_SCHEDULE, 1, 120.0) == 120.0  # a 429's Retry-After, when longer


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1/x", "http://localhost:8080/x", "http://10.1.2.3/x", "http://169.254.169.254/latest",
     "http://[::1]/x", "http://192.168.0.10/x", "http://0.0.0.0/x",
     # IPv4 wrapped in IPv6: mapped, 6to4 (2002::/16) and Teredo's client; and site-local fec0::/10.
     "http://[::ffff:127.0.0.1]/x", "http://[2002:7f00:1::1]/x", "http://[2002:a00:1::]/x",
     "http://[2002:a9fe:a9fe::1]/latest", "http://[fec0::1]/x"],
)  # fmt: skip
def test_private_targets_are_refused(url: str) -> None:
    with pytest.raises(Invalid, match="non-public address"):
        asyncio.run(check_target(url, allow_private=False))
    assert asyncio.run(check_target(url, allow_private=True)) == url


@pytest.mark.parametrize(
    ("url", "address", "origin", "target"),
    [
        ("http://hooks.example.com/in", "93.184.216.34", ("http", "93.184.216.34", 80, "hooks.example.com"), "/in"),
        ("https://hooks.example.com:8443/in?x=1", "93.184.216.34",
         ("https", "93.184.216.34", 8443, "hooks.example.com"), "/in?x=1"),
        ("https://hooks.example.com", "2606:2800:220:1::1", ("https", "2606:2800:220:1::1", 443, "hooks.example.com"),
         "/"),
    ],
)  # fmt: skip
def test_a_delivery_goes_to_the_address_the_guard_checked(
    url: str, address: str, origin: tuple[str, str, int, str], target: str
) -> None:
    """No second lookup between the check and the connection: the host name travels in Host and as the TLS name."""
    assert pinned(url, address) == (Origin(*origin), target)
