"""Failure classification: precision and recall per category on the labelled logs, and what it costs.

1. Accuracy: every log under ``tests/dialects/buildbutler/logs/<category>/`` is
   classified with the default failure causes (read from a freshly migrated
   database, as the server reads them) and compared with its folder's name.
2. Cost: a scratch SQLite database gets ``--builds`` failed builds cycling
   through those logs (stored in 64 KB zlib chunks, as the sync stores them)
   and a few huge ones (``--huge-mb`` each); ``classify_builds`` runs over all
   of them, then ``reclassify_recent`` (what an edit of a cause costs).

    .venv/bin/python bench/failure_classification.py
    .venv/bin/python bench/failure_classification.py --builds 2000 --huge-mb 50
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
import zlib
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from ghee.core.builds.failures import (
    HEAD_BYTES,
    TAIL_BYTES,
    UNKNOWN,
    classify_builds,
    matching_cause,
    reclassify_recent,
)
from ghee.core.failure_causes import FailureCause, all_causes
from ghee.db.database import Write, opened
from ghee.db.migrate import upgrade
from ghee.db.tables import build_log_chunks, builds, connections, jobs

LOGS = Path(__file__).resolve().parent.parent / "tests" / "dialects" / "buildbutler" / "logs"
CHUNK = 64 * 1024
NOW = datetime.now(UTC).replace(tzinfo=None)


def excerpts(text: str) -> list[str]:
    """What the classifier reads of a log: its head and tail (see ``ghee.core.builds.failures``)."""
    data = text.encode()
    if len(data) <= HEAD_BYTES + TAIL_BYTES:
        return [text]
    return [data[:HEAD_BYTES].decode(errors="replace"), data[-TAIL_BYTES:].decode(errors="replace")]


def accuracy(causes: list[FailureCause]) -> None:
    labelled = sorted(LOGS.glob("*/*.txt"))
    true_positive: Counter[str] = Counter()
    predicted: Counter[str] = Counter()
    actual: Counter[str] = Counter()
    wrong = []
    for path in labelled:
        label = path.parent.name
        cause = matching_cause(causes, excerpts(path.read_text()), [])
        got = UNKNOWN if cause is None else cause.category
        actual[label] += 1
        predicted[got] += 1
        if got == label:
            true_positive[label] += 1
        else:
            wrong.append(f"{label}/{path.name} -> {got}")
    print(f"\n{len(labelled)} labelled logs, {len(actual)} categories")
    print(f"{'category':<22} {'logs':>5} {'precision':>10} {'recall':>8}")
    for category in sorted(set(actual) | set(predicted)):
        precision = true_positive[category] / predicted[category] if predicted[category] else float("nan")
        recall = true_positive[category] / actual[category] if actual[category] else float("nan")
        print(f"{category:<22} {actual[category]:>5} {precision:>10.2f} {recall:>8.2f}")
    print(f"accuracy: {sum(true_positive.values()) / len(labelled):.3f}")
    for line in wrong:
        print("  misclassified:", line)


async def fill(work: Write, count: int, huge: int, huge_mb: int) -> list[int]:
    connection_id = await work.scalar(
        connections.insert()
        .values(
            name="bench",
            url="https://j",
            username="u",
            token_encrypted="-",  # noqa: S106 (never used: no Jenkins here)
            status="ok",
            failures=0,
            created_at=NOW,
        )
        .returning(connections.c.id)
    )
    job_id = await work.scalar(
        jobs.insert()
        .values(
            connection_id=connection_id,
            full_name="bench",
            name="bench",
            folder="/",
            url="https://j/job/bench/",
            kind="pipeline",
            flaky=False,
            deleted=False,
            created_at=NOW,
            updated_at=NOW,
        )
        .returning(jobs.c.id)
    )
    texts = [path.read_bytes() for path in sorted(LOGS.glob("*/*.txt"))]
    filler = b"".join(b"[INFO] Processing asset %07d of the content browser\n" % n for n in range(1_000_000))
    made = []
    for number in range(1, count + huge + 1):
        log = texts[number % len(texts)]
        if number > count:  # a huge log: megabytes of output, then the failure
            log = (filler * (1 + huge_mb * 2**20 // len(filler)))[: huge_mb * 2**20] + log
        build_id = await work.scalar(
            builds.insert()
            .values(
                job_id=job_id,
                number=number,
                status="failed",
                platform="",
                configuration="",
                branch="main",
                created_at=NOW,
                started_at=NOW,
                finished_at=NOW,
                result="FAILURE",
                log_bytes=len(log),
                log_complete=True,
            )
            .returning(builds.c.id)
        )
        await work.execute(
            build_log_chunks.insert(),
            [
                {
                    "build_id": build_id,
                    "offset": offset,
                    "length": len(log[offset : offset + CHUNK]),
                    "data": zlib.compress(log[offset : offset + CHUNK]),
                }
                for offset in range(0, len(log), CHUNK)
            ],
        )
        made.append(int(build_id or 0))
    return made


async def main(arguments: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as folder:
        async with opened(f"sqlite:///{folder}/bench.db") as db:
            await upgrade(db.engine)
            causes = await all_causes(db.read())
            accuracy(causes)
            async with db.write() as work:
                made = await fill(work, arguments.builds, arguments.huge, arguments.huge_mb)
            typical, huge = made[: arguments.builds], made[arguments.builds :]
            print(f"\ncost on SQLite ({len(causes)} causes):")
            async with db.write() as work:
                started = time.perf_counter()
                await classify_builds(work, typical)
                elapsed = time.perf_counter() - started
            print(f"  classify_builds, {len(typical)} typical logs: {elapsed * 1000 / len(typical):.2f} ms per build")
            if huge:
                async with db.write() as work:
                    started = time.perf_counter()
                    await classify_builds(work, huge)
                    elapsed = time.perf_counter() - started
                per_build = elapsed * 1000 / len(huge)
                print(f"  classify_builds, {len(huge)} logs of {arguments.huge_mb} MB: {per_build:.1f} ms per build")
            async with db.write() as work:
                started = time.perf_counter()
                count = await reclassify_recent(work)
                elapsed = time.perf_counter() - started
            print(f"  reclassify_recent (an edit of a cause): {count} builds in {elapsed:.2f} s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--builds", type=int, default=1000, help="failed builds with typical logs")
    parser.add_argument("--huge", type=int, default=3, help="failed builds with huge logs")
    parser.add_argument("--huge-mb", type=int, default=20, help="size of each huge log, in MB")
    asyncio.run(main(parser.parse_args()))
