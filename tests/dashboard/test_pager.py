"""The pager every dashboard list shares keeps the list's filters on its links."""

from __future__ import annotations

from ghee.dashboard.templating import environment


def render(page: int, *, has_more: bool, query: list[tuple[str, str]]) -> str:
    template = environment().from_string("{{ pager(page, has_more) }}")
    return template.render(path="/builds", query_items=query, page=page, has_more=has_more)


def test_links_keep_the_filters_and_replace_the_page() -> None:
    html = render(2, has_more=True, query=[("project", "prj_1"), ("status", "failed & flaky"), ("page", "2")])
    assert '<a href="/builds?project=prj_1&amp;status=failed+%26+flaky&amp;page=1">Previous</a>' in html
    assert '<a href="/builds?project=prj_1&amp;status=failed+%26+flaky&amp;page=3">Next</a>' in html


def test_the_first_page_has_no_previous_link() -> None:
    html = render(1, has_more=True, query=[])
    assert "Previous" not in html
    assert '<a href="/builds?page=2">Next</a>' in html


def test_the_last_page_has_no_next_link_and_a_single_page_none() -> None:
    html = render(3, has_more=False, query=[])
    assert "Next" not in html
    assert '<a href="/builds?page=2">Previous</a>' in html
    assert render(1, has_more=False, query=[]) == '<nav class="pager" aria-label="Pages"></nav>'
