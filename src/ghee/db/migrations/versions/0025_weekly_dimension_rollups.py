"""weekly dimension rollups: each dimension key's whole weeks, summed from its days

``build_dimension_rollups`` gains rows of ``span_hours`` 168: a week of whole
UTC days, starting at a multiple of 168 hours from the epoch's hour 0. A
metrics request grouping builds reads a month of one key in a few week rows
instead of thirty day rows. From here on ``add_builds`` and ``rebuild`` write
them; this revision sums the day rows already stored into their weeks.

Duration sketches are merged as ``ghee.core.builds.sketch`` stores them in
this revision (little-endian ``uint16`` bucket and ``uint32`` count pairs,
sorted by bucket): the format is restated here, so later changes to that
module cannot change what this revision did.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-04 16:20:00
"""

from collections.abc import Sequence

import numpy as np
import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DAY, WEEK = 24, 168
ENTRY = np.dtype([("bucket", "<u2"), ("count", "<u4")])
NUMBERS = (
    "successes",
    "failures",
    "unstable",
    "aborted",
    "not_built",
    "duration_count",
    "duration_sum_ms",
    "queue_count",
    "queue_sum_ms",
)
BATCH = 5_000

rollups = sa.table(
    "build_dimension_rollups",
    sa.column("dimension", sa.String()),
    sa.column("span_hours", sa.SmallInteger()),
    sa.column("start_hour", sa.Integer()),
    sa.column("key", sa.String()),
    *(sa.column(name, sa.BigInteger()) for name in NUMBERS),
    sa.column("durations", sa.LargeBinary()),
)


def _stored(counts: dict[int, int]) -> bytes:
    return np.array(sorted((b, c) for b, c in counts.items() if c > 0), dtype=ENTRY).tobytes()


def upgrade() -> None:
    conn = op.get_bind()
    days = conn.execute(
        sa.select(rollups.c.dimension, rollups.c.start_hour, rollups.c.key, *(rollups.c[n] for n in NUMBERS))
        .add_columns(rollups.c.durations)
        .where(rollups.c.span_hours == DAY)
        .order_by(rollups.c.dimension, rollups.c.key, rollups.c.start_hour)
    )
    weeks: dict[tuple[str, int, str], tuple[list[int], dict[int, int]]] = {}
    for dimension, start_hour, key, *numbers, durations in days:
        week = (dimension, start_hour - start_hour % WEEK, key)
        sums, counts = weeks.setdefault(week, ([0] * len(NUMBERS), {}))
        for i, value in enumerate(numbers):
            sums[i] += value
        entries = np.frombuffer(durations, dtype=ENTRY)
        for bucket, count in zip(entries["bucket"].tolist(), entries["count"].tolist(), strict=True):
            counts[bucket] = counts.get(bucket, 0) + count
    rows = [
        {
            "dimension": dimension,
            "span_hours": WEEK,
            "start_hour": start_hour,
            "key": key,
            **dict(zip(NUMBERS, sums, strict=True)),
            "durations": _stored(counts),
        }
        for (dimension, start_hour, key), (sums, counts) in sorted(weeks.items())
    ]
    for start in range(0, len(rows), BATCH):
        conn.execute(rollups.insert(), rows[start : start + BATCH])


def downgrade() -> None:
    op.execute(rollups.delete().where(rollups.c.span_hours == WEEK))
