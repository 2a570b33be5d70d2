r"""The regular expressions admins write and ghee searches in build logs, in time linear in the log's length.

Python's ``re`` backtracks: a failure cause ``^(a+){1,12}$`` took 13 s to
save (reclassifying the newest failed builds) while ``/healthz`` waited 12.5 s
(issue 15). These patterns run on RE2 (``google-re2``) instead, which never
backtracks: a search costs at most the log's length times the pattern's
compiled size, and both are bounded (the log's excerpts by
``ghee.core.builds.failures``, the program by ``MAX_PROGRAM_SIZE``). RE2 lets
go of the GIL while it searches, so a search in a worker thread leaves the
event loop free.

RE2 cannot express what needs backtracking (backreferences, lookaround,
atomic groups, possessive quantifiers, conditionals); such a pattern is
refused with the construct named (``PatternRefused``). RE2's ``\d``, ``\w``,
``\s`` and ``\b`` are ASCII, where Python's are Unicode; logs are searched
line-wise, ``^`` and ``$`` marking a line's ends.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any

import re2

log = logging.getLogger("ghee.failure_causes")

MAX_PROGRAM_SIZE = 1000
"""RE2's compiled size of a pattern, at most: a 500-character literal fits; ``(\\w+\\s?){999}!`` (size 9995) took 83 s
on a 576 KB log where RE2 had to fall back from its DFA (cost: length times size)."""
_LINE_WISE = "(?m)"
_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # refusals are answered to the admin, not printed on stderr


class PatternRefused(Exception):
    """RE2 cannot compile the pattern; ``problem`` says why, naming the construct when it is one RE2 lacks."""

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem


class LinePattern:
    """A compiled pattern, searched line-wise in linear time."""

    __slots__ = ("_compiled",)

    def __init__(self, compiled: Any) -> None:  # noqa: ANN401 (google-re2 ships no types)
        self._compiled = compiled

    def search(self, text: str) -> tuple[int, int] | None:
        """The character offsets of the first match in ``text``, or ``None``."""
        found = self._compiled.search(text)
        return None if found is None else (int(found.start()), int(found.end()))

    def found_in(self, text: bytes) -> bool:
        """Whether the pattern occurs in ``text`` (UTF-8: a caller searching one text many times encodes it once)."""
        return self._compiled.search(text) is not None


@lru_cache(maxsize=1024)
def compile_line_pattern(pattern: str) -> LinePattern:
    """``pattern`` compiled (cached: the classifier applies the same ones to every build); raises ``PatternRefused``."""
    try:
        compiled = re2.compile(_LINE_WISE + pattern, _OPTIONS)
    except re2.error as exc:
        raise PatternRefused(_problem(pattern, _message(exc))) from exc
    except UnicodeEncodeError as exc:
        raise PatternRefused("is not valid Unicode text") from exc
    if compiled.programsize > MAX_PROGRAM_SIZE:
        raise PatternRefused(
            f"is too complex: it compiles to {compiled.programsize} steps, at most {MAX_PROGRAM_SIZE} are allowed"
            " (write fewer or smaller repetition counts)"
        )
    return LinePattern(compiled)


@lru_cache(maxsize=1024)
def usable_pattern(pattern: str) -> LinePattern | None:
    """``pattern`` compiled, or ``None`` when RE2 refuses it (stored before ghee used RE2); logged once per process.

    Classification skips such a pattern rather than failing every build.
    """
    try:
        return compile_line_pattern(pattern)
    except PatternRefused as exc:
        log.warning("failure cause pattern %r %s; it is skipped until an admin changes it", pattern, exc.problem)
        return None


def refusal(pattern: str) -> str | None:
    """Why ``pattern`` is refused (``PatternRefused.problem``), or ``None`` when it compiles."""
    try:
        compile_line_pattern(pattern)
    except PatternRefused as exc:
        return exc.problem
    return None


def _message(exc: re2.error) -> str:
    message = exc.args[0] if exc.args else ""
    text = message.decode("utf-8", errors="replace") if isinstance(message, bytes) else str(message)
    kind, colon, arg = text.partition(": ")
    # Some messages quote the whole pattern, which holds the flag this module put in front.
    return kind + colon + arg.removeprefix(_LINE_WISE)


# RE2's error argument (what follows "invalid perl operator: ") for what Python's re has and RE2 lacks.
_OPERATORS = {
    "(?=": "a lookahead (?=...)",
    "(?!": "a negative lookahead (?!...)",
    "(?<=": "a lookbehind (?<=...)",
    "(?<!": "a negative lookbehind (?<!...)",
    "(?>": "an atomic group (?>...)",
    "(?(": "a conditional (?(...)",
    "(?#": "a comment (?#...)",
}
_ESCAPES = {
    "\\g": "a backreference \\g<...>",
    "\\k": "a named backreference \\k<...>",
    "\\Z": "\\Z (RE2 writes the end of the text \\z)",
}


def _problem(pattern: str, message: str) -> str:
    """Why RE2 refused ``pattern``: the construct RE2 lacks, named, or RE2's own syntax error."""
    construct = _construct(pattern, message)
    if construct is None:
        return f"is not a valid regular expression: {message}"
    return f"uses {construct}, which RE2, ghee's linear-time pattern engine, does not support"


def _construct(pattern: str, message: str) -> str | None:  # noqa: PLR0911 (one return per kind of construct)
    kind, _, arg = message.partition(": ")
    if kind == "invalid perl operator":
        if arg == "(?P":
            return "a named backreference (?P=...)" if "(?P=" in pattern else "a recursion (?P>...)"
        if arg in _OPERATORS:
            return _OPERATORS[arg]
        return f"the inline flag {arg}...) (RE2 knows i, m, s and U)" if arg.startswith("(?") else None
    if kind == "invalid escape sequence":
        if len(arg) == 2 and arg[1].isdigit():  # noqa: PLR2004 (a backslash and one character)
            return f"a backreference {arg}"
        return _ESCAPES.get(arg, f"the escape {arg}")
    if kind == "bad repetition operator" and arg.endswith("+"):
        return f"a possessive quantifier {arg}"
    if kind == "invalid repetition size":
        return f"the repetition {arg} (RE2 counts at most 1000, nested repetitions included)"
    return None
