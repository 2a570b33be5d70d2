"""The dashboard's navigation: a list each page module appends its entry to."""

from __future__ import annotations

import msgspec

from ghee.core.users import User


class NavItem(msgspec.Struct, frozen=True):
    """One link of the navigation bar."""

    label: str
    href: str
    order: int
    """Where it goes: Overview 10, Builds 20, Assets 30, CI health 40, Content 50, Collections 60,
    Connections 70, Webhooks 80, Users 85, Profile 90."""
    admin_only: bool = False


NAV: list[NavItem] = []
"""Every page that exists; pages not built yet have no entry, so no dead link is shown."""


def add_nav(item: NavItem) -> None:
    """Show ``item`` in the navigation (a page module calls it once, at import)."""
    if all(existing.href != item.href for existing in NAV):
        NAV.append(item)
        NAV.sort(key=lambda entry: entry.order)


def visible_nav(user: User | None) -> list[NavItem]:
    """The entries ``user`` may follow (none when signed out)."""
    if user is None:
        return []
    return [item for item in NAV if user.is_admin or not item.admin_only]
