"""How long ``ghee demo`` takes, part by part, on a fresh SQLite file.

``make run`` loads the demo before serving, so a first run waits for it.
This migrates a file in a temporary folder, runs ``load_demo`` in one unit
of work as the CLI does, and times each part (the studio, its Jenkins
history, its pages, its blog) between the progress calls: wall time and this
process's CPU time, best of three fresh loads. See bench/README.md, section
"demo_load.py".

    .venv/bin/python bench/demo_load.py
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from pathlib import Path

from ghee.db.database import opened
from ghee.db.engine import create_engine
from ghee.db.migrate import upgrade
from ghee.demo import load_demo

RUNS = 3


async def _migrated(url: str) -> None:
    engine = create_engine(url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()


async def _timed_load(url: str) -> dict[str, tuple[float, float]]:
    """Wall and CPU seconds of each part of one load, by part, and of the whole under ``"all"``."""
    marks: list[tuple[str, float, float]] = []

    def progress(part: str) -> None:
        marks.append((part, time.perf_counter(), time.process_time()))

    async with opened(url) as db:
        start = (time.perf_counter(), time.process_time())
        async with db.write() as work:
            await load_demo(work, progress)
        end = (time.perf_counter(), time.process_time())
    bounds = [*marks, ("", *end)]
    parts = {part: (bounds[n + 1][1] - wall, bounds[n + 1][2] - cpu) for n, (part, wall, cpu) in enumerate(marks)}
    return {**parts, "all (one transaction, committed)": (end[0] - start[0], end[1] - start[1])}


def main() -> None:
    best: dict[str, tuple[float, float]] = {}
    for run in range(RUNS):
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite:///{Path(folder) / f'demo-{run}.db'}"
            asyncio.run(_migrated(url))
            for part, (wall, cpu) in asyncio.run(_timed_load(url)).items():
                best[part] = min(best.get(part, (wall, cpu)), (wall, cpu))
    print(f"load average {os.getloadavg()[0]:.1f}; best of {RUNS} fresh loads on SQLite")
    for part, (wall, cpu) in best.items():
        print(f"{part[:60]:<60} {wall:6.2f} s wall {cpu:6.2f} s CPU")


if __name__ == "__main__":
    main()
