"""Duration sketches: log-bucketed histograms (DDSketch's mapping) that merge by adding counts.

A duration of ``x`` ms (``x >= 1``) falls in bucket ``k = 1 + ceil(log_g x)``
with ``g = (1 + a) / (1 - a)`` and ``a = 0.01``; bucket 0 holds durations
under 1 ms. Every value in bucket ``k`` lies within ``a`` (1 %) of the
bucket's representative ``2 g^(k-1) / (g + 1)``, so any quantile read from a
sketch is within 1 % of the exact value at the same rank (Masson, Rim and
Lee, "DDSketch", VLDB 2019). Durations up to ten days need about 1,040
buckets; a day of one job's builds typically fills a few dozen.

A sketch is stored as bytes: little-endian pairs of a ``uint16`` bucket and
a ``uint32`` count, sorted by bucket. Reading many of them at once
(``quantiles``) is one NumPy pass over all their pairs, so a metrics request
merges thousands of sketches without a Python loop per bucket.

The ``ddsketch`` package uses the same mapping but keeps its buckets in
Python objects and serialises through protobuf; what ghee needs is bytes it
can store in a row and merge in bulk, which is these few functions.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np
import numpy.typing as npt

RELATIVE_ACCURACY = 0.01
GAMMA = (1 + RELATIVE_ACCURACY) / (1 - RELATIVE_ACCURACY)
_LOG_GAMMA = math.log(GAMMA)
_MAX_BUCKET = 65_535
ENTRY = np.dtype([("bucket", "<u2"), ("count", "<u4")])
"""One stored pair: a bucket and how many durations fell in it."""

EMPTY = b""

Counts = dict[int, int]
"""A sketch being built or merged: bucket → count."""


def bucket_of(duration_ms: int) -> int:
    """The bucket a duration falls in."""
    if duration_ms < 1:
        return 0
    return min(_MAX_BUCKET, 1 + math.ceil(math.log(duration_ms) / _LOG_GAMMA - 1e-12))


def buckets_of(durations_ms: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """``bucket_of`` for every duration of an array."""
    safe = np.maximum(durations_ms, 1).astype(np.float64)
    buckets = 1 + np.ceil(np.log(safe) / _LOG_GAMMA - 1e-12).astype(np.int64)
    return np.where(durations_ms < 1, 0, np.minimum(buckets, _MAX_BUCKET))


def representative(bucket: int) -> int:
    """The duration (ms, rounded) that stands for every duration of ``bucket``."""
    if bucket == 0:
        return 0
    return round(2 * GAMMA ** (bucket - 1) / (GAMMA + 1))


def add(counts: Counts, durations_ms: Iterable[int]) -> Counts:
    """``counts`` with each duration added (in place; returned for chaining)."""
    for duration in durations_ms:
        bucket = bucket_of(duration)
        counts[bucket] = counts.get(bucket, 0) + 1
    return counts


def decode(data: bytes) -> Counts:
    """The counts a stored sketch holds."""
    entries = np.frombuffer(data, dtype=ENTRY)
    return dict(zip(entries["bucket"].tolist(), entries["count"].tolist(), strict=True))


def encode(counts: Counts) -> bytes:
    """The stored form of ``counts`` (empty buckets left out)."""
    entries = np.array(sorted((b, c) for b, c in counts.items() if c > 0), dtype=ENTRY)
    return entries.tobytes()


def merge(data: bytes, counts: Counts) -> bytes:
    """A stored sketch with ``counts`` added to it."""
    merged = decode(data)
    for bucket, count in counts.items():
        merged[bucket] = merged.get(bucket, 0) + count
    return encode(merged)


def quantiles(sketches: Sequence[bytes], groups: npt.NDArray[np.int64], group_count: int, q: float) -> list[int | None]:
    """The ``q`` quantile (nearest rank) of each group's merged sketches; ``None`` for a group with no durations.

    ``groups[i]`` is the group (``0 .. group_count - 1``) sketch ``i`` belongs to.
    """
    entries = np.frombuffer(b"".join(sketches), dtype=ENTRY)
    if not entries.size:
        return [None] * group_count
    lengths = np.fromiter(map(len, sketches), dtype=np.int64, count=len(sketches)) // ENTRY.itemsize
    owner = np.repeat(groups, lengths)
    buckets = entries["bucket"].astype(np.int64)
    counts = entries["count"].astype(np.int64)
    lowest = int(buckets.min())
    width = int(buckets.max()) - lowest + 1
    if group_count * width <= _DENSE_CELLS:
        found, totals = _dense_ranks(owner, buckets - lowest, counts, group_count, width, q)
        found += lowest
    else:
        found, totals = _sorted_ranks(owner, buckets, counts, group_count, q)
    return [
        representative(bucket) if total else None for bucket, total in zip(found.tolist(), totals.tolist(), strict=True)
    ]


_DENSE_CELLS = 4_000_000  # a histogram of groups x buckets up to 32 MB: faster than sorting the entries


def _dense_ranks(  # noqa: PLR0913 (the histogram's inputs, each an array or a size)
    owner: npt.NDArray[np.int64],
    offsets: npt.NDArray[np.int64],
    counts: npt.NDArray[np.int64],
    group_count: int,
    width: int,
    q: float,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Each group's quantile bucket (offset from the lowest) and total, through a groups x buckets histogram."""
    histogram = np.bincount(owner * width + offsets, weights=counts, minlength=group_count * width)
    running = np.cumsum(histogram.reshape(group_count, width), axis=1)
    totals = np.rint(running[:, -1]).astype(np.int64)
    # Nearest rank: the smallest value with at least q of the group's durations at or below it.
    ranks = np.maximum(np.ceil(q * totals - 1e-9), 1)
    return np.argmax(running >= ranks[:, None] - 0.5, axis=1).astype(np.int64), totals


def _sorted_ranks(
    owner: npt.NDArray[np.int64],
    buckets: npt.NDArray[np.int64],
    counts: npt.NDArray[np.int64],
    group_count: int,
    q: float,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Each group's quantile bucket and total, by sorting the entries (for many groups over wide buckets)."""
    order = np.lexsort((buckets, owner))
    owner, buckets, counts = owner[order], buckets[order], counts[order]
    running = np.cumsum(counts)
    totals = np.bincount(owner, weights=counts, minlength=group_count).astype(np.int64)
    before = np.concatenate(([0], np.cumsum(totals)[:-1]))
    ranks = np.maximum(np.ceil(q * totals - 1e-9).astype(np.int64), 1)
    found = np.minimum(np.searchsorted(running, before + ranks, side="left"), len(running) - 1)
    return buckets[found], totals
