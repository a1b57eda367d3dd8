"""Parsers for single schedule-form values other than dates and times.

Each parser takes the raw text after ``key:`` and returns the typed value or raises
``InvalidValue`` with a Korean message; ``commands.grammar.form`` adds the field name and an
example.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Generic, Literal, TypeVar

from core.particles import attach
from core.plain_text import clean, respell
from services.errors import quote

T = TypeVar("T")

RoomType = Literal["live", "test"]
ScheduleType = Literal["once", "daily", "weekly", "monthly"]
SendOrder = Literal["text_first", "images_first", "images_only", "text_only"]
Status = Literal["active", "inactive"]

TITLE_MAX_LENGTH = 255  # kb_schedule.title is varchar(255)
DESCRIPTION_MAX_LENGTH = 1000  # the same limit at every door (chat, API, web)
INTERVAL_MAX_SECONDS = 60
_ID_DIGITS = 18  # keeps every id inside a signed 64-bit column


class InvalidValue(ValueError):
    """A value the user typed that cannot be understood; the message is Korean."""


def normalize(raw: str) -> str:
    """Full-width forms folded to ASCII (NFKC), case folded, outer spaces removed."""
    return unicodedata.normalize("NFKC", raw).casefold().strip()


def squash(raw: str) -> str:
    """``normalize`` without any spaces, underscores or hyphens and with misspellings
    corrected (``respell``), for matching words."""
    return re.sub(r"[\s_\-]+", "", respell(normalize(raw)))


@dataclass(frozen=True, slots=True)
class Choice(Generic[T]):
    """A closed set of words (Korean first, then English) each meaning one enum value."""

    words: Mapping[str, T]
    shown: str  # the valid words as the error message lists them

    def parse(self, raw: str) -> T:
        value = self.words.get(squash(raw))
        if value is None:
            raise InvalidValue(
                f"{attach(quote(raw), '은')} 쓸 수 없는 값입니다. 가능한 값: {self.shown}"
            )
        return value


ROOM_TYPES: Choice[RoomType] = Choice(
    {"운영": "live", "live": "live", "테스트": "test", "test": "test"},
    "운영, 테스트",
)
SCHEDULE_TYPES: Choice[ScheduleType] = Choice(
    {
        **dict.fromkeys(("1회", "1회성", "한번", "한번만", "once"), "once"),
        **dict.fromkeys(("매일", "매일반복", "daily"), "daily"),
        **dict.fromkeys(("매주", "매주반복", "주간반복", "weekly"), "weekly"),
        **dict.fromkeys(("매월", "매달", "매월반복", "monthly"), "monthly"),
    },
    "1회, 매일, 매주, 매월",
)
SEND_ORDERS: Choice[SendOrder] = Choice(
    {
        **dict.fromkeys(("텍스트먼저", "textfirst"), "text_first"),
        **dict.fromkeys(("이미지먼저", "imagesfirst"), "images_first"),
        **dict.fromkeys(("이미지만", "imagesonly"), "images_only"),
        **dict.fromkeys(("텍스트만", "textonly"), "text_only"),
    },
    "텍스트먼저, 이미지먼저, 이미지만, 텍스트만",
)
STATUSES: Choice[Status] = Choice(
    {
        **dict.fromkeys(("활성", "활성화", "켜기", "active", "on"), "active"),
        **dict.fromkeys(("비활성", "비활성화", "끄기", "inactive", "off"), "inactive"),
    },
    "활성, 비활성",
)


def parse_text(raw: str) -> str:
    """Free text (a room): kept as typed without control or bidi characters, outer spaces
    removed."""
    return clean(raw).strip()


def parse_description(raw: str) -> str:
    description = parse_text(raw)
    if len(description) > DESCRIPTION_MAX_LENGTH:
        raise InvalidValue(
            f"설명은 {DESCRIPTION_MAX_LENGTH}자까지 쓸 수 있습니다 (지금 {len(description)}자)."
        )
    return description


NO_ROOM = ""  # a test room of "없음": the command's own room again


def parse_test_room(raw: str) -> str:
    """A room like ``parse_text``, or ``NO_ROOM`` for ``없음`` (no test room)."""
    return NO_ROOM if normalize(raw) in _NO_VALUE else parse_text(raw)


def parse_title(raw: str) -> str:
    title = clean(raw).strip()
    if len(title) > TITLE_MAX_LENGTH:
        raise InvalidValue(f"제목은 {TITLE_MAX_LENGTH}자까지 쓸 수 있습니다 (지금 {len(title)}자).")
    return title


_INTERVAL = re.compile(r"([0-9]{1,4})\s*(?:초|s|sec|secs|second|seconds)?")


def parse_interval(raw: str) -> int:
    match = _INTERVAL.fullmatch(normalize(raw))
    seconds = int(match.group(1)) if match else -1
    if not 0 <= seconds <= INTERVAL_MAX_SECONDS:
        raise InvalidValue(
            f"{attach(quote(raw), '은')} 올바른 간격이 아닙니다. "
            f"0부터 {INTERVAL_MAX_SECONDS}까지의 초를 적어 주세요."
        )
    return seconds


_NO_VALUE = frozenset({"없음", "none", "-"})
_IMAGE_ID = re.compile(rf"#?([0-9]{{1,{_ID_DIGITS}}})번?")


def parse_image_ids(raw: str) -> tuple[int, ...]:
    """``3, 5`` / ``3 5`` / ``#3 #5`` in the given order; ``없음`` clears the list."""
    text = normalize(raw)
    if text in _NO_VALUE:
        return ()
    ids: list[int] = []
    for token in re.split(r"[\s,、/]+", text):
        match = _IMAGE_ID.fullmatch(token)
        if not match or int(match.group(1)) == 0:
            raise InvalidValue(
                f"{attach(quote(token), '은')} 이미지 번호가 아닙니다. "
                "올린 이미지의 번호를 적어 주세요."
            )
        ids.append(int(match.group(1)))
    return tuple(ids)


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DAY_WORDS: dict[str, int] = {
    **{korean: index for index, korean in enumerate("월화수목금토일")},
    **{name: index for index, name in enumerate(WEEKDAYS)},
    **{name[:3]: index for index, name in enumerate(WEEKDAYS)},
    "tues": 1,
    "thur": 3,
    "thurs": 3,
}
_DAY_SETS: dict[str, range] = {
    **dict.fromkeys(("평일", "weekdays"), range(5)),
    **dict.fromkeys(("주말", "weekend", "weekends"), range(5, 7)),
    **dict.fromkeys(("매일", "everyday", "daily"), range(7)),
}
_DAY_TOKEN = re.compile(r"평일|주말|매일|[월화수목금토일]|[a-z]+|[~\-–]|[\s,、/·.]+|.", re.DOTALL)
_SEPARATOR = re.compile(r"[\s,、/·.]+")
_RANGE = frozenset("~-–")


def parse_weekdays(raw: str) -> frozenset[str]:
    """``월,수,금`` / ``월수금`` / ``월~금`` / ``평일`` / ``mon-fri`` -> {'monday', ...}."""
    text = normalize(raw).replace("요일", "")
    tokens = [token for token in _DAY_TOKEN.findall(text) if not _SEPARATOR.fullmatch(token)]
    days: set[int] = set()
    position = 0
    while position < len(tokens):
        token = tokens[position]
        if token in _DAY_SETS:
            days.update(_DAY_SETS[token])
            position += 1
        elif position + 1 < len(tokens) and tokens[position + 1] in _RANGE:
            if position + 2 == len(tokens):
                raise InvalidValue(f"{quote(raw)}: 범위의 끝 요일이 없습니다.")
            first, last = _day(token, raw), _day(tokens[position + 2], raw)
            days.update((first + step) % 7 for step in range((last - first) % 7 + 1))
            position += 3
        else:
            days.add(_day(token, raw))
            position += 1
    if not days:
        raise InvalidValue("요일을 하나 이상 적어 주세요.")
    return frozenset(WEEKDAYS[day] for day in days)


def _day(token: str, raw: str) -> int:
    day = _DAY_WORDS.get(token)
    if day is None:
        raise InvalidValue(
            f"{quote(raw)}에서 {attach(quote(token), '은')} 요일이 아닙니다. "
            "월 화 수 목 금 토 일 중에서 적어 주세요."
        )
    return day


SPREAD_MAX_SECONDS = 6 * 3600
_SPREAD = re.compile(r"([0-9]{1,5})\s*(초|분|시간|s|sec|m|min|h|hour|hours)?")
_SPREAD_UNITS = {"초": 1, "s": 1, "sec": 1, "분": 60, "m": 60, "min": 60}


def parse_spread(raw: str) -> int:
    """``분산:``'s window in seconds: ``10분``, ``90초``, ``1시간`` (a bare number is minutes);
    ``없음`` or ``0`` for none."""
    text = normalize(raw).replace(" ", "")
    if text in _NO_VALUE:
        return 0
    match = _SPREAD.fullmatch(text)
    if match is None:
        raise InvalidValue(
            f"{attach(quote(raw), '은')} 올바른 분산 시간이 아닙니다. 예) 10분, 90초, 1시간"
        )
    unit = match.group(2) or "분"
    seconds = int(match.group(1)) * _SPREAD_UNITS.get(unit, 3600)
    if seconds > SPREAD_MAX_SECONDS:
        raise InvalidValue(f"분산은 {SPREAD_MAX_SECONDS // 3600}시간까지 쓸 수 있습니다.")
    return seconds


TEMPLATE_NAME_MAX_LENGTH = 50  # kbot_templates.name is varchar(50)


def parse_template_name(raw: str) -> str:
    """A saved template's name: one line, kept as typed, at most 50 characters."""
    name = clean(raw).strip()
    if not name:
        raise InvalidValue("템플릿 이름을 적어 주세요.")
    if len(name) > TEMPLATE_NAME_MAX_LENGTH:
        raise InvalidValue(f"템플릿 이름은 {TEMPLATE_NAME_MAX_LENGTH}자까지입니다.")
    return name
