"""The recurrence keys of the chat form (issue 18): 유형: 매월, 일:, 시간: with several times,
횟수:, 공휴일:, their English aliases and their Korean errors; !스케줄 건너뛰기/일시정지."""

from __future__ import annotations

from datetime import date, time

import pytest

from commands.grammar.errors import CommandError
from commands.grammar.form import parse_form
from commands.grammar.parse import SchedulePause, ScheduleSkip, parse
from scheduler.rules import MonthDay
from services.schedule_form import NO_LIMIT, ScheduleForm

TODAY = date(2026, 11, 26)


def form(*lines: str) -> ScheduleForm:
    return parse_form(list(lines), today=TODAY)


def error(*lines: str) -> CommandError:
    with pytest.raises(CommandError) as caught:
        form(*lines)
    return caught.value


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("유형: 매월", ScheduleForm(schedule_type="monthly")),
        ("type: monthly", ScheduleForm(schedule_type="monthly")),
        ("일: 15", ScheduleForm(month_day=MonthDay(day=15))),
        ("일: 31일", ScheduleForm(month_day=MonthDay(day=31))),
        ("day: 1", ScheduleForm(month_day=MonthDay(day=1))),
        ("일: 말일", ScheduleForm(month_day=MonthDay(last=True))),
        ("day: last", ScheduleForm(month_day=MonthDay(last=True))),
        ("일: 둘째 주 화요일", ScheduleForm(month_day=MonthDay(nth=2, weekday="tuesday"))),
        ("일: 첫째주 월", ScheduleForm(month_day=MonthDay(nth=1, weekday="monday"))),
        ("일: 다섯째 주 금요일", ScheduleForm(month_day=MonthDay(nth=5, weekday="friday"))),
        ("일: 마지막 주 금요일", ScheduleForm(month_day=MonthDay(nth=-1, weekday="friday"))),
        ("day: 2nd tue", ScheduleForm(month_day=MonthDay(nth=2, weekday="tuesday"))),
        ("횟수: 10", ScheduleForm(max_sends=10)),
        ("횟수: 10번", ScheduleForm(max_sends=10)),
        ("count: 3", ScheduleForm(max_sends=3)),
        ("횟수: 없음", ScheduleForm(max_sends=NO_LIMIT)),
        ("공휴일: 발송", ScheduleForm(holiday_policy="send")),
        ("공휴일: 건너뛰기", ScheduleForm(holiday_policy="skip")),
        ("공휴일: 다음영업일", ScheduleForm(holiday_policy="next_business_day")),
        ("공휴일: 다음 영업일", ScheduleForm(holiday_policy="next_business_day")),
        ("공휴일: 이전영업일", ScheduleForm(holiday_policy="previous_business_day")),
        ("holiday: skip", ScheduleForm(holiday_policy="skip")),
        ("공휴일: 기본", ScheduleForm(holiday_policy="config")),
        ("시간: 09:30", ScheduleForm(schedule_time=time(9, 30))),
    ],
)
def test_each_recurrence_key(line: str, expected: ScheduleForm) -> None:
    assert form(line) == expected


def test_several_times_sorted_first_one_is_the_seed_time() -> None:
    three = (time(9), time(13), time(18))
    assert form("시간: 18:00, 09:00, 13:00") == ScheduleForm(schedule_time=time(9), times=three)
    assert form("times: 9:00,13:00, 오후 6시") == ScheduleForm(schedule_time=time(9), times=three)
    # the same time twice is one time: no list
    assert form("시간: 09:00, 09:00") == ScheduleForm(schedule_time=time(9))


@pytest.mark.parametrize(
    ("line", "field", "words", "example"),
    [
        ("일: 32", "일", "1부터 31까지", "예) 일: 15"),
        ("일: 0", "일", "1부터 31까지", "예) 일: 15"),
        ("일: 여섯째 주 월요일", "일", "첫째~다섯째/마지막 주", "예) 일: 15"),
        ("일: 둘째 주 월욜일", "일", "매월 보낼 날이 아닙니다", "예) 일: 15"),
        ("횟수: 0", "횟수", "1부터", "예) 횟수: 10"),
        ("횟수: 열번", "횟수", "올바른 횟수가 아닙니다", "예) 횟수: 10"),
        (
            "공휴일: 가끔",
            "공휴일",
            "발송, 건너뛰기, 다음영업일, 이전영업일",
            "예) 공휴일: 건너뛰기",
        ),
        ("시간: 09:00, 25:00", "시간", "올바른 시간이 아닙니다", "예) 시간: 09:30"),
    ],
)
def test_errors_name_the_field_and_show_a_valid_example(
    line: str, field: str, words: str, example: str
) -> None:
    problem = error(line)
    text = problem.reply_text()
    assert text.startswith(f"❌ {field}: ") and words in text, text
    assert text.endswith(example)


def test_too_many_times_a_day() -> None:
    line = "시간: " + ", ".join(
        f"{hour:02d}:{minute:02d}" for hour in range(13) for minute in (0, 30)
    )
    text = error(line).reply_text()
    assert text.startswith("❌ 시간: ") and "24개까지" in text


def test_skip_and_pause_commands() -> None:
    assert parse("!스케줄 건너뛰기 12", today=TODAY) == ScheduleSkip(12)
    assert parse("!schedule skip C3", today=TODAY) == ScheduleSkip(3, campaign=True)
    assert parse("!스케줄 일시정지 12 2026-12-31", today=TODAY) == SchedulePause(
        12, date(2026, 12, 31)
    )
    assert parse("!schedule pause #7 12/31", today=TODAY) == SchedulePause(7, date(2026, 12, 31))
    with pytest.raises(CommandError) as missing:
        parse("!스케줄 일시정지 12", today=TODAY)
    assert missing.value.reply_text().startswith("❌ 날짜: ")
    with pytest.raises(CommandError) as bad:
        parse("!스케줄 일시정지 12 언젠가", today=TODAY)
    assert bad.value.reply_text().startswith("❌ 날짜: ")
