"""Bar charts as server-rendered SVG: no script, no inline style (the CSP allows neither), and each chart
comes with a text alternative (a summary and the numbers as a table) for screen readers.

The SVG holds only the bars and grid lines and stretches to its box (``preserveAspectRatio="none"``); the
axis labels are HTML around it. Text inside a scaled SVG scales with it: 7 px on a phone, 25 px on a
wide screen. In HTML it keeps the page's font size at every width.
"""

from __future__ import annotations

from dataclasses import dataclass

from plugin.admin.activity import DailySeries

WIDTH, PLOT_HEIGHT = 600, 164
PAD = 1  # above the top grid line and below the baseline, so neither is cut in half at the SVG's edge
HEIGHT = PLOT_HEIGHT + 2 * PAD


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str  # "2025-01-31: 12"


@dataclass(frozen=True)
class Tick:
    y: float
    value: int


@dataclass(frozen=True)
class BarChart:
    title: str
    summary: str
    bars: list[Bar]
    ticks: list[Tick]
    first_day: str
    last_day: str
    width: int = WIDTH
    height: int = HEIGHT


def nice_top(peak: int) -> int:
    """The smallest of 1, 2, 5, 10, 20, 50, ... at or above ``peak``: round numbers for the axis."""
    scale = 1
    while True:
        for step in (1, 2, 5):
            if step * scale >= peak:
                return step * scale
        scale *= 10


def bar_chart(series: DailySeries) -> BarChart:
    top = nice_top(series.peak)
    baseline = PAD + PLOT_HEIGHT
    slot = WIDTH / max(len(series.days), 1)
    bars = []
    for i, (day, count) in enumerate(zip(series.days, series.counts, strict=True)):
        h = PLOT_HEIGHT * count / top
        bars.append(Bar(x=round(i * slot + slot * 0.15, 2), y=round(baseline - h, 2),
                        width=round(slot * 0.7, 2), height=round(h, 2), label=f"{day.isoformat()}: {count}"))
    # Evenly spaced, so the HTML labels beside the SVG line up with the grid lines without inline styles.
    values = [0, top // 2, top] if top % 2 == 0 else [0, top]
    ticks = [Tick(round(baseline - PLOT_HEIGHT * v / top, 2), v) for v in values]
    busiest = max(range(len(series.counts)), key=lambda i: series.counts[i]) if series.counts else None
    summary = f"{series.title}: {series.total} in the last {len(series.days)} days"
    if busiest is not None and series.peak:
        summary += f"; most on {series.days[busiest].isoformat()} ({series.peak})"
    first, last = (series.days[0].isoformat(), series.days[-1].isoformat()) if series.days else ("", "")
    return BarChart(series.title, summary + ".", bars, ticks, first, last)
