"""The catalogue of event types ghee records, and the patterns subscriptions choose them by.

A pattern is an event type (``post.update``), a family wildcard
(``build.*``, or ButterCMS's ``post.all``) or ``*`` for everything. Exact
types must be in the catalogue and wildcards must name a known family, so a
typo is refused when the subscription is made instead of silently matching
nothing.
"""

from __future__ import annotations

from functools import lru_cache

from ghee.errors import Invalid

EVENT_TYPES: dict[str, str] = {
    "project.created": "A project was created.",
    "project.settings_changed": "A project's settings (patch notes on or off) changed.",
    "project.git_secret_issued": "A project was given a new git push secret (its old one stopped working).",
    "build.created": "A build was queued or reported for the first time.",
    "build.updated": "A build's status or artifacts changed.",
    "build.finished": "A build reached success, failed or cancelled.",
    "build.classified": "A failed build's failure category was set or changed.",
    "deployment.created": "A successful build started deploying to a platform and branch.",
    "deployment.live": "A deployment went live (the previous live one on its target is superseded).",
    "deployment.failed": "A deployment failed.",
    "asset.approval_changed": "An asset's review status changed.",
    "changelist.created": "A changelist was submitted.",
    "job.flaky": "A CI job was found flaky (both outcomes on one commit, or many flips).",
    "job.steady": "A flaky CI job became steady.",
    "job.created": "A sync found a new Jenkins job.",
    "job.deleted": "A Jenkins job vanished from its server.",
    "job.linked": "A Jenkins job was linked to a project, or unlinked.",
    "connection.created": "A Jenkins connection was added (or an archived one brought back).",
    "connection.updated": "A Jenkins connection's URL, user, API token or link rules were changed.",
    "connection.archived": "A Jenkins connection was deleted: archived, its history kept.",
    "connection.deleted": "A Jenkins connection was purged with its history.",
    "connection.push_secret_issued": "A Jenkins connection was given a new push URL.",
    "failure_cause.created": "A failure cause was added.",
    "failure_cause.updated": "A failure cause was changed.",
    "failure_cause.deleted": "A failure cause was deleted.",
    "post.create": "A blog post went live: published, or its scheduled time reached (ButterCMS).",
    "post.update": "A live blog post changed (ButterCMS).",
    "post.delete": "A live blog post was deleted or unpublished (ButterCMS).",
    "contentfield.update": "A live content field's value changed (ButterCMS).",
    "page.create": "A page went live: published, or its scheduled time reached.",
    "page.update": "A live page changed.",
    "collectionitem.create": "A collection item went live.",
    "collectionitem.update": "A live collection item changed.",
    "collectionitem.delete": "A live collection item was deleted.",
    "draft.saved": "A draft was saved, scheduled or restored from a revision (post, page, item or field; never live).",
    "draft.deleted": "A post, page or item that was never live was deleted.",
    "pagetype.create": "A page type was created.",
    "pagetype.update": "A page type's fields changed.",
    "collection.create": "A collection was created.",
    "collection.update": "A collection's fields changed.",
    "author.create": "A blog author was created.",
    "author.update": "A blog author was changed.",
    "category.create": "A blog category was created.",
    "category.update": "A blog category was renamed.",
    "tag.create": "A blog tag was created.",
    "tag.update": "A blog tag was renamed.",
    "media.created": "An image was uploaded.",
    "media.deleted": "An image nothing used was deleted from the media library.",
}
"""Every event type, with what it means (``docs/webhooks.md`` lists the same)."""

FAMILIES = frozenset(name.partition(".")[0] for name in EVENT_TYPES)
WILDCARD_SUFFIXES = ("*", "all")  # ``build.*``; ``post.all`` as ButterCMS names it
MAX_PATTERNS = 50


def check_pattern(pattern: str, field: str = "events") -> str:
    """``pattern`` if it names known events; raises ``Invalid`` otherwise."""
    if pattern == "*" or pattern in EVENT_TYPES:
        return pattern
    family, dot, rest = pattern.partition(".")
    if dot and rest in WILDCARD_SUFFIXES and family in FAMILIES:
        return pattern
    raise Invalid(field, f"{pattern!r} is not a known event type or wildcard (like 'build.*', 'post.all' or '*')")


def check_patterns(patterns: list[str], field: str = "events") -> list[str]:
    """The patterns, checked and de-duplicated in order; raises ``Invalid`` for none, too many or an unknown one."""
    if not patterns:
        raise Invalid(field, "name at least one event type or wildcard")
    if len(patterns) > MAX_PATTERNS:
        raise Invalid(field, f"at most {MAX_PATTERNS} patterns")
    return list(dict.fromkeys(check_pattern(p.strip(), field) for p in patterns))


@lru_cache(maxsize=4096)
def _matches(pattern: str, event_type: str) -> bool:
    if pattern in ("*", event_type):
        return True
    family, _, rest = pattern.partition(".")
    return rest in WILDCARD_SUFFIXES and event_type.partition(".")[0] == family


def matches(patterns: list[str] | tuple[str, ...], event_type: str) -> bool:
    """Whether any of ``patterns`` selects ``event_type``."""
    return any(_matches(pattern, event_type) for pattern in patterns)


def type_prefix(pattern: str) -> tuple[str, bool]:
    """For filtering stored events: ``(type, False)`` for an exact type, ``(family + ".", True)`` for a wildcard.

    ``*`` gives ``("", True)``: every type starts with the empty prefix.
    """
    if pattern == "*":
        return "", True
    family, _, rest = pattern.partition(".")
    if rest in WILDCARD_SUFFIXES:
        return family + ".", True
    return pattern, False
