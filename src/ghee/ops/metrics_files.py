"""The folder every ``ghee serve`` worker keeps its metric files in (``PROMETHEUS_MULTIPROC_DIR``).

Kept apart from ``ghee.ops.metrics`` on purpose: ``prometheus_client`` picks
between in-memory and file-backed values when it is imported, so the serving
command must set the variable before anything imports it.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


@contextmanager
def metrics_directory() -> Iterator[Path]:
    """Where this server's workers keep their metric files, empty at start (``PROMETHEUS_MULTIPROC_DIR``).

    A directory named by the environment is emptied of metric files and kept;
    otherwise a fresh temporary one is made, and removed when the server stops.
    Either way the variable is set before the workers start, so each of them
    writes its counters there (``prometheus_client`` reads it at import).
    """
    named = os.environ.get(MULTIPROC_ENV)
    if named:
        directory = Path(named)
        directory.mkdir(parents=True, exist_ok=True)
        for stale in directory.glob("*.db"):
            stale.unlink()
        yield directory
        return
    with tempfile.TemporaryDirectory(prefix="ghee-metrics-") as made:
        os.environ[MULTIPROC_ENV] = made
        try:
            yield Path(made)
        finally:
            del os.environ[MULTIPROC_ENV]
