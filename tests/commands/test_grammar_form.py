"""The schedule form of the chat commands: keys, values, errors (commands.grammar.form)."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commands.grammar.errors import CommandError
from commands.grammar.form import blank_form, parse_form
from commands.grammar.form_fields import FIELDS, example_line
from services.schedule_form import ScheduleForm
from services.schedule_targets import Targets

TODAY = date(2026, 11, 26)
BLANK_FORM = blank_form("!", TODAY)
MWF = frozenset({"monday", "wednesday", "friday"})
WEEKDAYS_MON_FRI = frozenset({"monday", "tuesday", "wednesday", "thursday", "friday"})
ALL_DAYS = WEEKDAYS_MON_FRI | {"saturday", "sunday"}


def form(*lines: str) -> ScheduleForm:
    return parse_form(list(lines), today=TODAY)


def value(line: str) -> object:
    given_fields = form(line).given()
    assert len(given_fields) == 1, given_fields
    return next(iter(given_fields.values()))


@pytest.mark.parametrize(
    "line",
    ["제목: 안내", "제목：안내", "제목=안내", "제목 = 안내", "\t제목\t:\t안내  ", "title: 안내",
     "TITLE: 안내", "Title=안내", "제 목: 안내"],
)  # fmt: skip
def test_separators_spaces_and_key_spellings(line: str) -> None:
    assert form(line) == ScheduleForm(title="안내")


@pytest.mark.parametrize(
    ("line", "name", "expected"),
    [
        ("설명: 12월 공지", "description", "12월 공지"),
        ("description: 12월 공지", "description", "12월 공지"),
        ("방: 257378349297847", "room", Targets.one("257378349297847")),
        ("room: 강남 공지방", "room", Targets.one("강남 공지방")),
        ("방: 강남 공지방, 1234", "room", Targets(rooms=("강남 공지방", "1234"))),
        ("방: DT01 전체", "room", Targets(org="DT01")),
        ("분산: 10분", "spread_s", 600),
        ("템플릿: 주간특가", "template", "주간특가"),
        ("방타입: 운영", "room_type", "live"),
        ("room_type: test", "room_type", "test"),
        ("방 타입: 테스트", "room_type", "test"),
        ("유형: 1회", "schedule_type", "once"),
        ("유형: 한번", "schedule_type", "once"),
        ("유형: 한 번", "schedule_type", "once"),
        ("type: once", "schedule_type", "once"),
        ("유형: 매일", "schedule_type", "daily"),
        ("type: Daily", "schedule_type", "daily"),
        ("유형: 매주", "schedule_type", "weekly"),
        ("type: weekly", "schedule_type", "weekly"),
        ("날짜: 2026-12-01", "schedule_date", date(2026, 12, 1)),
        ("date: 2026-12-01", "schedule_date", date(2026, 12, 1)),
        ("요일: 월,수,금", "weekdays", MWF),
        ("weekdays: mon, wed, fri", "weekdays", MWF),
        ("시간: 09:30", "schedule_time", time(9, 30)),
        ("time: 09:30", "schedule_time", time(9, 30)),
        ("시작: 2026-12-01 00:00", "valid_from", datetime(2026, 12, 1)),
        ("valid_from: 2026-12-01 00:00", "valid_from", datetime(2026, 12, 1)),
        ("종료: 2027-06-30 23:59", "valid_until", datetime(2027, 6, 30, 23, 59)),
        ("valid_until: 2027-06-30 23:59", "valid_until", datetime(2027, 6, 30, 23, 59)),
        ("순서: 텍스트먼저", "send_order", "text_first"),
        ("순서: 텍스트 먼저", "send_order", "text_first"),
        ("order: text_first", "send_order", "text_first"),
        ("순서: 이미지먼저", "send_order", "images_first"),
        ("order: images_first", "send_order", "images_first"),
        ("순서: 이미지만", "send_order", "images_only"),
        ("order: images_only", "send_order", "images_only"),
        ("순서: 텍스트만", "send_order", "text_only"),
        ("order: TEXT_ONLY", "send_order", "text_only"),
        ("간격: 1", "send_interval_seconds", 1),
        ("간격: 1초", "send_interval_seconds", 1),
        ("interval: 0", "send_interval_seconds", 0),
        ("간격: 60 초", "send_interval_seconds", 60),
        ("이미지: 3, 5", "image_ids", (3, 5)),
        ("이미지: 3 5", "image_ids", (3, 5)),
        ("이미지: #3 #5", "image_ids", (3, 5)),
        ("images: 5,3,5", "image_ids", (5, 3, 5)),
        ("이미지: 없음", "image_ids", ()),
        ("상태: 활성", "status", "active"),
        ("상태: 비활성", "status", "inactive"),
        ("상태: 켜기", "status", "active"),
        ("상태: 끄기", "status", "inactive"),
        ("status: active", "status", "active"),
        ("status: Inactive", "status", "inactive"),
        ("내용: 안녕하세요", "message_text", "안녕하세요"),
        ("text: hello", "message_text", "hello"),
    ],
)
def test_each_key_in_korean_and_english(line: str, name: str, expected: object) -> None:
    assert form(line).given() == {name: expected}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("월,수,금", MWF),
        ("월수금", MWF),
        ("월 수 금", MWF),
        ("월, 수, 금", MWF),
        ("월요일,수요일,금요일", MWF),
        ("월요일 수요일 금요일", MWF),
        ("mon,wed,fri", MWF),
        ("Monday, Wednesday, Friday", MWF),
        ("월~금", WEEKDAYS_MON_FRI),
        ("월-금", WEEKDAYS_MON_FRI),
        ("월요일~금요일", WEEKDAYS_MON_FRI),
        ("mon-fri", WEEKDAYS_MON_FRI),
        ("평일", WEEKDAYS_MON_FRI),
        ("주말", frozenset({"saturday", "sunday"})),
        ("토,일", frozenset({"saturday", "sunday"})),
        ("매일", ALL_DAYS),
        ("금~월", frozenset({"friday", "saturday", "sunday", "monday"})),
        ("화, 목", frozenset({"tuesday", "thursday"})),
        ("tue thu", frozenset({"tuesday", "thursday"})),
        ("평일, 토", WEEKDAYS_MON_FRI | {"saturday"}),
    ],
)
def test_weekdays(raw: str, expected: frozenset[str]) -> None:
    assert value(f"요일: {raw}") == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("14:30", time(14, 30)),
        ("14:30:15", time(14, 30, 15)),
        ("09:05", time(9, 5)),
        ("9:5", time(9, 5)),
        ("0:00", time(0, 0)),
        ("23:59:59", time(23, 59, 59)),
        ("１４：３０", time(14, 30)),
        ("14시", time(14)),
        ("14시 30분", time(14, 30)),
        ("9시30분", time(9, 30)),
        ("2시반", time(2, 30)),
        ("9시 30분 15초", time(9, 30, 15)),
        ("오전 9시", time(9)),
        ("오후 2시 30분", time(14, 30)),
        ("오후 2시반", time(14, 30)),
        ("오후2:30", time(14, 30)),
        ("오전 12시", time(0)),
        ("오후 12시", time(12)),
        ("2:30 pm", time(14, 30)),
        ("PM 2:30", time(14, 30)),
        ("11:00am", time(11)),
    ],
)
def test_times(raw: str, expected: time) -> None:
    assert value(f"시간: {raw}") == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2026-12-01", date(2026, 12, 1)),
        ("2026.12.01", date(2026, 12, 1)),
        ("2026/12/01", date(2026, 12, 1)),
        ("2026. 12. 1.", date(2026, 12, 1)),
        ("20261201", date(2026, 12, 1)),
        ("2026년 12월 1일", date(2026, 12, 1)),
        ("12/1", date(2026, 12, 1)),
        ("12.1", date(2026, 12, 1)),
        ("12월 1일", date(2026, 12, 1)),
        ("12월1일", date(2026, 12, 1)),
        ("11/26", date(2026, 11, 26)),  # today is not past
        ("12/31", date(2026, 12, 31)),
        ("2027년 1월 5일", date(2027, 1, 5)),
        ("2028/2/29", date(2028, 2, 29)),
        ("오늘", date(2026, 11, 26)),
        ("내일", date(2026, 11, 27)),
        ("모레", date(2026, 11, 28)),
    ],
)
def test_dates(raw: str, expected: date) -> None:
    assert value(f"날짜: {raw}") == expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("시작: 2026-12-01 00:00", datetime(2026, 12, 1)),
        ("시작: 2026-12-01 09:30:15", datetime(2026, 12, 1, 9, 30, 15)),
        ("시작: 2026-12-01T09:30", datetime(2026, 12, 1, 9, 30)),
        ("시작: 2026-12-01", datetime(2026, 12, 1, 0, 0, 0)),
        ("시작: 내일 오후 3시", datetime(2026, 11, 27, 15)),
        ("시작: 12월 1일 9시", datetime(2026, 12, 1, 9)),
        ("종료: 2027-06-30", datetime(2027, 6, 30, 23, 59, 59)),
        ("종료: 2027.06.30 23:59", datetime(2027, 6, 30, 23, 59)),
        ("종료: 12/31", datetime(2026, 12, 31, 23, 59, 59)),
    ],
)
def test_valid_from_and_until(line: str, expected: datetime) -> None:
    assert value(line) == expected


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ("제목: " + "가" * 256, "제목"),
        ("방타입: 실방", "방타입"),
        ("유형: 격주", "유형"),
        ("날짜: 2026-02-30", "날짜"),
        ("날짜: 2100-01-01", "날짜"),
        ("시작: 0001-01-01 00:00", "시작"),
        ("종료: 9999-12-31", "종료"),  # a year later would not fit a datetime
        ("날짜: 13/1", "날짜"),
        ("날짜: 어제", "날짜"),
        ("날짜: 2026-12-01 09:00", "날짜"),
        ("요일: 월,x", "요일"),
        ("요일: 월~", "요일"),
        ("요일: ,", "요일"),
        ("시간: 25:00", "시간"),
        ("시간: 12:60", "시간"),
        ("시간: 오후 13시", "시간"),
        ("시간: 오전 0시", "시간"),
        ("시간: 아침", "시간"),
        ("시간: 0930", "시간"),
        ("time: 9 30", "시간"),
        ("시작: 어제", "시작"),
        ("시작: 2026-12-01 25:00", "시작"),
        ("종료: 2026-12-01 아무때나", "종료"),
        ("순서: 랜덤", "순서"),
        ("간격: 61", "간격"),
        ("간격: -1", "간격"),
        ("간격: 1.5", "간격"),
        ("간격: 한번", "간격"),
        ("이미지: 3, x", "이미지"),
        ("이미지: 0", "이미지"),
        ("이미지: -3", "이미지"),
        ("상태: 완료", "상태"),
        ("날씨: 맑음", "날씨"),
        ("그냥 한 줄", "양식"),
        (": 값만", "양식"),
    ],
)
def test_bad_values_name_the_field_with_an_example(line: str, field: str) -> None:
    with pytest.raises(CommandError) as caught:
        form(line)
    error = caught.value
    assert error.field == field
    assert error.example
    assert field in error.reply_text()


# (today, line) -> the field named, and what the message must say
PAST_WITHOUT_A_YEAR = [
    (date(2026, 12, 2), "날짜: 12/1", "날짜", "'12/1'은 이미 지난 날짜입니다"),
    (date(2026, 12, 2), "날짜: 12/1", "날짜", "2027-12-01처럼 연도를 붙여"),
    (TODAY, "날짜: 11/25", "날짜", "올해(2026년) 날짜로 봅니다"),
    (TODAY, "날짜: 1월 5일", "날짜", "'1월 5일'은 이미 지난 날짜입니다"),
    (TODAY, "date: 1.5", "날짜", "2027-01-05처럼"),
    (TODAY, "시작: 11/1 09:00", "시작", "'11/1'은 이미 지난 날짜입니다"),
    (TODAY, "종료: 6/30", "종료", "2027-06-30처럼"),
    (date(2028, 3, 1), "날짜: 2/29", "날짜", "연도를 붙여 적어 주세요"),  # 2029 has none
]


@pytest.mark.parametrize(("today", "line", "field", "said"), PAST_WITHOUT_A_YEAR)
def test_a_past_date_without_a_year_asks_for_the_year(
    today: date, line: str, field: str, said: str
) -> None:
    with pytest.raises(CommandError) as caught:
        parse_form([line], today=today)
    assert caught.value.field == field
    assert said in caught.value.message
    example = caught.value.example or ""
    assert example.startswith(f"{field}: ")
    assert parse_form([example], today=today).given()  # the example is valid that day


@pytest.mark.parametrize(
    ("today", "line", "expected"),
    [
        (date(2026, 12, 2), "날짜: 12/2", date(2026, 12, 2)),  # today stays valid
        (date(2026, 12, 2), "날짜: 12월 31일", date(2026, 12, 31)),
        (date(2026, 12, 31), "날짜: 오늘", date(2026, 12, 31)),
        (date(2026, 12, 31), "날짜: 내일", date(2027, 1, 1)),
        (date(2028, 2, 1), "날짜: 2/29", date(2028, 2, 29)),
    ],
)
def test_a_date_without_a_year_is_this_year(today: date, line: str, expected: date) -> None:
    assert parse_form([line], today=today).schedule_date == expected


@settings(max_examples=100, deadline=None)
@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2098, 12, 31)))
def test_examples_are_valid_on_the_day_they_are_shown(today: date) -> None:
    for field in FIELDS:
        line = example_line(field.name, today)
        given_fields = parse_form(line.split("\n"), today=today).given()
        assert field.name in given_fields, line
        shown = given_fields[field.name]
        if isinstance(shown, datetime):
            assert shown.date() > today, line
        elif isinstance(shown, date):
            assert shown > today, line
    assert "2026" not in blank_form("!", date(2030, 5, 1))
    with pytest.raises(CommandError) as caught:
        parse_form(["날짜: 13/1"], today=today)
    suggested = caught.value.message.split("아닙니다. ", 1)[1].removesuffix("처럼 적어 주세요.")
    for written in suggested.split(", "):  # e.g. 2026-12-01, 12월 1일, 내일
        suggested_date = parse_form([f"날짜: {written}"], today=today).schedule_date
        assert suggested_date is not None and suggested_date > today, written
