"""How a schedule's rule and its send times read in Korean, the same in chat and on the web
pages: ``12/1(월) 09:30`` (the year only when it is not ``today``'s), ``매주 월,수 09:30``."""

from __future__ import annotations

from datetime import date, datetime, time

from storage.models import Schedule
from storage.types import WEEKDAYS

_DAY = "월화수목금토일"
ROOM_TYPE_LABELS = {"live": "실방", "test": "테스트방"}
SEND_ORDER_LABELS = {
    "text_first": "텍스트 먼저",
    "images_first": "이미지 먼저",
    "images_only": "이미지만",
    "text_only": "텍스트만",
}
TYPE_LABELS = {"once": "1회", "daily": "매일", "weekly": "매주"}


def when(moment: datetime, today: date) -> str:
    """``12/1(월) 09:30``, or ``2027/1/4(월) 09:30`` when ``moment`` is not in ``today``'s
    year (seconds shown only when not zero); ``moment`` aware or naive local."""
    year = f"{moment.year}/" if moment.year != today.year else ""
    return f"{year}{moment.month}/{moment.day}({_DAY[moment.weekday()]}) {clock(moment.time())}"


def clock(value: time) -> str:
    """``09:30``, or ``09:30:15`` when the seconds are not zero."""
    return f"{value:%H:%M:%S}" if value.second else f"{value:%H:%M}"


def rule(row: Schedule) -> str:
    """``1회 2026-12-01 09:30``, ``매일 09:30`` or ``매주 월,수,금 09:30``."""
    kind = TYPE_LABELS.get(row.schedule_type, row.schedule_type)
    if row.schedule_type == "once" and row.schedule_date is not None:
        return f"{kind} {row.schedule_date:%Y-%m-%d} {clock(row.schedule_time)}"
    if row.schedule_type == "weekly":
        days = ",".join(
            _DAY[i] for i, d in enumerate(WEEKDAYS) if d in (row.schedule_weekdays or ())
        )
        return f"{kind} {days} {clock(row.schedule_time)}"
    return f"{kind} {clock(row.schedule_time)}"
