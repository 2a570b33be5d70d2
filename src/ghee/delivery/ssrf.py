"""The SSRF guard: webhook targets must be public HTTP(S) addresses unless private ones are allowed."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

from ghee.delivery.connections import Origin
from ghee.errors import Invalid

MAX_URL = 2048


class TargetRefused(Exception):
    """A target URL may not be called; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def check_url_shape(url: str, field: str = "url") -> str:
    """``url`` if it is an absolute ``http``/``https`` URL with a host; raises ``Invalid`` otherwise."""
    url = url.strip()
    if not url or len(url) > MAX_URL:
        raise Invalid(field, f"must be 1 to {MAX_URL} characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise Invalid(field, "is not a valid URL") from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Invalid(field, "must be an absolute http:// or https:// URL")
    if parts.username or parts.password:
        raise Invalid(field, "must not carry credentials; send them as a custom header")
    if port == 0 or any(ch.isspace() or ord(ch) < 0x20 for ch in url):  # noqa: PLR2004 (control characters)
        raise Invalid(field, "is not a valid URL")
    return url


def _refused_address(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.is_site_local:  # fec0::/10, deprecated but still routed inside some networks
            return True
        # IPv4 carried inside IPv6 (mapped, 6to4, Teredo's client) is judged as that IPv4 address.
        wrapped = [ip.ipv4_mapped, ip.sixtofour, ip.teredo[1] if ip.teredo else None]
        if any(inner is not None and _refused_address(str(inner)) for inner in wrapped):
            return True
        if ip.ipv4_mapped is not None:
            return False
    return (
        ip.is_loopback
        or ip.is_link_local
        or ip.is_private
        or ip.is_reserved
        or ip.is_multicast
        or ip.is_unspecified
        or not ip.is_global
    )


async def resolve_target(url: str, *, allow_private: bool) -> list[str]:
    """The addresses ``url``'s host resolves to, in the resolver's order of preference.

    Raises ``TargetRefused`` if it does not resolve or (unless ``allow_private``)
    any address is loopback, link-local, private or otherwise not public.
    """
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise TargetRefused(f"host {host!r} does not resolve") from exc
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not allow_private:
        refused = [address for address in addresses if _refused_address(address)]
        if refused:
            raise TargetRefused(f"host {host!r} resolves to a non-public address ({refused[0]})")
    return addresses


async def check_target(url: str, *, allow_private: bool, field: str = "url") -> str:
    """``url``, checked for shape and resolved under the guard; raises ``Invalid`` naming ``field``."""
    url = check_url_shape(url, field)
    try:
        await resolve_target(url, allow_private=allow_private)
    except TargetRefused as exc:
        raise Invalid(field, exc.reason) from exc
    return url


def pinned(url: str, address: str) -> tuple[Origin, str]:
    """``url`` aimed at ``address``, the one the guard checked: the origin to connect to, and the request target.

    Sending to the checked address, not to the host name, closes the gap in
    which a DNS server answers the guard with a public address and the client's
    own lookup, a moment later, with a private one (DNS rebinding). The host
    name still travels in ``Host`` and, for HTTPS, as the TLS server name
    against which the certificate is verified.
    """
    parts = urlsplit(url)
    default_port = 443 if parts.scheme == "https" else 80
    origin = Origin(parts.scheme, address.split("%", 1)[0], parts.port or default_port, parts.hostname or "")
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return origin, target
