"""Accessibility basics every page keeps: labelled inputs, readable contrast, a viewport, one h1."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page

# Text and its background, as the pages render them (computed styles, not the stylesheet's text).
_PAIRS_SCRIPT = """() => [...document.querySelectorAll('h1, h2, p, a, label, th, td, button, .status, .muted, .who')]
  .filter(el => el.offsetParent !== null && el.textContent.trim())
  .map(el => {
    let bg = el, color = 'rgba(0, 0, 0, 0)';
    while (bg && (color = getComputedStyle(bg).backgroundColor) === 'rgba(0, 0, 0, 0)') { bg = bg.parentElement; }
    return [el.tagName + '.' + el.className, getComputedStyle(el).color, bg ? color : 'rgb(255, 255, 255)'];
  })"""


def _luminance(css: str) -> float:
    red, green, blue = (int(part) / 255 for part in re.findall(r"\d+", css)[:3])
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (red, green, blue)]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(foreground: str, background: str) -> float:
    """The WCAG contrast ratio of two ``rgb(...)`` colours."""
    light, dark = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


@pytest.mark.parametrize("path", ["/login", "/", "/profile/tokens"])
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
