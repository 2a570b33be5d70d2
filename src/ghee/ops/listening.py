"""Whether ``ghee serve`` may listen where it is asked to, checked before any worker process starts.

granian binds with ``SO_REUSEPORT``, so a second ``ghee serve`` on a port in
use would start and share the connections with the first, each answering
some of them. A probe socket bound without that option is refused while
anything listens there (``SO_REUSEADDR`` only lets it past connections
lingering in ``TIME_WAIT`` after a restart).
"""

from __future__ import annotations

import errno
import socket

from ghee.errors import Conflict, Invalid


def require_free_port(host: str, port: int) -> None:
    """Return if ``host:port`` can be listened on now.

    Raises ``Conflict`` when something already listens there, ``Invalid`` when
    ``host`` is no address of this machine or the port may not be used.
    """
    try:
        found = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise Invalid("host", f"{host!r} cannot be listened on: {exc.strerror}") from None
    family, kind, protocol, _, address = found[0]
    with socket.socket(family, kind, protocol) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                taken = f"{host}:{port} is already in use (another ghee serve?); choose another --port"
                raise Conflict(taken) from None
            raise Invalid("port", f"cannot listen on {host}:{port}: {exc.strerror}") from None
