"""Small server-rendered SVG charts: stacked bars per day and a line, inline in a page.

Each chart has a fixed ``viewBox`` (the CSS keeps its aspect ratio, so
nothing moves when it loads), a ``<title>`` and ``<desc>`` for screen
readers (``role="img"``), and no script. The page shows the same numbers in a
table beside it.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

WIDTH = 720
HEIGHT = 240
_LEFT, _RIGHT, _TOP, _BOTTOM = 48, 12, 12, 28
_TICKS = 4


class Series:
    """One stacked part of a bar chart: its name, its colour's CSS class and one value per day."""

    def __init__(self, name: str, css_class: str, values: Sequence[int]) -> None:
        self.name = name
        self.css_class = css_class
        self.values = list(values)


def _nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 x 10^n at or above ``value`` (at least 1), so the axis ticks are round."""
    if value <= 1:
        return 1.0
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if step * magnitude >= value:
            return float(step * magnitude)
    return float(10 * magnitude)


def _count_ceiling(value: int) -> int:
    """The top of a count axis: ``_TICKS`` whole steps of 1, 2 or 5 x 10^n, so every tick is a whole number."""
    magnitude = 1
    while True:
        for step in (1, 2, 5):
            if step * magnitude * _TICKS >= value:
                return step * magnitude * _TICKS
        magnitude *= 10


def _number(value: float) -> str:
    return f"{value:g}"


def _frame(  # noqa: PLR0913 (what every chart draws the same way)
    chart_id: str, title: str, description: str, ceiling: float, unit: str, labels: Sequence[str]
) -> list[str]:
    """The opening of the SVG: title, description, horizontal grid lines with their values, the first and last day."""
    plot_height = HEIGHT - _TOP - _BOTTOM
    name = escape(chart_id)
    parts = [
        (
            f'<svg id="{name}" class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
            f'role="img" aria-labelledby="{name}-title {name}-desc" xmlns="http://www.w3.org/2000/svg">'
        ),
        f'<title id="{name}-title">{escape(title)}</title>',
        f'<desc id="{name}-desc">{escape(description)}</desc>',
    ]
    for tick in range(_TICKS + 1):
        value = ceiling * tick / _TICKS
        y = _TOP + plot_height - plot_height * tick / _TICKS
        parts.append(f'<line class="gridline" x1="{_LEFT}" x2="{WIDTH - _RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>')
        parts.append(
            f'<text class="tick" x="{_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">'
            f"{escape(_number(value) + unit)}</text>"
        )
    if labels:
        bottom = HEIGHT - 8
        parts.append(f'<text class="tick" x="{_LEFT}" y="{bottom}">{escape(labels[0])}</text>')
        parts.append(
            f'<text class="tick" x="{WIDTH - _RIGHT}" y="{bottom}" text-anchor="end">{escape(labels[-1])}</text>'
        )
    return parts


def stacked_bars(chart_id: str, title: str, labels: Sequence[str], series: Sequence[Series]) -> Markup:
    """One bar per label, its parts stacked bottom up in the order of ``series``; a ``rect.bar`` per non-zero part."""
    totals = [sum(s.values[i] for s in series) for i in range(len(labels))]
    ceiling = _count_ceiling(max(totals, default=0))
    description = f"{sum(totals)} in all over {len(labels)} days; highest day {max(totals, default=0)}."
    parts = _frame(chart_id, title, description, ceiling, "", labels)
    plot_width, plot_height = WIDTH - _LEFT - _RIGHT, HEIGHT - _TOP - _BOTTOM
    slot = plot_width / max(len(labels), 1)
    bar_width = max(slot * 0.7, 1.0)
    for i, label in enumerate(labels):
        x = _LEFT + slot * i + (slot - bar_width) / 2
        base = float(_TOP + plot_height)
        for part in series:
            value = part.values[i]
            if not value:
                continue
            height = plot_height * value / ceiling
            base -= height
            parts.append(
                f'<rect class="bar {part.css_class}" x="{x:.1f}" y="{base:.1f}" width="{bar_width:.1f}" '
                f'height="{height:.1f}"><title>{escape(label)}: {value} {escape(part.name)}</title></rect>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (every value above is escaped)


def line(chart_id: str, title: str, labels: Sequence[str], values: Sequence[float | None], unit: str) -> Markup:
    """A line through the days that have a value (gaps where ``None``), a dot on each, values in ``unit``."""
    known = [v for v in values if v is not None]
    ceiling = _nice_ceiling(max(known, default=0))
    description = (
        f"From {_number(min(known))}{unit} to {_number(max(known))}{unit} over {len(known)} days with builds."
        if known
        else "No values in this range."
    )
    parts = _frame(chart_id, title, description, ceiling, unit, labels)
    plot_width, plot_height = WIDTH - _LEFT - _RIGHT, HEIGHT - _TOP - _BOTTOM
    slot = plot_width / max(len(labels), 1)
    runs: list[list[tuple[float, float]]] = [[]]
    for i, value in enumerate(values):
        if value is None:
            runs.append([])
            continue
        point = (_LEFT + slot * i + slot / 2, _TOP + plot_height - plot_height * value / ceiling)
        runs[-1].append(point)
        parts.append(
            f'<circle class="dot" cx="{point[0]:.1f}" cy="{point[1]:.1f}" r="3">'
            f"<title>{escape(labels[i])}: {escape(_number(value) + unit)}</title></circle>"
        )
    for run in runs:
        if len(run) > 1:
            points = " ".join(f"{x:.1f},{y:.1f}" for x, y in run)
            parts.append(f'<polyline class="line" points="{points}"/>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (every value above is escaped)
