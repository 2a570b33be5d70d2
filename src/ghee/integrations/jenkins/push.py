"""Pushes from Jenkins: the JSON its Notification plugin posts when a build is queued, starts or ends.

Each connection has its own push URL, ``/api/v1/connections/conn_.../notifications?secret=...``
(an admin makes one with ``POST /api/v1/connections/conn_.../push-secret``);
the route (``ghee.dialects.buildbutler.pushes``) checks the secret before it
reads the body, then marks the job for the follower
(``ghee.integrations.jenkins.follow``), which syncs it within a second. A
push naming a job ghee does not know yet makes the connection's next pass
due now.

The plugin posts ``{"name", "display_name", "url": "job/folder/job/name/",
"build": {"number", "queue_id", "phase", "status", "url", "full_url", "scm",
"parameters", "log", ...}}`` (its ``JobState`` and ``BuildState``, named in
snake case); only ``url`` is needed to find the job, and the rest is synced
from Jenkins itself, so a forged body can do no more than cause a sync.
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

import msgspec

from ghee.errors import Invalid

MAX_PUSH_BYTES = 256 * 1024  # the plugin adds log lines only when asked; ghee reads none of them
MAX_DEPTH = 50  # job folders nested in a pushed job's URL


class PushedBuild(msgspec.Struct):
    """What of the plugin's ``BuildState`` ghee reads (for the answer; the build itself is synced)."""

    number: int | None = None
    phase: str | None = None
    status: str | None = None


class Notification(msgspec.Struct):
    """What of the plugin's ``JobState`` ghee reads."""

    url: str = ""
    name: str = ""
    build: PushedBuild | None = None


def push_url(base_url: str, connection_id: str, secret: str) -> str:
    """The URL Jenkins' Notification plugin posts to for connection ``connection_id``."""
    return f"{base_url.rstrip('/')}/api/v1/connections/{connection_id}/notifications?secret={secret}"


def job_name_in(url: str) -> str:
    """The full name (``folder/name``) of the job at ``url`` (``job/folder/job/name/``, relative or absolute).

    Raises ``Invalid`` unless the path is a chain of ``job/<name>`` pairs.
    """
    parts = [part for part in urlsplit(url).path.split("/") if part]
    if not parts or len(parts) % 2 or len(parts) > 2 * MAX_DEPTH or any(p != "job" for p in parts[::2]):
        raise Invalid("url", "must be the job's URL as Jenkins names it, like 'job/folder/job/name/'")
    # Jenkins escapes each name once in a URL (a branch job "feature%2Fx" is "feature%252Fx").
    return "/".join(unquote(name) for name in parts[1::2])


def read_notification(body: bytes) -> Notification:
    """The plugin's JSON; raises ``Invalid`` when it is not."""
    try:
        return msgspec.json.decode(body, type=Notification)
    except (msgspec.DecodeError, RecursionError) as exc:
        raise Invalid("body", f"must be the Notification plugin's JSON: {str(exc)[:200]}") from None
