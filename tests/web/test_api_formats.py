"""``web.api.formats``: the patterns the OpenAPI document shows are the rules the server
applies, and they agree with the chat form's years and with ``str.strip``."""

from __future__ import annotations

import re
import sys
from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest

from commands.grammar.form_dates import FIRST_YEAR, LAST_YEAR
from web.api.formats import (
    DATE,
    NOT_BLANK,
    YEAR,
    not_blank,
    parse_date,
    parse_end,
    parse_start,
    parse_time,
)


def test_the_year_pattern_is_the_chat_forms_year_range() -> None:
    matching = [y for y in range(10_000) if re.fullmatch(YEAR, f"{y:04d}")]
    assert matching == list(range(FIRST_YEAR, LAST_YEAR + 1))


def test_not_blank_is_what_str_strip_removes() -> None:
    blank = re.compile(NOT_BLANK)
    disagreements = [
        hex(code)
        for code in range(sys.maxunicode + 1)
        if (blank.fullmatch(chr(code)) is None) != chr(code).isspace()
    ]
    assert disagreements == []
    assert not_blank("\u3000 제목 \t") == "제목"
    with pytest.raises(ValueError, match="공백"):
        not_blank(" \u3000\x1c")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2026-12-01", datetime(2026, 12, 1)),
        ("2026-12-01 09:30", datetime(2026, 12, 1, 9, 30)),
        ("2026-12-01T09:30:15", datetime(2026, 12, 1, 9, 30, 15)),
        ("2026-12-01T00:00:00.000Z", datetime(2026, 12, 1, tzinfo=UTC)),
        (
            "2026-12-01T09:30:00.5+09:00",
            datetime(2026, 12, 1, 9, 30, 0, 500_000, tzinfo=timezone(timedelta(hours=9))),
        ),
    ],
)
def test_start_date_times(raw: str, expected: datetime) -> None:
    assert parse_start(raw) == expected


def test_a_date_alone_ends_at_its_last_second() -> None:
    assert parse_end("2026-12-01") == datetime(2026, 12, 1, 23, 59, 59)
    assert parse_end("2026-12-01 09:30") == datetime(2026, 12, 1, 9, 30)


@pytest.mark.parametrize(
    "raw",
    [
        "2026-12-1",
        "20261201",
        "2026-W48-2",
        "1999-12-31",
        "2100-01-01",
        " 2026-12-01",
        "2026-12-01\n",
        "2026-12-01T24:00",
        "2026-12-01T09:30:00.1234567",
        "2026-12-01T09:30+0900",
        "2026-12-01T09:30:00+24:00",
        "2026-02-30",
    ],
)
def test_bad_date_times(raw: str) -> None:
    with pytest.raises(ValueError, match=r"[가-힣]"):
        parse_start(raw)


def test_dates() -> None:
    assert parse_date("2028-02-29") == date(2028, 2, 29)
    for raw in ("2026-02-29", "2026-12-01T00:00", "2026-12-01 ", "٢٠٢٦-١٢-٠١"):
        with pytest.raises(ValueError, match=r"[가-힣]"):
            parse_date(raw)
    assert re.fullmatch(DATE, "2026-02-29")  # the calendar check comes after the pattern


def test_times_are_local_without_an_offset() -> None:
    assert parse_time("09:30") == time(9, 30)
    assert parse_time("23:59:59") == time(23, 59, 59)
    for raw in ("9:30", "24:00", "09:60", "09:30:00.5", "0930", "09:30:00 "):
        with pytest.raises(ValueError, match="HH:MM"):
            parse_time(raw)
    for raw in ("09:30+09:00", "09:30:00Z", "09:30-05:00"):
        with pytest.raises(ValueError, match="시간대"):
            parse_time(raw)
