"""Reference choices: a target's entries named by their display text, drafts marked, in one statement per target."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ghee.core.content.choices import Choice, reference_choices
from ghee.core.content.collections import create_items
from ghee.core.content.pages import NewPage, create_page
from ghee.core.content.schemas import create_schema
from ghee.db.database import opened
from tests.support.counting_reads import CountingReads
from tests.support.databases import make_database
from tests.support.services import run_async

HEROES = "collection:heroes"
GUIDES = "page_type:guides"
SINGLE = "page_type:*"
PLAIN = "collection:plain"
GONE = "collection:gone"


@pytest.fixture(scope="module")
def database_url(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url, drop = make_database(backend, tmp_path_factory.mktemp("content-choices"))

    async def fill() -> None:
        async with opened(url) as db, db.write() as work:
            fields = [{"key": "level", "type": "number"}, {"key": "name", "type": "text"}]
            await create_schema(work, "collection", "heroes", "Heroes", fields)
            await create_items(work, "heroes", "published", [{"level": 1, "name": "Zed"}, {"name": "Ada"}])
            await create_items(work, "heroes", "draft", [{"name": "Ada"}, {"level": 4}])
            await create_schema(work, "collection", "plain", "Plain", [{"key": "level", "type": "number"}])
            await create_items(work, "plain", "published", [{"level": 2}])
            await create_schema(work, "page_type", "guides", "Guides", [{"key": "body", "type": "rich_text"}])
            await create_page(work, NewPage("guides", "intro", "Getting started", "published", {}))
            await create_page(work, NewPage("*", "about", "About us", "draft", {}))

    run_async(fill)
    try:
        yield url
    finally:
        drop()


def _choices(url: str, targets: list[str]) -> tuple[dict[str, list[Choice]], int]:
    async def read() -> tuple[dict[str, list[Choice]], int]:
        async with opened(url) as db:
            reads = CountingReads(db.read())
            return await reference_choices(reads, targets), reads.statements

    return run_async(read)


def test_items_are_named_by_their_collections_first_text_field(database_url: str) -> None:
    found, _ = _choices(database_url, [HEROES, PLAIN])
    heroes = {choice.value: choice for choice in found[HEROES]}
    ids = sorted(heroes)
    # Two items called Ada are told apart by id; an item without a name is named by its id; drafts are marked.
    assert [choice.label for choice in found[HEROES]] == [
        f"Ada (#{ids[1]})",
        f"Ada (#{ids[2]})",
        f"Item {ids[3]}",
        "Zed",
    ]
    assert [heroes[item_id].draft for item_id in ids] == [False, False, True, True]
    assert [choice.label for choice in found[PLAIN]] == [f"Item {found[PLAIN][0].value}"]  # no text field


def test_pages_are_named_by_their_title_and_stored_by_slug(database_url: str) -> None:
    found, _ = _choices(database_url, [GUIDES, SINGLE])
    assert found[GUIDES] == [Choice("intro", "Getting started", draft=False)]
    assert found[SINGLE] == [Choice("about", "About us", draft=True)]


def test_a_target_naming_nothing_offers_nothing(database_url: str) -> None:
    found, _ = _choices(database_url, [GONE, "page_type:gone"])
    assert found == {GONE: [], "page_type:gone": []}


def test_each_target_costs_one_statement_after_one_for_the_collections(database_url: str) -> None:
    _, one = _choices(database_url, [HEROES])
    _, four = _choices(database_url, [HEROES, PLAIN, GUIDES, SINGLE, HEROES])
    assert (one, four) == (2, 5)
