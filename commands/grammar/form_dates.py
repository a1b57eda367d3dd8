"""Parsers for the date and time values of the schedule form (naive local time).

Times: ``14:30``, ``14:30:15``, ``9:5``, ``2:30 pm``, ``14시``, ``9시 30분``, ``2시반``,
``오전 9시``, ``오후 2시 30분``. Dates: ``2026-12-01``, ``2026.12.01``, ``2026/12/01``,
``20261201``, ``2026년 12월 1일``, ``12/1``, ``12월 1일``, ``오늘``, ``내일``, ``모레``. A date
without a year is in the current year; when that day is already past, it is an error asking
for the year (never silently next year). Today stays valid.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from core.particles import attach
from services.errors import quote
from services.schedule_values import InvalidValue, normalize

_MERIDIEM = {"오전": False, "am": False, "a.m.": False, "오후": True, "pm": True, "p.m.": True}
_MERIDIEM_WORD = r"(오전|오후|a\.m\.|p\.m\.|am|pm)"
_LEADING_MERIDIEM = re.compile(_MERIDIEM_WORD + r"\s*(.*)", re.DOTALL)
_TRAILING_MERIDIEM = re.compile(r"(.*?)\s*" + _MERIDIEM_WORD, re.DOTALL)
_CLOCK = re.compile(r"(?P<h>[0-9]{1,2})\s*:\s*(?P<m>[0-9]{1,2})(?:\s*:\s*(?P<s>[0-9]{1,2}))?")
_KOREAN_CLOCK = re.compile(
    r"(?P<h>[0-9]{1,2})\s*시"
    r"(?:\s*(?:(?P<half>반)|(?P<m>[0-9]{1,2})\s*분))?"
    r"(?:\s*(?P<s>[0-9]{1,2})\s*초)?"
)

_DATE_PATTERNS = (
    re.compile(
        r"(?P<y>[0-9]{4})\s*([-./])\s*(?P<m>[0-9]{1,2})\s*\2\s*(?P<d>[0-9]{1,2})(?![0-9])\.?"
    ),
    re.compile(r"(?P<y>[0-9]{4})(?P<m>[0-9]{2})(?P<d>[0-9]{2})(?![0-9])"),
    re.compile(r"(?:(?P<y>[0-9]{4})\s*년\s*)?(?P<m>[0-9]{1,2})\s*월\s*(?P<d>[0-9]{1,2})\s*일"),
    re.compile(r"(?P<m>[0-9]{1,2})\s*[-./]\s*(?P<d>[0-9]{1,2})(?![0-9])\.?"),
)
_RELATIVE_DAYS = {"오늘": 0, "today": 0, "내일": 1, "tomorrow": 1, "모레": 2}
_RELATIVE = re.compile("|".join(_RELATIVE_DAYS))
# Years a schedule may name: every moment computed from them (a year after, the croniter
# window) stays inside what Python and the databases can hold. The REST API uses the same.
FIRST_YEAR, LAST_YEAR = 2000, 2099


def parse_time(raw: str) -> time:
    """A time of day; ``InvalidValue`` when it is not one."""
    parsed = _time_or_none(normalize(raw))
    if parsed is None:
        raise InvalidValue(
            f"{attach(quote(raw), '은')} 올바른 시간이 아닙니다. "
            "24시간제 HH:MM 또는 '오후 2시 30분'처럼 적어 주세요."
        )
    return parsed


def parse_date(raw: str, today: date) -> date:
    """A calendar date; ``InvalidValue`` when it is not one."""
    found = _date_prefix(normalize(raw), today)
    if found is None or found[1]:
        raise InvalidValue(_date_problem(raw, today))
    return found[0]


def parse_datetime(raw: str, today: date, *, end_of_day: bool) -> datetime:
    """A date with an optional time; a date alone is 00:00:00, or 23:59:59 with ``end_of_day``."""
    found = _date_prefix(normalize(raw), today)
    if found is None:
        raise InvalidValue(_date_problem(raw, today))
    day, rest = found
    if not rest:
        return datetime.combine(day, time(23, 59, 59) if end_of_day else time(0, 0))
    clock = _time_or_none(rest.removeprefix("t").strip())
    if clock is None:
        raise InvalidValue(
            f"{quote(raw)}의 시간이 올바르지 않습니다. "
            f"'{example_date(today):%Y-%m-%d} 09:30'처럼 날짜 뒤에 HH:MM을 적어 주세요."
        )
    return datetime.combine(day, clock)


def example_date(today: date) -> date:
    """The date examples show: the first of next month, always after ``today``."""
    return date(today.year + today.month // 12, today.month % 12 + 1, 1)


def _date_problem(raw: str, today: date) -> str:
    soon = example_date(today)
    year = f"{soon.year}년 " if soon.year != today.year else ""  # no year: this year
    return (
        f"{attach(quote(raw), '은')} 올바른 날짜가 아닙니다. "
        f"{soon:%Y-%m-%d}, {year}{soon.month}월 {soon.day}일, 내일처럼 적어 주세요."
    )


def _time_or_none(text: str) -> time | None:
    afternoon, text = _split_meridiem(text)
    match = _CLOCK.fullmatch(text) or _KOREAN_CLOCK.fullmatch(text)
    if match is None:
        return None
    groups = match.groupdict()
    hour = int(groups["h"])
    minute = 30 if groups.get("half") else int(groups["m"] or 0)
    second = int(groups["s"] or 0)
    if afternoon is not None:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if afternoon else 0)
    if hour > 23 or minute > 59 or second > 59:
        return None
    return time(hour, minute, second)


def _split_meridiem(text: str) -> tuple[bool | None, str]:
    """(True for 오후/pm, False for 오전/am, None when absent) and the clock text."""
    leading = _LEADING_MERIDIEM.fullmatch(text)
    if leading:
        return _MERIDIEM[leading.group(1)], leading.group(2)
    trailing = _TRAILING_MERIDIEM.fullmatch(text)
    if trailing:
        return _MERIDIEM[trailing.group(2)], trailing.group(1)
    return None, text


def _date_prefix(text: str, today: date) -> tuple[date, str] | None:
    """The date at the start of ``text`` and the rest after it, or None; ``InvalidValue``
    for a date without a year that is already past this year."""
    relative = _RELATIVE.match(text)
    if relative:
        offset = timedelta(days=_RELATIVE_DAYS[relative.group()])
        return today + offset, text[relative.end() :].strip()
    for pattern in _DATE_PATTERNS:
        match = pattern.match(text)
        if match is None:
            continue
        month, day = int(match.group("m")), int(match.group("d"))
        year = match.groupdict().get("y")
        if year:
            found = _make_date(int(year), month, day)
        else:
            found = _this_year(match.group().strip(), month, day, today)
        return (found, text[match.end() :].strip()) if found else None
    return None


def _this_year(written: str, month: int, day: int, today: date) -> date | None:
    """The date in ``today``'s year; ``InvalidValue`` when it is already past."""
    found = _make_date(today.year, month, day)
    if found is None or found >= today:
        return found
    later = _make_date(today.year + 1, month, day)
    like = f"{later:%Y-%m-%d}처럼 " if later else ""
    raise InvalidValue(
        f"{attach(quote(written), '은')} 이미 지난 날짜입니다. 연도 없이 적은 날짜는 "
        f"올해({today.year}년) 날짜로 봅니다. 내년이라면 {like}연도를 붙여 적어 주세요."
    )


def _make_date(year: int, month: int, day: int) -> date | None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None
