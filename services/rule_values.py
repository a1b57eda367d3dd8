"""Parsers for the schedule form's recurrence values beyond the seed (issue 18): the monthly
day (``일:``), the send count (``횟수:``), the holiday policy (``공휴일:``), and (issue 19)
the live notices to the notify room (``알림:``).

Like ``services.schedule_values``, each takes the raw text after ``key:`` and returns the
typed value or raises ``InvalidValue`` with a Korean message."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import time
from typing import Literal

from core.particles import attach
from scheduler.rules import WEEKDAYS, HolidayPolicy, MonthDay
from scheduler.schedule_rule import MAX_TIMES
from services.errors import quote
from services.schedule_values import Choice, InvalidValue, normalize, squash

MAX_SENDS_LIMIT = 100_000  # far beyond any real 횟수, inside an INT column

HOLIDAY_POLICIES: Choice[HolidayPolicy | Literal["config"]] = Choice(
    {
        **dict.fromkeys(("기본", "기본값", "설정대로", "default", "config"), "config"),
        **dict.fromkeys(("발송", "보냄", "보내기", "send"), "send"),
        **dict.fromkeys(("건너뛰기", "건너뜀", "쉼", "skip"), "skip"),
        **dict.fromkeys(("다음영업일", "다음평일", "nextbusinessday", "next"), "next_business_day"),
        **dict.fromkeys(
            ("이전영업일", "전영업일", "이전평일", "previousbusinessday", "previous"),
            "previous_business_day",
        ),
    },
    "발송, 건너뛰기, 다음영업일, 이전영업일, 기본 (서버 설정대로)",
)
HOLIDAY_POLICY_WORDS: dict[str, str] = {
    "send": "발송",
    "skip": "건너뛰기",
    "next_business_day": "다음영업일",
    "previous_business_day": "이전영업일",
}

NTH_WORDS: dict[int, str] = {1: "첫째", 2: "둘째", 3: "셋째", 4: "넷째", 5: "다섯째", -1: "마지막"}
_NTH: dict[str, int] = {
    **{word: nth for nth, word in NTH_WORDS.items()},
    **{f"{n}번째": n for n in range(1, 6)},
    **{str(n): n for n in range(1, 6)},
    "첫번째": 1,
    "두번째": 2,
    "세번째": 3,
    "네번째": 4,
    "다섯번째": 5,
    "마지막번째": -1,
    "1st": 1,
    "2nd": 2,
    "3rd": 3,
    "4th": 4,
    "5th": 5,
    "last": -1,
}
_WEEKDAY: dict[str, str] = {
    **dict(zip("월화수목금토일", WEEKDAYS, strict=True)),
    **{name: name for name in WEEKDAYS},
    **{name[:3]: name for name in WEEKDAYS},
}
_DAY = re.compile(r"([0-9]{1,2})(?:일)?")
_NTH_WEEKDAY = re.compile(r"(?P<nth>[^\s]+?)\s*(?:주|week)?\s*(?P<day>[^\s]+?)(?:요일)?")
_LAST_WORDS = frozenset(("말일", "마지막날", "월말", "last", "lastday", "end"))


def parse_month_day(raw: str) -> MonthDay:
    """``15`` / ``15일`` / ``말일`` / ``둘째 주 화요일`` / ``마지막 주 금요일`` / ``2nd tue``."""
    text = normalize(raw)
    if squash(text) in _LAST_WORDS:
        return MonthDay(last=True)
    day = _DAY.fullmatch(text.replace(" ", ""))
    if day is not None:
        number = int(day.group(1))
        if not 1 <= number <= 31:
            raise InvalidValue(
                f"{attach(quote(raw), '은')} 날짜가 아닙니다. 1부터 31까지 적어 주세요."
            )
        return MonthDay(day=number)
    nth_weekday = _NTH_WEEKDAY.fullmatch(text.replace("요일", "").strip())
    if nth_weekday is not None:
        nth = _NTH.get(nth_weekday.group("nth").replace(" ", ""))
        weekday = _WEEKDAY.get(nth_weekday.group("day"))
        if nth is not None and weekday is not None:
            return MonthDay(nth=nth, weekday=weekday)
    raise InvalidValue(
        f"{attach(quote(raw), '은')} 매월 보낼 날이 아닙니다. 날짜(1~31), 말일, 또는 "
        "'첫째~다섯째/마지막 주 월~일요일'로 적어 주세요."
    )


NotifyMode = Literal["failures", "all", "off"]
NOTIFY_MODES: Choice[NotifyMode] = Choice(
    {
        **dict.fromkeys(("실패", "실패만", "기본", "failures", "failure", "failed"), "failures"),
        **dict.fromkeys(("모두", "전부", "매번", "all", "every"), "all"),
        **dict.fromkeys(("끔", "끄기", "없음", "안함", "off", "none"), "off"),
    },
    "실패, 모두, 끔",
)
NOTIFY_WORDS: dict[str, str] = {"failures": "실패", "all": "모두", "off": "끔"}
_COUNT = re.compile(r"([0-9]{1,6})\s*(?:번|회|times?)?")


def parse_max_sends(raw: str) -> int:
    """``10`` / ``10번`` / ``10회``: the schedule ends after that many scheduled sends;
    ``없음`` (0) removes the count."""
    if normalize(raw) in ("없음", "none", "-"):
        return 0
    match = _COUNT.fullmatch(normalize(raw))
    count = int(match.group(1)) if match else 0
    if not 1 <= count <= MAX_SENDS_LIMIT:
        raise InvalidValue(
            f"{attach(quote(raw), '은')} 올바른 횟수가 아닙니다. "
            f"1부터 {MAX_SENDS_LIMIT}까지의 숫자를 적어 주세요."
        )
    return count


def month_day_words(month_day: MonthDay) -> str:
    """``15일`` / ``말일`` / ``둘째 주 화요일``: how the form and replies write the day."""
    if month_day.last:
        return "말일"
    if month_day.day is not None:
        return f"{month_day.day}일"
    assert month_day.nth is not None
    assert month_day.weekday is not None
    korean = "월화수목금토일"[WEEKDAYS.index(month_day.weekday)]
    return f"{NTH_WORDS[month_day.nth]} 주 {korean}요일"


def parse_times(raw: str, parse_one: Callable[[str], time]) -> tuple[time, ...]:
    """``09:00, 13:00, 18:00``: one or several times of day (each read by ``parse_one``),
    sorted, duplicates dropped; at most ``MAX_TIMES``."""
    parts = [part for part in re.split(r"[,、/]+", raw) if part.strip()]
    times = tuple(sorted({parse_one(part) for part in parts}))
    if not times:
        raise InvalidValue("시간을 하나 이상 적어 주세요. 예) 09:00, 13:00")
    if len(times) > MAX_TIMES:
        raise InvalidValue(f"시간은 하루 {MAX_TIMES}개까지 적을 수 있습니다 (지금 {len(times)}개).")
    return times
