"""``p4 -ztag`` output: one ``... name value`` line per field, records one after another.

``p4 -ztag describe -s 12345`` prints ``change``, ``user``, ``client``,
``time`` (seconds since 1970, UTC), ``desc`` (on as many lines as it has,
then a blank one), ``status``, ``changeType``, ``path``, then for each file
``depotFileN``, ``actionN``, ``typeN``, ``revN`` (and ``fileSizeN``,
``digestN`` on newer servers), counting from 0. ``p4 -ztag changes`` prints
one record per change (``change``, ``time``, ``user``, ``client``,
``status``, ``changeType``, ``path``, ``desc``), separated by blank lines.

A line that does not start a field continues the field before it (a
description's further lines); a record ends where a field it already has
starts again.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import msgspec

from ghee.core.assets import FILE_ACTIONS
from ghee.errors import Invalid

_FIELD = re.compile(r"\.\.\. ([A-Za-z]+[0-9]*)(?: (.*))?")
_FILE_FIELD = re.compile(r"(depotFile|action|type|rev)([0-9]+)")


class DescribedFile(msgspec.Struct, frozen=True):
    """One file of a submitted change."""

    path: str
    action: str
    type: str = ""
    rev: int = 0


class Described(msgspec.Struct, frozen=True):
    """A submitted change as ``p4 describe -s`` tells it."""

    number: int
    user: str
    client: str
    submitted_at: datetime
    description: str
    files: list[DescribedFile]


def records(text: str) -> list[dict[str, str]]:
    """The records of ``p4 -ztag`` output, each ``{field: value}``, in the order printed."""
    found: list[dict[str, str]] = []
    current: dict[str, str] = {}
    last = ""
    for line in text.splitlines():
        match = _FIELD.fullmatch(line)
        if match is None:
            if last:  # a description's next line (blank ones too)
                current[last] += "\n" + line
            continue
        name, value = match.group(1), match.group(2) or ""
        if name in current:
            found.append(current)
            current = {}
        current[name] = value
        last = name
    if current:
        found.append(current)
    return [{name: value.rstrip("\n") for name, value in record.items()} for record in found]


def file_action(action: str) -> str:
    """The ghee action for a Perforce one: the same word for every action Perforce documents.

    An action a later server adds is taken as an ``edit``: the file exists and changed.
    """
    return action if action in FILE_ACTIONS else "edit"


def described(text: str) -> Described:
    """The change ``p4 -ztag describe -s`` printed; raises ``Invalid`` when the output is not one."""
    found = records(text)
    if not found or "change" not in found[0]:
        raise Invalid("p4 describe", f"printed no change: {text.strip()[:200]!r}")
    record = found[0]
    files: dict[int, dict[str, str]] = {}
    for name, value in record.items():
        if match := _FILE_FIELD.fullmatch(name):
            files.setdefault(int(match.group(2)), {})[match.group(1)] = value
    try:
        number = int(record["change"])
        moment = datetime.fromtimestamp(int(record.get("time", "0")), UTC)
    except (ValueError, OverflowError, OSError):
        raise Invalid("p4 describe", f"change {record['change']!r} has no usable number or time") from None
    return Described(
        number=number,
        user=record.get("user", ""),
        client=record.get("client", ""),
        submitted_at=moment,
        description=record.get("desc", "").rstrip(),
        files=[
            DescribedFile(
                path=fields["depotFile"],
                action=file_action(fields.get("action", "")),
                type=fields.get("type", ""),
                rev=int(fields["rev"]) if fields.get("rev", "").isdigit() else 0,
            )
            for _, fields in sorted(files.items())
            if fields.get("depotFile")
        ],
    )


def change_numbers(text: str) -> list[int]:
    """The change numbers ``p4 -ztag changes`` printed, oldest first (it prints the newest first)."""
    return sorted({int(record["change"]) for record in records(text) if record.get("change", "").isdigit()})
