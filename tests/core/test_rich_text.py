"""``clean_html``: whatever HTML goes in, no script, no event handler and no ``javascript:`` URL comes out."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ghee.core.rich_text import clean_html

_TAGS = ["p", "a", "img", "b", "ul", "li", "h2", "pre", "code"]  # kept by the cleaner
_TAGS += ["script", "svg", "math", "iframe", "style", "object", "embed", "template", "noscript", "textarea", "title"]
_TAGS += ["form", "button", "input", "base", "meta", "link", "details", "video", "ScRiPt", "IMG", "A"]
_NAMES = ["href", "src", "title", "alt", "style", "onerror", "onload", "OnClick", "onmouseover", "xlink:href"]
_NAMES += ["formaction", "action", "srcdoc", "srcset", "data", "background", "poster", "autofocus", "onfocus"]
_VALUES = [
    "javascript:alert(1)",
    "  JaVaScRiPt:alert(1)",
    "java\tscript:alert(1)",
    "java&#x09;script:alert(1)",
    "&#106;avascript:alert(1)",
    "javascript&colon;alert(1)",
    "\x01javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "https://example.com/a?b=1&c=2",
    "x",
    "alert(1)",
    '"><script>alert(1)</script>',
    "' onerror='alert(1)",
]
_TEXTS = ["hello", "<", ">", "&", "&lt;script&gt;", "<!--", "-->", "<![CDATA[", "]]>", "'", '"', "=", "/", "\x00"]


def _attribute() -> st.SearchStrategy[str]:
    quote = st.sampled_from(['"', "'", ""])
    value = st.one_of(st.sampled_from(_VALUES), st.text(max_size=12))
    return st.builds(
        lambda name, q, v, sep: f"{sep}{name}={q}{v}{q}" if v or q else f"{sep}{name}",
        st.sampled_from(_NAMES),
        quote,
        value,
        st.sampled_from([" ", "\n", "/", "\t"]),
    )


def _element(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.builds(
        lambda tag, attributes, inner, closed: f"<{tag}{''.join(attributes)}>{inner}" + (f"</{tag}>" if closed else ""),
        st.sampled_from(_TAGS),
        st.lists(_attribute(), max_size=4),
        st.lists(children, max_size=4).map("".join),
        st.booleans(),
    )


_HTML = st.recursive(
    st.one_of(st.sampled_from(_TEXTS), st.text(max_size=8)),
    _element,
    max_leaves=20,
)


# Attributes whose value is shown as text, never loaded or followed: ``title="javascript: a tutorial"`` is harmless.
_TEXT_ATTRIBUTES = {"title", "alt"}


class _Attributes(HTMLParser):
    """The attributes of a document's elements, as a browser parses them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.attributes: list[tuple[str, str]] = []

    def handle_starttag(self, _tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.attributes.extend((name, value or "") for name, value in attrs)


def _assert_safe(cleaned: str) -> None:
    assert "<script" not in cleaned.lower()
    parsed = _Attributes()
    parsed.feed(cleaned)
    parsed.close()
    # Handlers and script URLs are judged attribute by attribute, as a browser parses them: the text
    # " onerror=" or "javascript:" inside a quoted value (``src="' onerror='x"``) is a value, not markup.
    for name, value in parsed.attributes:
        assert not name.startswith("on"), name
        squeezed = re.sub(r"[\x00-\x20]", "", value).lower()  # what a browser ignores in a URL's scheme
        if name not in _TEXT_ATTRIBUTES:
            assert not squeezed.startswith(("javascript:", "vbscript:", "data:")), value


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_HTML)
def test_random_html_comes_out_without_scripts_handlers_or_script_urls(html: str) -> None:
    _assert_safe(clean_html(html))


@settings(max_examples=200, deadline=None)
@given(st.lists(_HTML, max_size=3).map("".join))
def test_cleaning_cleaned_html_again_keeps_it_safe(html: str) -> None:
    _assert_safe(clean_html(clean_html(html)))


def test_the_editor_formatting_is_kept() -> None:
    html = '<h2>Fixes</h2><ul><li><a href="https://example.com/">a</a></li></ul><p><b>b</b> <em>c</em></p>'
    link = 'href="https://example.com/"'
    assert clean_html(html) == html.replace(link, f'{link} rel="noopener noreferrer"')


def test_handlers_scripts_and_script_urls_are_dropped() -> None:
    assert clean_html('<p onclick="x()">a<script>b()</script></p>') == "<p>a</p>"
    assert clean_html('<a href=" JaVaScRiPt:x()">go</a>') == '<a rel="noopener noreferrer">go</a>'
    assert clean_html('<img src=x onerror="window.__xss=1">') == '<img src="x">'
    assert clean_html("<svg onload=alert(1)><p>x</p></svg>") == "<p>x</p>"
