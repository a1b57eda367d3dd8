"""Geometry of the pages' bar charts (``/stats``: sends per day; ``/reports``: delivery by
room, lateness, replies and activity): one bar per group, its series stacked or side by side.

Pure: it computes coordinates only; the template draws the SVG, so every label goes through
Jinja2's autoescaping.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

LEFT, RIGHT, TOP, BOTTOM = 36.0, 8.0, 10.0, 24.0
MAX_LABELS = 7
TICKS = 4


@dataclass(frozen=True, slots=True)
class Tick:
    y: float
    value: int


def nice_ceiling(value: int) -> int:
    """The axis top for ``value``: ``TICKS`` whole steps of 1, 2, 2.5 or 5 x 10^n, the
    smallest reaching ``value``."""
    needed = max(value, 1) / TICKS
    magnitude = 10 ** math.floor(math.log10(needed)) if needed >= 1 else 1
    step = next(
        m * magnitude
        for m in (1, 2, 2.5, 5, 10)
        if m * magnitude >= needed and m * magnitude % 1 == 0
    )
    return int(step) * TICKS


@dataclass(frozen=True, slots=True)
class Series:
    name: str  # the legend's and the text alternative's word
    css: str  # the rectangles' class (colors in style.css)


@dataclass(frozen=True, slots=True)
class Group:
    label: str
    values: tuple[float, ...]  # one per series


@dataclass(frozen=True, slots=True)
class Rect:
    css: str
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True, slots=True)
class GroupBar:
    rects: list[Rect]
    label: str  # empty when skipped to avoid overlap
    center: float
    title: str  # tooltip and one line of the text alternative


@dataclass(frozen=True, slots=True)
class SeriesChart:
    width: int
    height: int
    baseline: float
    left: float
    right: float
    series: tuple[Series, ...]
    bars: list[GroupBar]
    ticks: list[Tick]


def series_bars(
    series: Sequence[Series],
    groups: Sequence[Group],
    *,
    stacked: bool = True,
    width: int = 420,
    height: int = 220,
) -> SeriesChart:
    """One bar per group: its series stacked (bottom first) or side by side."""
    tops = [sum(g.values) if stacked else max(g.values, default=0) for g in groups]
    top_value = nice_ceiling(math.ceil(max(tops, default=0)))
    plot_w, plot_h = width - LEFT - RIGHT, height - TOP - BOTTOM
    baseline = TOP + plot_h
    slot = plot_w / max(len(groups), 1)
    every = math.ceil(len(groups) / MAX_LABELS) if groups else 1
    bars = []
    for i, group in enumerate(groups):
        x0, bar_w = LEFT + i * slot + slot * 0.15, slot * 0.7
        rects, y = [], baseline
        for n, (one, value) in enumerate(zip(series, group.values, strict=True)):
            h = plot_h * max(value, 0) / top_value
            if stacked:
                y -= h
                rect = Rect(one.css, round(x0, 2), round(y, 2), round(bar_w, 2), round(h, 2))
            else:
                w = bar_w / len(series)
                rect = Rect(
                    one.css, round(x0 + n * w, 2), round(baseline - h, 2), round(w, 2), round(h, 2)
                )
            if h:
                rects.append(rect)
        parts = ", ".join(
            f"{s.name} {_number(v)}" for s, v in zip(series, group.values, strict=True)
        )
        bars.append(
            GroupBar(
                rects=rects,
                label=_short(group.label) if i % every == 0 else "",
                center=round(LEFT + (i + 0.5) * slot, 2),
                title=f"{group.label}: {parts}",
            )
        )
    ticks = [
        Tick(round(baseline - plot_h * k / TICKS, 2), top_value // TICKS * k)
        for k in range(TICKS + 1)
    ]
    return SeriesChart(width, height, baseline, LEFT, width - RIGHT, tuple(series), bars, ticks)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def _short(label: str, limit: int = 8) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"
