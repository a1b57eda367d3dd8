"""The text formats of the REST API's values, each one regular expression shared by the
request model (``web.api.models``), the query parameters (``web.api.query``; the web pages'
date filter too) and the OpenAPI document, so the server refuses exactly what the document
forbids.

- a date is ``YYYY-MM-DD``; a time ``HH:MM`` or ``HH:MM:SS``, local time of the configured
  zone, without an offset (a time of day with an offset has no meaning until it has a date);
- a date-time is a date, optionally followed by ``T`` or a space and a time (seconds with up
  to 6 decimals), optionally followed by ``Z`` or ``+HH:MM``/``-HH:MM``; without an offset it
  is local time;
- years run from 2000 to 2099 (the chat form's ``FIRST_YEAR``..``LAST_YEAR``), so every time
  computed from a schedule stays inside what Python and the databases can hold;
- a name (title, room) has at least one character that is not white space.

A calendar check (no 30 February) follows the pattern; the document says so in words.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, time
from typing import Annotated, TypeVar

from pydantic import PlainValidator, WithJsonSchema

T = TypeVar("T")

YEAR = "20[0-9]{2}"
DATE = rf"{YEAR}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])"
TIME = r"(?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9])?"
OFFSET = r"(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])"
DATE_TIME = (
    rf"{DATE}(?:[T ](?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:\.[0-9]{{1,6}})?)?"
    rf"{OFFSET}?)?"
)
# What str.strip() removes (str.isspace), spelled out so every regex engine agrees on it.
SPACES = "\t\n\v\f\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
NOT_BLANK = f"[^{SPACES}]"

DATE_TEXT = "YYYY-MM-DD 형식의 날짜(2000~2099년)여야 합니다."
TIME_TEXT = "HH:MM 또는 HH:MM:SS 형식의 시간이어야 합니다."
DATE_TIME_TEXT = (
    "YYYY-MM-DD 또는 YYYY-MM-DD HH:MM[:SS] 형식의 일시(2000~2099년)여야 합니다. "
    "시간대는 Z나 +09:00처럼 붙일 수 있습니다."
)
_COMPILED = {p: re.compile(p) for p in (DATE, TIME, DATE_TIME, NOT_BLANK)}
_TIME_WITH_OFFSET = re.compile(TIME + OFFSET)


def anchored(pattern: str) -> str:
    """``pattern`` for a JSON schema, where patterns are not anchored."""
    return f"^{pattern}$"


def parse_date(raw: str) -> date:
    """A ``DATE``; ``ValueError`` with a Korean message otherwise."""
    return _parsed(raw, DATE, date.fromisoformat, DATE_TEXT)


def parse_time(raw: str) -> time:
    if _TIME_WITH_OFFSET.fullmatch(raw):
        raise ValueError(
            "시간대(Z, +09:00 등)는 붙일 수 없습니다. 설정된 시간대의 HH:MM 또는 HH:MM:SS로 "
            "적어 주세요."
        )
    return _parsed(raw, TIME, time.fromisoformat, TIME_TEXT)


def parse_start(raw: str) -> datetime:
    """A ``DATE_TIME``; a date alone is its first moment."""
    return _parsed(raw, DATE_TIME, datetime.fromisoformat, DATE_TIME_TEXT)


def parse_end(raw: str) -> datetime:
    """A ``DATE_TIME``; a date alone is its last second."""
    if _COMPILED[DATE].fullmatch(raw):
        return datetime.combine(parse_date(raw), time(23, 59, 59))
    return parse_start(raw)


def _parsed(raw: str, pattern: str, parse: Callable[[str], T], problem: str) -> T:
    if not _COMPILED[pattern].fullmatch(raw):
        raise ValueError(problem)
    try:
        return parse(raw)
    except ValueError:  # 30 February
        raise ValueError(f"달력에 없는 날짜입니다. {problem}") from None


def _checked(parse: Callable[[str], T]) -> PlainValidator:
    """Validation by ``parse`` alone: JSON text only, none of pydantic's own conversions."""

    def validate(value: object) -> T:
        if not isinstance(value, str):
            raise ValueError("문자열이어야 합니다.")
        return parse(value)

    return PlainValidator(validate)


def _schema(pattern: str, description: str, **extra: str) -> WithJsonSchema:
    return WithJsonSchema(
        {"type": "string", "pattern": anchored(pattern), "description": description, **extra}
    )


_WHEN = "YYYY-MM-DD[(T| )HH:MM[:SS[.ffffff]]][Z|(+|-)HH:MM] in 2000-2099, local time unless"
LocalDate = Annotated[
    date,
    _checked(parse_date),
    _schema(DATE, "YYYY-MM-DD, a calendar date in 2000-2099", format="date"),
]
LocalTime = Annotated[
    time, _checked(parse_time), _schema(TIME, "HH:MM or HH:MM:SS, local time (no offset)")
]
StartDateTime = Annotated[
    datetime,
    _checked(parse_start),
    _schema(DATE_TIME, f"{_WHEN} an offset is given; a date alone means 00:00:00"),
]
EndDateTime = Annotated[
    datetime,
    _checked(parse_end),
    _schema(DATE_TIME, f"{_WHEN} an offset is given; a date alone means 23:59:59"),
]


def not_blank(value: str) -> str:
    """``value`` without outer white space; ``ValueError`` when nothing is left."""
    if not _COMPILED[NOT_BLANK].search(value):
        raise ValueError("공백만 쓸 수 없습니다.")
    return value.strip()
