"""Failure-cause patterns on RE2: what Python's re found in a log RE2 finds too; what RE2 cannot do is named."""

from __future__ import annotations

import importlib.util
import logging
import re
from pathlib import Path

import pytest

from ghee.core.log_patterns import PatternRefused, compile_line_pattern, refusal, usable_pattern

MIGRATION = Path(__file__).parents[2] / "src/ghee/db/migrations/versions/0006_failure_causes.py"
LOGS = sorted((Path(__file__).parents[1] / "dialects/buildbutler/logs").glob("*/*.txt"))


def _default_patterns() -> list[str]:
    spec = importlib.util.spec_from_file_location("failure_causes_0006", MIGRATION)
    assert spec is not None
    assert spec.loader is not None
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    return [p for cause in migration.DEFAULT_CAUSES for p in [*cause[5], *([cause[3]] if cause[3] else [])]]


DEFAULT_PATTERNS = _default_patterns()


def test_every_default_pattern_finds_in_every_labelled_log_what_pythons_re_found() -> None:
    assert len(DEFAULT_PATTERNS) > 100
    assert len(LOGS) >= 40
    differ = []
    for pattern in DEFAULT_PATTERNS:
        before, after = re.compile(pattern, re.MULTILINE), compile_line_pattern(pattern)
        for path in LOGS:
            text = path.read_text()
            found = before.search(text)
            if (found and found.span()) != (after.search(text) or None) or bool(found) != after.found_in(text.encode()):
                differ.append((pattern, path.name))
    assert differ == []


@pytest.mark.parametrize(
    ("pattern", "named"),
    [
        (r"(\w+) \1", "a backreference \\1"),
        (r"(?P<word>\w+) (?P=word)", "a named backreference (?P=...)"),
        (r"(?<w>\w+) \k<w>", "a named backreference \\k<...>"),
        (r"error(?= in)", "a lookahead (?=...)"),
        (r"error(?! ignored)", "a negative lookahead (?!...)"),
        (r"(?<=Log)Error", "a lookbehind (?<=...)"),
        (r"(?<!Warning: )Error", "a negative lookbehind (?<!...)"),
        (r"(?>a+)b", "an atomic group (?>...)"),
        (r"a++b", "a possessive quantifier ++"),
        (r"(a)?(?(1)b|c)", "a conditional (?(...)"),
        (r"failed\Z", "\\Z (RE2 writes the end of the text \\z)"),
        (r"(?x) failed \s+", "the inline flag (?x...)"),
        (r"a{1001}", "the repetition {1001}"),
    ],
)
def test_what_re2_cannot_do_is_refused_by_name(pattern: str, named: str) -> None:
    problem = refusal(pattern)
    assert problem is not None
    assert problem.startswith(f"uses {named}")
    assert "RE2" in problem


def test_a_pattern_too_big_to_search_fast_is_refused() -> None:
    # Valid RE2, but it compiles to ~10,000 steps: searching a 576 KB log took 83 s.
    problem = refusal(r"(\w+\s?){999}!")
    assert problem is not None
    assert problem.startswith("is too complex")


def test_syntax_errors_say_what_re2_says_without_the_line_wise_flag() -> None:
    with pytest.raises(PatternRefused) as refused:
        compile_line_pattern("(unclosed")
    assert refused.value.problem == "is not a valid regular expression: missing ): (unclosed"


def test_the_catastrophic_pattern_compiles_and_anchors_at_line_ends() -> None:
    pattern = compile_line_pattern("^(a+){1,12}$")
    assert pattern.search("a" * 64 + "!\n" + "aaaa\n") == (66, 70)
    assert not pattern.found_in(("a" * 10_000 + "!\n").encode())


def test_a_stored_pattern_re2_refuses_is_skipped_and_logged_once(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="ghee.failure_causes"):
        assert usable_pattern(r"(legacy)-\1-once") is None
        assert usable_pattern(r"(legacy)-\1-once") is None
    [record] = caplog.records
    assert "(legacy)-\\\\1-once" in record.getMessage()
    assert "backreference" in record.getMessage()
    assert usable_pattern("legacy") is not None
