"""The readers of the ButterStack resources give the same answer on the fast path as inside a unit of work.

The fast path returns the driver's raw rows (SQLite: timestamps as text,
booleans as 0/1, JSON as text), a unit of work SQLAlchemy's; each reader
must read both alike.
"""

from __future__ import annotations

import asyncio
from typing import Any

from cryptography.fernet import Fernet

from ghee.core import assets, changelists, deployments, events, project_settings, projects
from ghee.core.builds import reads as builds
from ghee.core.paging import Window
from ghee.db.database import opened
from ghee.db.reads import Reads
from ghee.db.sealing import Sealer
from ghee.delivery import deliveries, subscriptions
from tests.support.api import Api
from tests.support.butterstack import Estate
from tests.support.servers import Server


async def _everything(reads: Reads, estate: Estate, webhook_id: str) -> dict[str, Any]:
    """What every reader answers about the estate."""
    project = await projects.get_project(reads, estate.project["id"])
    changelist = await changelists.get_changelist(reads, estate.changelist["id"])
    asset = await assets.get_asset(reads, estate.asset["id"])
    build = await builds.get_build(reads, estate.build["id"])
    deployment = await deployments.get_deployment(reads, estate.deployment["id"])
    webhook = await subscriptions.get_subscription(reads, webhook_id)
    about = events.EventFilter(resource_id=estate.deployment["id"])
    return {
        "project": project,
        "changelist": changelist,
        "changelist by row": await changelists.get_changelist_by_row_id(reads, changelist.id),
        "changelists": await changelists.list_changelists(reads, project.id, Window(10)),
        "latest changelist": await changelists.latest_changelist(reads, project.id),
        "changelist id": await changelists.changelist_id_for(reads, project.id, changelist.number),
        "asset": asset,
        "assets": await assets.list_assets(reads, project.id, assets.AssetFilter("//depot/Game/"), Window(10)),
        "asset history": await assets.asset_history(reads, asset.id),
        "deployment": deployment,
        "deployments": await deployments.list_deployments(
            reads, project.id, deployments.DeploymentFilter(platform="steam"), Window(10)
        ),
        "live": await deployments.live_deployments(reads, project.id),
        "deployments of build": await deployments.deployments_of_build(reads, build.id),
        "build numbers": await builds.build_numbers(reads, [build.id, build.id]),
        "settings": await project_settings.get_project_settings(reads, project.id),
        "events": await events.list_events(reads, about, None, 10),
        "recent events": await events.recent_events(reads, about, 10),
        "log cursor": await events.latest_cursor(reads),
        "webhook": webhook,
        "webhooks": await subscriptions.list_subscriptions(reads, Window(100)),
        "active webhooks": await subscriptions.active_subscriptions(reads),
        "deliveries": await deliveries.list_deliveries(reads, webhook.id, None, Window(10)),
    }


def test_readers_answer_alike_on_the_fast_path_and_in_a_unit_of_work(api: Api, server: Server, estate: Estate) -> None:
    api.ok("PATCH", f"/v1/deployments/{estate.deployment['id']}", json={"status": "live"})
    api.ok("PATCH", f"/v1/assets/{estate.asset['id']}", json={"approval_status": "approved"})

    sealer = Sealer(Fernet.generate_key())

    async def run() -> tuple[dict[str, Any], dict[str, Any]]:
        async with opened(server.database_url) as db:
            async with db.write() as work:
                # Inactive: nothing is delivered to it for the rest of the session.
                changes = subscriptions.SubscriptionChanges(
                    url="http://127.0.0.1:9/hook", events=["build.*"], headers={"X-Studio": "north"}, active=False
                )
                made = await subscriptions.create_subscription(work, sealer, changes, allow_private=True)
                webhook = made.subscription.public_id
            fast = await _everything(db.read(), estate, webhook)
            async with db.write() as work:
                slow = await _everything(work, estate, webhook)
        return fast, slow

    fast, slow = asyncio.run(run())
    # The server's own loops may hold a transaction open between the two reads,
    # which on PostgreSQL holds the readable horizon back: the cursor is checked
    # for shape on both paths, everything else for equality.
    fast_cursor, slow_cursor = fast.pop("log cursor"), slow.pop("log cursor")
    assert fast == slow
    assert fast_cursor is not None
    assert fast_cursor.startswith("evt_")
    assert slow_cursor is not None
    assert slow_cursor.startswith("evt_")
    assert fast["changelist"].files == [changelists.FileChange("//depot/Game/Content/T_Rock_D.uasset", "add")]
    assert fast["asset"].approval_status == "approved"
    assert fast["asset"].deleted is False
    assert [d.status for d in fast["live"]] == ["live"]
    assert fast["webhook"].header_names == ["X-Studio"]
    assert sealer.open(fast["webhook"].sealed_headers["X-Studio"]) == "north"
    assert fast["webhook"].active is False
    assert [e.type for e in fast["events"].items] == ["deployment.created", "deployment.live"]
    assert fast["events"].items[0].payload["platform"] == "steam"
    assert fast["build numbers"] == {fast["deployment"].build_id: estate.build["number"]}
