"""Exports of build metrics: the same rows as CSV or JSON, and a PNG chart of the daily series.

Rows are one per day of the range (every day, empty ones too) or, grouped,
one per day and group that had builds. Columns, in order, are ``COLUMNS``;
the JSON export holds the same rows as objects with these keys.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

import msgspec

from ghee.analytics.metrics import Cell, Figures, Metrics
from ghee.clock import iso

COLUMNS = (
    "date",
    "group",
    "name",
    "totalBuilds",
    "successRate",
    "avgDuration",
    "p95Duration",
    "avgQueueTime",
    "success",
    "failure",
    "unstable",
    "aborted",
    "notBuilt",
)
_RESULT_NAMES = {"SUCCESS": "success", "FAILURE": "failure", "UNSTABLE": "unstable", "ABORTED": "aborted"}
_RESULT_NAMES["NOT_BUILT"] = "notBuilt"
_MARKED_DAYS = 45  # beyond this many points, markers clutter the lines


def _row(day: date, key: str | None, name: str | None, figures: Figures) -> dict[str, Any]:
    return {
        "date": day.isoformat(),
        "group": key,
        "name": name,
        "totalBuilds": figures.total,
        "successRate": figures.success_rate,
        "avgDuration": figures.avg_duration_ms,
        "p95Duration": figures.p95_duration_ms,
        "avgQueueTime": figures.avg_queue_ms,
        **{_RESULT_NAMES[result]: count for result, count in figures.results.items()},
    }


def export_rows(metrics: Metrics, cells: list[Cell]) -> list[dict[str, Any]]:
    """The rows of an export, oldest day first (grouped: then most builds first)."""
    if metrics.group_by is None:
        return [_row(day.day, None, None, day.figures) for day in metrics.series]
    ordered = sorted(cells, key=lambda c: (c.day, -c.group.figures.total, c.group.key or ""))
    return [_row(c.day, c.group.key, c.group.name, c.group.figures) for c in ordered]


def as_csv(rows: list[dict[str, Any]]) -> str:
    """The rows as CSV with a header line; empty cells for missing figures."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def as_json(metrics: Metrics, rows: list[dict[str, Any]]) -> bytes:
    """``{"from", "to", "groupBy", "data": rows}``."""
    body = {"from": iso(metrics.range.start), "to": iso(metrics.range.end), "groupBy": metrics.group_by, "data": rows}
    return msgspec.json.encode(body)


def as_png(metrics: Metrics, title: str) -> bytes:
    """A chart of the daily success rate (left axis, %) and p95 duration (right axis) over the range.

    Rendered with Matplotlib's Agg canvas (no display, no global pyplot
    state), so it may run in a worker thread.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: PLC0415 (a slow import, only for charts)
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter, date2num  # noqa: PLC0415
    from matplotlib.figure import Figure  # noqa: PLC0415

    days = date2num([day.day for day in metrics.series])  # type: ignore[no-untyped-call]
    rates = [float("nan") if d.figures.success_rate is None else d.figures.success_rate * 100 for d in metrics.series]
    p95 = [d.figures.p95_duration_ms for d in metrics.series]
    scale, unit = _duration_unit(max((v for v in p95 if v is not None), default=0))
    p95_scaled = [float("nan") if v is None else v / scale for v in p95]

    figure = Figure(figsize=(10, 5), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    rate_axis = figure.add_subplot()
    duration_axis = rate_axis.twinx()
    marker = "o" if len(days) <= _MARKED_DAYS else None
    rate_line = rate_axis.plot(days, rates, color="#2e7d32", linewidth=2, marker=marker, label="Success rate (%)")
    duration_line = duration_axis.plot(
        days, p95_scaled, color="#c62828", linewidth=2, marker=marker, linestyle="--", label=f"p95 duration ({unit})"
    )
    rate_axis.set_ylim(0, 105)
    rate_axis.set_ylabel("Success rate (%)", color="#2e7d32")
    duration_axis.set_ylim(bottom=0)
    duration_axis.set_ylabel(f"p95 duration ({unit})", color="#c62828")
    rate_axis.set_xlabel("Day (UTC)")
    locator = AutoDateLocator()  # type: ignore[no-untyped-call]
    rate_axis.xaxis.set_major_locator(locator)
    rate_axis.xaxis.set_major_formatter(ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]
    rate_axis.grid(visible=True, alpha=0.3)
    rate_axis.set_title(title)
    lines = rate_line + duration_line
    rate_axis.legend(lines, [str(line.get_label()) for line in lines], loc="lower left", framealpha=0.9)
    if not any(d.figures.total for d in metrics.series):
        rate_axis.text(0.5, 0.5, "No finished builds in this range", transform=rate_axis.transAxes, ha="center")
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()


def _duration_unit(longest_ms: int) -> tuple[float, str]:
    """A divisor and unit that keep the duration axis readable."""
    if longest_ms >= 2 * 3_600_000:
        return 3_600_000, "hours"
    if longest_ms >= 2 * 60_000:
        return 60_000, "minutes"
    return 1000, "seconds"
