"""Running the ``p4`` command line: ``describe`` of one change, ``changes`` since a change or a date.

``p4`` is found on ``PATH`` and runs with this process's environment, so it
reads P4PORT, P4USER, P4TICKETS, P4CONFIG ... as every p4 tool does; ghee
adds nothing to it. Any way ``p4`` fails (missing, slow, refusing, printing
something else) is a ``P4Failed``, an ``OSError`` the sender keeps the
change spooled for.
"""

from __future__ import annotations

import re
import subprocess

from ghee.core.changelists import MAX_FILES
from ghee.errors import Invalid
from ghee.integrations.perforce.ztag import change_numbers, described
from ghee.integrations.sender.spool import OutgoingChangelist, SpooledFile

P4 = "p4"
_DATE = re.compile(r"([0-9]{4})[/-]([0-9]{2})[/-]([0-9]{2})")


class P4Failed(OSError):
    """``p4`` could not be run, did not answer in time, or printed an error instead of what was asked."""


def run_p4(arguments: list[str], timeout: float) -> str:
    """``p4 -ztag <arguments>``'s standard output; raises ``P4Failed``."""
    try:
        done = subprocess.run(  # noqa: S603 (a fixed program; the arguments are numbers, dates and a path)
            [P4, "-ztag", *arguments], capture_output=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        raise P4Failed(f"p4 {arguments[0]} took longer than {timeout:g} s") from None
    except OSError as exc:
        raise P4Failed(f"p4 could not be run: {exc}") from None
    error = done.stderr.decode(errors="replace").strip()
    if done.returncode != 0 or (error and not done.stdout.strip()):
        raise P4Failed(f"p4 {arguments[0]} failed: {error[:300] or f'exit status {done.returncode}'}")
    return done.stdout.decode(errors="replace")


def describe_change(change: int, timeout: float) -> OutgoingChangelist:
    """The submitted change ``change`` as ghee's API takes it (its first ``MAX_FILES`` files); raises ``P4Failed``."""
    try:
        found = described(run_p4(["describe", "-s", str(change)], timeout))
    except Invalid as exc:
        raise P4Failed(str(exc)) from None
    if found.number != change:
        raise P4Failed(f"p4 describe {change} described change {found.number}")
    return OutgoingChangelist(
        number=found.number,
        author=found.user or "unknown",
        description=found.description,
        submitted_at=found.submitted_at.isoformat().replace("+00:00", "Z"),
        files=[SpooledFile(f.path, f.action) for f in found.files[:MAX_FILES]],
    )


def submitted_since(since: str, path: str, timeout: float) -> list[int]:
    """The numbers of the changes submitted under ``path`` since change ``since`` or date ``since``, oldest first.

    ``since`` is a change number (that change included) or a date,
    ``YYYY/MM/DD`` or ``YYYY-MM-DD`` (from its start, the server's time).
    Raises ``Invalid`` for anything else, ``P4Failed``.
    """
    text = since.strip()
    if text.isdigit():
        arguments = ["changes", "-s", "submitted", "-e", text, path]
    elif date := _DATE.fullmatch(text):
        arguments = ["changes", "-s", "submitted", f"{path}@{'/'.join(date.groups())},@now"]
    else:
        raise Invalid("--since", f"must be a change number or a date like 2026/01/31, not {since!r}")
    return change_numbers(run_p4(arguments, timeout))
