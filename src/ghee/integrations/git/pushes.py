"""The push webhooks of GitHub, GitLab, Gitea and Forgejo, read into changelists.

The three hosts post the same shape for a push: ``ref``, ``before``,
``after`` and ``commits``, each commit with ``id``, ``message``,
``timestamp`` (ISO 8601 with an offset), ``author`` (``name``, ``email``,
and ``username`` on GitHub and Gitea) and the paths it ``added``,
``modified`` and ``removed``. GitHub lists up to 2,048 commits, GitLab 20
(``total_commits_count`` says how many were pushed), Gitea its configured
maximum. ghee reads nothing else, and only after the signature was checked.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import msgspec

from ghee.core.changelists import MAX_AUTHOR, MAX_FILES, FileChange, NewChangelist
from ghee.errors import Invalid

MAX_PUSH_BYTES = 8 * 1024 * 1024  # GitHub caps a payload at 25 MB; 2,048 commits' file lists fit in far less
MAX_COMMITS = 2048  # the most GitHub puts in one push's payload
PUSH_EVENTS = frozenset({"push", "Push Hook"})  # GitHub, Gitea, Forgejo; GitLab
# The header naming the event, in the order ghee asks (Gitea and Forgejo also send X-GitHub-Event).
EVENT_HEADERS = ("x-gitea-event", "x-forgejo-event", "x-github-event", "x-gitlab-event")


class PushAuthor(msgspec.Struct):
    """A commit's author as the hosts name them."""

    name: str = ""
    email: str = ""
    username: str = ""


class PushCommit(msgspec.Struct):
    """One commit of a push."""

    id: str
    message: str = ""
    timestamp: datetime | None = None
    author: PushAuthor = msgspec.field(default_factory=PushAuthor)
    added: list[str] = []
    modified: list[str] = []
    removed: list[str] = []


class Push(msgspec.Struct):
    """What of a push ghee reads."""

    ref: str = ""
    commits: list[PushCommit] = []


def event_of(headers: Mapping[str, str]) -> str:
    """The event a hook delivery announces (``push``, ``ping``, ``Push Hook`` ...); ``""`` when none is named."""
    return next((value for name in EVENT_HEADERS if (value := headers.get(name))), "")[:100]


def read_push(body: bytes) -> list[NewChangelist]:
    """The pushed commits as changelists, in the order the host lists them (oldest first).

    Raises ``Invalid`` when the body is not a push's JSON or lists more than
    ``MAX_COMMITS`` commits.
    """
    try:
        push = msgspec.json.decode(body, type=Push)
    except (msgspec.DecodeError, RecursionError) as exc:
        raise Invalid("body", f"must be a push event's JSON: {str(exc)[:200]}") from None
    if len(push.commits) > MAX_COMMITS:
        raise Invalid("commits", f"at most {MAX_COMMITS} commits per push")
    return [_changelist(commit) for commit in push.commits]


def _changelist(commit: PushCommit) -> NewChangelist:
    author = commit.author.name.strip() or commit.author.username.strip() or commit.author.email.strip()
    files = [
        *(FileChange(path, "add") for path in commit.added),
        *(FileChange(path, "edit") for path in commit.modified),
        *(FileChange(path, "delete") for path in commit.removed),
    ]
    return NewChangelist(
        number=None,
        author=author[:MAX_AUTHOR] or "unknown",
        description=commit.message,
        submitted_at=commit.timestamp,
        files=files[:MAX_FILES],  # a vendor drop of 50,000 files keeps its first 10,000, as Perforce changes do
        revision=commit.id,
    )
