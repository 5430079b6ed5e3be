"""Geometry of small server-side SVG charts (no JavaScript, no CDN)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Bar:
    """One horizontal bar: its label, value, link and place in the drawing."""

    label: str
    value: int
    url: str | None
    y: int
    width: float


@dataclass(frozen=True)
class BarChart:
    """Horizontal bars scaled to the largest value."""

    bars: list[Bar]
    width: int
    height: int
    label_width: int
    bar_height: int


def bar_chart(rows: list[tuple[str, int, str | None]], *, width: int = 420,
              label_width: int = 170, bar_height: int = 18, gap: int = 6) -> BarChart:
    """Lay out (label, value, url) rows as horizontal bars, the longest filling the width."""
    room = width - label_width - 40  # leave space for the value after the bar
    top = max((value for _label, value, _url in rows), default=0) or 1
    bars = [Bar(label, value, url, i * (bar_height + gap), room * value / top)
            for i, (label, value, url) in enumerate(rows)]
    height = max(len(bars) * (bar_height + gap) - gap, bar_height)
    return BarChart(bars, width, height, label_width, bar_height)
