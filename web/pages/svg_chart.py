"""Geometry of the stats page's stacked bar chart (successes under failures, one bar a day).

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
class DayCount:
    label: str
    ok: int
    bad: int


@dataclass(frozen=True, slots=True)
class Bar:
    x: float
    width: float
    ok_y: float
    ok_height: float
    bad_y: float
    bad_height: float
    label: str  # empty when the day's label is skipped to avoid overlap
    center: float
    title: str  # tooltip text


@dataclass(frozen=True, slots=True)
class Tick:
    y: float
    value: int


@dataclass(frozen=True, slots=True)
class Chart:
    width: int
    height: int
    baseline: float
    left: float
    right: float
    bars: list[Bar]
    ticks: list[Tick]


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


def stacked_bars(days: Sequence[DayCount], *, width: int = 420, height: int = 220) -> Chart:
    top_value = nice_ceiling(max((d.ok + d.bad for d in days), default=0))
    plot_w = width - LEFT - RIGHT
    plot_h = height - TOP - BOTTOM
    baseline = TOP + plot_h
    slot = plot_w / max(len(days), 1)
    every = math.ceil(len(days) / MAX_LABELS) if days else 1
    bars = []
    for i, day in enumerate(days):
        ok_h = plot_h * day.ok / top_value
        bad_h = plot_h * day.bad / top_value
        x = LEFT + i * slot + slot * 0.15
        bars.append(
            Bar(
                x=round(x, 2),
                width=round(slot * 0.7, 2),
                ok_y=round(baseline - ok_h, 2),
                ok_height=round(ok_h, 2),
                bad_y=round(baseline - ok_h - bad_h, 2),
                bad_height=round(bad_h, 2),
                label=day.label if i % every == 0 else "",
                center=round(LEFT + (i + 0.5) * slot, 2),
                title=f"{day.label}: 성공 {day.ok}건, 실패 {day.bad}건",
            )
        )
    ticks = [
        Tick(round(baseline - plot_h * k / TICKS, 2), top_value // TICKS * k)
        for k in range(TICKS + 1)
    ]
    return Chart(width, height, baseline, LEFT, width - RIGHT, bars, ticks)
