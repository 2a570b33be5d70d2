"""Accessibility checks in the browser: the contrast of every text against its background."""

from __future__ import annotations

import re

from playwright.sync_api import Page

# Text and its background, as the pages render them (computed styles, not the stylesheet's text).
_PAIRS_SCRIPT = """() => [...document.querySelectorAll('h1, h2, p, a, label, th, td, button, .status, .muted, .who')]
  .filter(el => el.offsetParent !== null && el.textContent.trim())
  .map(el => {
    let bg = el, color = 'rgba(0, 0, 0, 0)';
    while (bg && (color = getComputedStyle(bg).backgroundColor) === 'rgba(0, 0, 0, 0)') { bg = bg.parentElement; }
    return [el.tagName + '.' + el.className, getComputedStyle(el).color, bg ? color : 'rgb(255, 255, 255)'];
  })"""


def contrast(foreground: str, background: str) -> float:
    """The WCAG contrast ratio of two ``rgb(...)`` colours."""
    light, dark = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def assert_accessible(page: Page) -> None:
    """One h1, every input labelled, text contrast of at least 4.5:1 (as test_accessibility checks)."""
    assert page.locator("h1").count() == 1
    unlabelled = page.eval_on_selector_all(
        "input:not([type=hidden]), select, textarea", "els => els.filter(el => el.labels.length === 0).map(el => el.id)"
    )
    assert unlabelled == []
    low = [(what, fg, bg) for what, fg, bg in page.evaluate(_PAIRS_SCRIPT) if contrast(fg, bg) < 4.5]
    assert low == []


def _luminance(css: str) -> float:
    red, green, blue = (int(part) / 255 for part in re.findall(r"\d+", css)[:3])
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (red, green, blue)]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
