"""What the VCS-side tests run: ``ghee`` commands with a sender's environment, and a ghee that never answers."""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support.servers import Server
from tests.support.services import GHEE


def sender_env(server_url: str, token: str, project_id: str, spool: Path, **extra: str) -> dict[str, str]:
    """The environment of a trigger or hook sending to ``server_url`` (nothing of ghee's own settings)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GHEE_")}
    return {
        **env,
        "GHEE_URL": server_url,
        "GHEE_TOKEN": token,
        "GHEE_PROJECT": project_id,
        "GHEE_SPOOL_DIR": str(spool),
        "GHEE_SEND_SECONDS": "2",
        **extra,
    }


def run_ghee(arguments: list[str], env: dict[str, str], given: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [GHEE, *arguments], env=env, input=given, capture_output=True, text=True, timeout=120, check=False
    )


def write_token(server: Server, project_id: int) -> str:
    """A write token bound to the project, as a build engineer would give a trigger."""
    return server.token("write", project_id=project_id)


@contextmanager
def silent_server() -> Iterator[str]:
    """The URL of a server that takes connections and never answers (ghee hung, or a network black hole)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        listener.close()


def closed_url() -> str:
    """The URL of a port nothing listens on (ghee down)."""
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return f"http://127.0.0.1:{port}"
