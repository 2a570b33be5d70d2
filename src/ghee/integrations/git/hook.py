"""A ``post-receive`` hook's walk: the commits a push brought, each with its author, message and files.

git runs the hook in the bare repository after the refs moved, with one
``<old> <new> <ref>`` line per updated ref on standard input. The new
commits are those reachable from the pushed branches' new tips and from no
ref the push left alone, nor from a branch's old tip (``git rev-list``),
oldest first. A deleted branch brings none; tags are left out (their
commits arrive with the branches that hold them). Each commit's files are
its changes against its first parent (``git diff-tree --name-status``),
every file of a root commit an addition; its first ``MAX_FILES`` are sent.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterable

from ghee.core.changelists import MAX_FILES
from ghee.integrations.sender.spool import OutgoingChangelist, SpooledFile

MAX_COMMITS = 1000  # per push; a larger push sends its newest 1,000
GIT_SECONDS = 60.0
_ZERO = re.compile(r"0+")
_UPDATE = re.compile(r"([0-9a-f]{40}|[0-9a-f]{64}) ([0-9a-f]{40}|[0-9a-f]{64}) (\S+)")
_ACTIONS = {"A": "add", "M": "edit", "T": "edit", "D": "delete"}


class GitFailed(OSError):
    """``git`` could not be run or refused."""


def _git(arguments: list[str], given: str | None = None) -> str:
    try:
        done = subprocess.run(  # noqa: S603 (a fixed program; the arguments are commit ids and refs git gave)
            ["git", *arguments],  # noqa: S607 (git as the repository's own hook environment finds it)
            input=given.encode() if given is not None else None,
            capture_output=True,
            timeout=GIT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise GitFailed(f"git {arguments[0]} could not run: {exc}") from None
    if done.returncode != 0:
        raise GitFailed(f"git {arguments[0]} failed: {done.stderr.decode(errors='replace').strip()[:300]}")
    return done.stdout.decode(errors="replace")


def pushed_commits(lines: Iterable[str]) -> list[str]:
    """The ids of the commits the push described by ``lines`` brought, oldest first (the newest ``MAX_COMMITS``)."""
    updates = [match.groups() for line in lines if (match := _UPDATE.fullmatch(line.strip()))]
    branches = [(old, new, ref) for old, new, ref in updates if ref.startswith("refs/heads/")]
    tips = [new for _, new, _ in branches if not _ZERO.fullmatch(new)]
    if not tips:
        return []
    moved = {ref for _, _, ref in updates}
    others = [ref for ref in _git(["for-each-ref", "--format=%(refname)"]).split() if ref not in moved]
    olds = [old for old, _, _ in branches if not _ZERO.fullmatch(old)]
    revisions = "".join(f"{tip}\n" for tip in tips) + "".join(f"^{excluded}\n" for excluded in [*others, *olds])
    listed = _git(["rev-list", "--reverse", "--topo-order", "--stdin"], revisions).split()
    return listed[-MAX_COMMITS:]


def commit_changelist(commit: str) -> OutgoingChangelist:
    """Commit ``commit`` as ghee's API takes it: its id, author, committer date, message and files."""
    shown = _git(["show", "-s", "--format=%H%x00%P%x00%an%x00%ae%x00%cI%x00%B", commit])
    revision, parents, name, email, when, message = shown.split("\x00", 5)
    first_parent = parents.split()[0] if parents.split() else None
    compared = [first_parent, revision] if first_parent else ["--root", revision]
    listed = _git(["diff-tree", "-r", "-z", "--no-commit-id", "--name-status", "--no-renames", *compared])
    fields = listed.split("\x00")
    files = [
        SpooledFile(path, _ACTIONS[status[0]])
        for status, path in zip(fields[::2], fields[1::2], strict=False)
        if status and status[0] in _ACTIONS
    ]
    return OutgoingChangelist(
        author=(name.strip() or email.strip() or "unknown")[:200],
        description=message.rstrip("\n"),
        submitted_at=when.strip(),
        files=files[:MAX_FILES],
        revision=revision,
    )
