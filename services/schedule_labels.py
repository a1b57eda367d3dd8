"""How a schedule's rule and its send times read in Korean, the same in chat and on the web
pages: ``12/1(월) 09:30`` (the year only when it is not ``today``'s), ``매주 월,수 09:30``."""

from __future__ import annotations

from datetime import date, datetime, time

from scheduler.schedule_rule import ExtraColumns
from services.rule_values import HOLIDAY_POLICY_WORDS, month_day_words
from services.schedule_rules import values_of
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
TYPE_LABELS = {"once": "1회", "daily": "매일", "weekly": "매주", "monthly": "매월"}


def when(moment: datetime, today: date) -> str:
    """``12/1(월) 09:30``, or ``2027/1/4(월) 09:30`` when ``moment`` is not in ``today``'s
    year (seconds shown only when not zero); ``moment`` aware or naive local."""
    year = f"{moment.year}/" if moment.year != today.year else ""
    return f"{year}{moment.month}/{moment.day}({_DAY[moment.weekday()]}) {clock(moment.time())}"


def clock(value: time) -> str:
    """``09:30``, or ``09:30:15`` when the seconds are not zero."""
    return f"{value:%H:%M:%S}" if value.second else f"{value:%H:%M}"


def rule(row: Schedule, extra: ExtraColumns | None = None) -> str:
    """``1회 2026-12-01 09:30``, ``매일 09:30``, ``매주 월,수,금 09:30``, ``매월 둘째 주
    화요일 09:00, 18:00 · 횟수 3/10 · 공휴일 건너뛰기 · 12/31까지 일시정지``: the seed's
    columns with the rules row ``extra`` (when it has one)."""
    values = values_of(extra)
    kind = TYPE_LABELS.get(row.schedule_type, row.schedule_type)
    times = values.times.split(",") if values.times else [clock(row.schedule_time)]
    at = ", ".join(times)
    month_day = values.monthly
    if month_day is not None:
        text = f"매월 {month_day_words(month_day)} {at}"
    elif row.schedule_type == "once" and row.schedule_date is not None:
        text = f"{kind} {row.schedule_date:%Y-%m-%d} {at}"
    elif row.schedule_type == "weekly":
        days = ",".join(
            _DAY[i] for i, d in enumerate(WEEKDAYS) if d in (row.schedule_weekdays or ())
        )
        text = f"{kind} {days} {at}"
    else:
        text = f"{kind} {at}"
    if values.max_sends is not None:
        text += f" · 횟수 {min(values.sends_done, values.max_sends)}/{values.max_sends}"
    if values.holiday_policy is not None:
        word = HOLIDAY_POLICY_WORDS.get(values.holiday_policy, values.holiday_policy)
        text += f" · 공휴일 {word}"
    if values.skip_at is not None:
        text += f" · {values.skip_at:%Y-%m-%d %H:%M} 건너뜀"
    if values.paused_until is not None:
        text += f" · {values.paused_until:%Y-%m-%d}까지 일시정지"
    return text
