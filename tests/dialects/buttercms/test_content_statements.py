"""``GET /v2/content/?keys=...`` costs two statements to find what the keys name, however many keys are asked for."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ghee.core.content.collections import create_items, get_content, parse_keys, put_content_field
from ghee.core.content.entries import View, check_locale
from ghee.core.content.schemas import create_schema
from ghee.db.database import opened
from ghee.errors import NotFound
from tests.support.counting_reads import CountingReads
from tests.support.databases import make_database
from tests.support.services import run_async

FIELDS = [f"field_{n}" for n in range(8)]


@pytest.fixture(scope="module")
def database_url(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url, drop = make_database(backend, tmp_path_factory.mktemp("content-statements"))

    async def fill() -> None:
        async with opened(url) as db, db.write() as work:
            for n, key in enumerate(FIELDS):
                await put_content_field(work, key, f"value {n}", check_locale(None), "published")
            await put_content_field(work, "draft_field", "not yet", check_locale(None), "draft")
            await create_schema(work, "collection", "team", "Team", [{"key": "name", "type": "text"}])
            await create_items(work, "team", "published", [{"name": "Ada"}, {"name": "Grace"}])

    run_async(fill)
    try:
        yield url
    finally:
        drop()


def _content(url: str, keys: str, view: View | None = None) -> tuple[dict[str, object], int]:
    async def read() -> tuple[dict[str, object], int]:
        async with opened(url) as db:
            reads = CountingReads(db.read())
            found = await get_content(reads, parse_keys(keys), view or View(), 0)
            return dict(found), reads.statements

    return run_async(read)


def test_one_key_or_eight_cost_the_same_statements(database_url: str) -> None:
    one, one_spent = _content(database_url, "field_0")
    eight, eight_spent = _content(database_url, ",".join(reversed(FIELDS)))
    assert one == {"field_0": "value 0"}
    assert list(eight) == list(reversed(FIELDS))  # in the order asked
    assert eight == {key: f"value {n}" for n, key in enumerate(FIELDS)}
    assert one_spent == eight_spent == 2


def test_a_collection_among_fields_adds_only_its_items_read(database_url: str) -> None:
    found, spent = _content(database_url, "field_1,team,field_2")
    assert found["field_1"] == "value 1"
    assert found["field_2"] == "value 2"
    assert [item.values["name"] for item in found["team"].entries] == ["Ada", "Grace"]  # type: ignore[attr-defined]
    assert spent == 3


def test_drafts_show_only_in_the_test_view(database_url: str) -> None:
    found, _ = _content(database_url, "draft_field", View(drafts=True))
    assert found == {"draft_field": "not yet"}
    with pytest.raises(NotFound):
        _content(database_url, "draft_field,field_0")
