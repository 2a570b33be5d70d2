"""Accessibility basics every page keeps: labelled inputs, readable contrast, a viewport, one h1."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.support.accessibility import _PAIRS_SCRIPT, contrast


@pytest.mark.parametrize(
    "path",
    [
        "/login",
        "/",
        "/profile/tokens",
        "/users",
        "/tokens",
        "/health/causes",
        "/content/authors/new",
        "/content/terms/tags",
        "/content/media",
    ],
)
def test_pages_have_labels_contrast_and_a_viewport(signed_in_page: Page, path: str) -> None:
    page = signed_in_page
    if path == "/login":
        page.context.clear_cookies()
    page.goto(path)
    assert page.locator('meta[name="viewport"]').count() == 1
    assert page.locator("h1").count() == 1
    unlabelled = page.eval_on_selector_all(
        "input:not([type=hidden]), select, textarea", "els => els.filter(el => el.labels.length === 0).map(el => el.id)"
    )
    assert unlabelled == []
    pairs = page.evaluate(_PAIRS_SCRIPT)
    assert pairs
    low = [(what, fg, bg) for what, fg, bg in pairs if contrast(fg, bg) < 4.5]
    assert low == []
