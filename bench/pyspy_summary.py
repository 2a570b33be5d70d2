"""Summarise a ``py-spy record --format raw`` file: where the sampled CPU went, by line and by module.

Usage: ``.venv/bin/python bench/pyspy_summary.py PROFILE.txt [--top 25]``

Self time is what a sample's innermost Python frame was doing, including the C
functions it called (``strftime``, a socket ``send``): py-spy sees no deeper
without ``--native``. Inclusive stacks are not summed, since py-spy cuts
coroutine stacks at awaits and would undercount them.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

_FRAME = re.compile(r"(?P<function>.*) \((?P<path>.*?)(?::(?P<line>\d+))?\)$")
_PREFIXES = (r".*/site-packages/", r".*/src/", r".*/lib/python3\.\d+/")


def _short(path: str) -> str:
    for prefix in _PREFIXES:
        path = re.sub(prefix, "", path)
    return path


def _module(path: str) -> str:
    short = _short(path)
    if short.startswith("ghee/"):
        return short  # ghee's own modules one by one
    return short.split("/", 1)[0].removesuffix(".py") if "/" in short else short


def summarise(raw: str, top: int = 25) -> str:
    """The ``top`` lines and modules by self time, as text."""
    lines: Counter[str] = Counter()
    modules: Counter[str] = Counter()
    total = 0
    for record in raw.splitlines():
        stack, _, count = record.rpartition(" ")
        if not count.isdigit():
            continue
        samples, leaf = int(count), stack.split(";")[-1]
        total += samples
        match = _FRAME.match(leaf)
        if match is None:
            lines["(no Python frame: granian, the interpreter)"] += samples
            modules["(native)"] += samples
            continue
        line = f":{match['line']}" if match["line"] else ""
        lines[f"{match['function']} ({_short(match['path'])}{line})"] += samples
        modules[_module(match["path"])] += samples
    if not total:
        return "no samples"
    out = [f"{total} samples; self time by line:"]
    out += [f"  {100 * n / total:5.1f}%  {name}" for name, n in lines.most_common(top)]
    out += ["self time by module:"]
    out += [f"  {100 * n / total:5.1f}%  {name}" for name, n in modules.most_common(top)]
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("profile", type=Path, help="a file written by py-spy record --format raw")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    print(summarise(args.profile.read_text(), args.top))


if __name__ == "__main__":
    main()
