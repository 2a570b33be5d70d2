"""Statement budgets of the ButterStack reads: a page costs the same number of statements however long it is."""

from __future__ import annotations

import asyncio

from cryptography.fernet import Fernet

from ghee.core import assets, changelists, deployments, events
from ghee.core.paging import Window
from ghee.core.projects import project_row_id
from ghee.db.database import opened
from ghee.db.sealing import Sealer
from ghee.delivery import deliveries, subscriptions
from tests.support.api import Api
from tests.support.butterstack import fresh_number
from tests.support.counting_reads import CountingReads
from tests.support.servers import Server

PAGE = 3


def test_each_list_page_is_one_statement(api: Api, server: Server) -> None:
    project = api.new_project()
    for _ in range(PAGE):
        number = fresh_number()
        files = [(f"//depot/Game/Content/T_{number}_{n}.uasset", "add") for n in range(2)]
        api.new_changelist(project["id"], number, files)
        build = api.finished_build(project["id"], changelist=number)
        api.ok("POST", f"/v1/builds/{build['id']}/deployments", 201, json={"platform": "steam", "branch": "beta"})
    row_id = project_row_id(project["id"])

    async def run() -> dict[str, int]:
        async with opened(server.database_url) as db, db.write() as work:
            # Inactive: nothing is delivered to it for the rest of the session.
            changes = subscriptions.SubscriptionChanges(url="http://127.0.0.1:9/hook", events=["*"], active=False)
            sealer = Sealer(Fernet.generate_key())  # its values are never opened here
            webhook = (await subscriptions.create_subscription(work, sealer, changes, allow_private=True)).subscription
        spent: dict[str, int] = {}
        async with opened(server.database_url) as db:
            reads = CountingReads(db.read())
            page = await changelists.list_changelists(reads, row_id, Window(PAGE))
            assert [len(c.files) for c in page.items] == [2] * PAGE
            spent["changelists"], reads.statements = reads.statements, 0
            listed = await assets.list_assets(reads, row_id, assets.AssetFilter("//depot/"), Window(PAGE))
            assert len(listed.items) == PAGE
            spent["assets"], reads.statements = reads.statements, 0
            found = await deployments.list_deployments(reads, row_id, deployments.DeploymentFilter(), Window(PAGE))
            assert len(found.items) == PAGE
            spent["deployments"], reads.statements = reads.statements, 0
            log = await events.list_events(reads, events.EventFilter(type="build.*"), None, PAGE)
            assert len(log.items) == PAGE
            spent["events"], reads.statements = reads.statements, 0
            hooks = await subscriptions.list_subscriptions(reads, Window(PAGE))
            assert hooks.items
            spent["webhooks"], reads.statements = reads.statements, 0
            await deliveries.list_deliveries(reads, webhook.id, None, Window(PAGE))
            spent["deliveries"] = reads.statements
        return spent

    budget = {"changelists": 1, "assets": 1, "deployments": 1, "events": 1, "webhooks": 1, "deliveries": 1}
    assert asyncio.run(run()) == budget
