"""Which area of the game a changelist belongs to, for grouping patch notes.

In order: a ``[Area]`` prefix of the description (``[Audio] New footsteps``),
a tag in it (``#fix`` → Fixes, ``#feature`` → Features, any other ``#tag`` by
its own name), then the depot folder most of its files live in (the folder
under ``Content/``, ``Source/``, ``Config/`` or ``Plugins/``:
``//depot/Game/Content/Characters/...`` → Characters). Otherwise: Other.
"""

from __future__ import annotations

import re
from collections import Counter

OTHER = "Other"
_PREFIX = re.compile(r"^\s*\[([^\]\n]{1,60})\]\s*")
_TAG = re.compile(r"(?<![\w#])#([A-Za-z][\w-]{0,39})")
TAG_AREAS = {
    "fix": "Fixes",
    "bugfix": "Fixes",
    "bug": "Fixes",
    "hotfix": "Fixes",
    "feature": "Features",
    "feat": "Features",
    "perf": "Performance",
    "performance": "Performance",
    "ui": "UI",
    "art": "Art",
    "audio": "Audio",
    "balance": "Balance",
}
_ROOTS = ("content", "source", "config", "plugins")


def area_of(description: str, paths: list[str]) -> str:
    """The area a changelist with ``description`` touching ``paths`` belongs to."""
    prefix = _PREFIX.match(description)
    if prefix:
        return prefix.group(1).strip()
    tag = _TAG.search(description)
    if tag:
        name = tag.group(1).lower()
        return TAG_AREAS.get(name, name.replace("-", " ").replace("_", " ").title())
    folders = Counter(folder for path in paths if (folder := path_area(path)))
    return folders.most_common(1)[0][0] if folders else OTHER


def path_area(path: str) -> str | None:
    """The folder under the first ``Content``/``Source``/``Config``/``Plugins`` folder of a depot path."""
    parts = [part for part in path.split("/") if part]
    for index, part in enumerate(parts[:-1]):
        if part.lower() in _ROOTS:
            below = parts[index + 1 : -1]
            return below[0] if below else part
    return None


def headline(description: str) -> str:
    """The first line of a description without its ``[Area]`` prefix and ``#tags``, for a bullet."""
    first = description.strip().splitlines()[0] if description.strip() else ""
    first = _PREFIX.sub("", first, count=1)
    first = _TAG.sub("", first)
    return " ".join(first.split())
