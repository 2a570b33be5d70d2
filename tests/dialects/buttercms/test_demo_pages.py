"""The demo's pages and content: loaded once however often asked, readable in English and French."""

from __future__ import annotations

import asyncio
from pathlib import Path

import sqlalchemy as sa

from ghee.db.database import opened
from ghee.db.tables import content_entries, content_schemas, content_values
from ghee.demo_pages import PAGE_TYPE, TEAM, load_demo_pages
from tests.support.api import Api
from tests.support.databases import make_database
from tests.support.servers import start_server


async def _load_twice(url: str) -> tuple[str, str, list[int], list[int]]:
    tables = (content_schemas, content_entries, content_values)
    counts = []
    summaries = []
    async with opened(url) as db:
        for _ in range(2):
            async with db.write() as work:
                summaries.append(await load_demo_pages(work))
                counts.append([await work.scalar(sa.select(sa.func.count()).select_from(t)) or 0 for t in tables])
    return summaries[0], summaries[1], counts[0], counts[1]


def test_demo_pages_load_once_and_read_in_two_locales(backend: str, tmp_path: Path) -> None:
    url, drop = make_database(backend, tmp_path)
    try:
        first, second, after_first, after_second = asyncio.run(_load_twice(url))
        assert PAGE_TYPE in first
        assert "already loaded" in second
        assert after_first == after_second
        server = start_server(url, tmp_path / "serve.log")
        api = Api(server, server.token("read"))
        try:
            english = api.ok("GET", f"/v2/pages/{PAGE_TYPE}/skyforge-launch/")["data"]["fields"]
            french = api.ok("GET", f"/v2/pages/{PAGE_TYPE}/skyforge-launch/?locale=fr")["data"]["fields"]
            assert english["headline"] == "Skyforge is out now"
            assert french["headline"] == "Skyforge est disponible"
            assert french["launch_date"] == english["launch_date"]  # untranslated: the default locale's
            assert french["team"][0]["role"] == "Directrice technique"
            assert api.ok("GET", f"/v2/pages/{PAGE_TYPE}/")["meta"]["count"] == 2
            assert api.ok("GET", f"/v2/pages/{PAGE_TYPE}/?preview=1")["meta"]["count"] == 3
            content = api.ok("GET", f"/v2/content/?keys=homepage_headline,{TEAM}&locale=fr")["data"]
            assert content["homepage_headline"] == "Des jeux faits au grand jour"
            assert len(content[TEAM]) == 3
        finally:
            api.http.close()
            server.stop()
    finally:
        drop()
