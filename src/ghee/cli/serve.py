"""``ghee serve``: the HTTP API under granian, on a free port and a migrated database."""

from __future__ import annotations

import asyncio
import os

import click

from ghee.config import get_settings


def served_address(host: str, port: int) -> str:
    """The address ``ghee serve --host --port`` answers at, for ``GHEE_PUBLIC_URL`` when it is not set."""
    if host in ("", "0.0.0.0", "::"):  # noqa: S104 (listening everywhere: name the machine's own loopback)
        host = "127.0.0.1"
    elif ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def _refuse_unmigrated() -> None:
    """For a long-running command: refuse a database never migrated; warn if it cannot be reached yet."""
    from ghee.db.readiness import refuse_unmigrated

    down = asyncio.run(refuse_unmigrated(get_settings().database_url))
    if down is not None:
        click.echo(f"warning: {down}; starting anyway (answering 503 until it is back)", err=True)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64), help="Worker processes.")
def serve(host: str, port: int, workers: int) -> None:
    """Serve the HTTP API with granian."""
    from granian import Granian
    from granian.constants import Interfaces, Loops

    from ghee.ops.listening import require_free_port
    from ghee.ops.metrics_files import metrics_directory

    if not os.environ.get("GHEE_PUBLIC_URL", "").strip():
        # Links in answers name this address, never a request's Host header: the workers inherit it.
        os.environ["GHEE_PUBLIC_URL"] = served_address(host, port)
    get_settings()  # a malformed GHEE_* variable is refused here, once, not in every worker process
    require_free_port(host, port)  # granian shares a port (SO_REUSEPORT): a second ghee would answer alongside
    _refuse_unmigrated()
    with metrics_directory():
        Granian(
            "ghee.app:create_app",
            factory=True,
            address=host,
            port=port,
            workers=workers,
            interface=Interfaces.ASGI,
            loop=Loops.uvloop,
            log_access=False,
        ).serve()
