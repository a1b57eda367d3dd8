"""The keys of the schedule form: one table for parsing, examples, the blank form and the chat
wording of service errors (the Korean key and an example line for a form attribute).

Keys are matched after NFKC folding, case folding and dropping spaces, ``_`` and ``-``, so
``방 타입``, ``room_type``, ``Room-Type`` and ``target_room_type`` all mean the same key.

Examples and hints that show a date are written with ``$date``, ``$start`` and ``$end`` and
filled in from today's date, so that an example is always valid when it is shown; hints
name commands with ``$prefix``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from string import Template

from commands.grammar.form_dates import example_date, parse_date, parse_datetime, parse_time
from services.rule_values import (
    HOLIDAY_POLICIES,
    NOTIFY_MODES,
    parse_max_sends,
    parse_month_day,
    parse_times,
)
from services.schedule_targets import parse_targets
from services.schedule_values import (
    ROOM_TYPES,
    SCHEDULE_TYPES,
    SEND_ORDERS,
    STATUSES,
    parse_description,
    parse_image_ids,
    parse_interval,
    parse_spread,
    parse_template_name,
    parse_test_room,
    parse_title,
    parse_weekdays,
    squash,
)


@dataclass(frozen=True, slots=True)
class FormField:
    name: str  # the ScheduleForm attribute (= the seed's column where there is one)
    key: str  # the Korean key the blank form shows and errors name
    aliases: tuple[str, ...]  # other Korean keys, English keys, the seed's column names
    parse: Callable[[str, date], object]
    example: str  # a valid value ($date, $start, $end: see the module docstring)
    hint: str  # the comment after the key in the blank form (also $prefix)


MESSAGE_TEXT = "message_text"

FIELDS: tuple[FormField, ...] = (
    FormField(
        "title", "제목", ("title",), lambda raw, _: parse_title(raw), "주간 특가 안내", "필수"
    ),
    FormField(
        "description",
        "설명",
        ("description",),
        lambda raw, _: parse_description(raw),
        "12월 매주 특가 공지",
        "선택",
    ),
    FormField(
        "room",
        "방",
        ("톡방", "대상톡방", "room", "target_room_id"),
        lambda raw, _: parse_targets(raw),
        "257378349297847",
        "chat_id 또는 방 이름, 여러 방은 쉼표로, 조직 전체는 '조직코드 전체', 비우면 이 방",
    ),
    FormField(
        "room_type",
        "방타입",
        ("톡방타입", "room_type", "target_room_type"),
        lambda raw, _: ROOM_TYPES.parse(raw),
        "운영",
        "운영 | 테스트, 비우면 운영",
    ),
    FormField(
        "test_room",
        "테스트방",
        ("테스트톡방", "test_room", "test_room_id"),
        lambda raw, _: parse_test_room(raw),
        "257378349297847",
        "선택, '${prefix}스케줄 테스트'가 보낼 방 (chat_id 또는 방 이름), 없음 = 명령한 방",
    ),
    FormField(
        "schedule_type",
        "유형",
        ("스케줄타입", "type", "schedule_type"),
        lambda raw, _: SCHEDULE_TYPES.parse(raw),
        "매주",
        "1회 | 매일 | 매주 | 매월",
    ),
    FormField(
        "schedule_date",
        "날짜",
        ("발송날짜", "date", "schedule_date"),
        parse_date,
        "$date",
        "1회만, 예) $date",
    ),
    FormField(
        "weekdays",
        "요일",
        ("반복요일", "weekdays", "days", "schedule_weekdays"),
        lambda raw, _: parse_weekdays(raw),
        "월,수,금",
        "매주만, 예) 월,수,금 / 월~금 / 평일",
    ),
    FormField(
        "month_day",
        "일",
        ("매월일", "발송일", "day", "monthday", "month_day"),
        lambda raw, _: parse_month_day(raw),
        "15",
        "매월만: 15 | 말일 | 둘째 주 화요일",
    ),
    FormField(
        "schedule_time",
        "시간",
        ("발송시간", "time", "times", "schedule_time"),
        lambda raw, _: parse_times(raw, parse_time),
        "09:30",
        "HH:MM, 여러 번은 쉼표로, 예) 09:00, 13:00",
    ),
    FormField(
        "max_sends",
        "횟수",
        ("발송횟수", "count", "maxsends", "max_sends"),
        lambda raw, _: parse_max_sends(raw),
        "10",
        "선택, 이만큼 보내면 끝남, 없음 = 제한 없음",
    ),
    FormField(
        "holiday_policy",
        "공휴일",
        ("휴일", "holiday", "holidays", "holiday_policy"),
        lambda raw, _: HOLIDAY_POLICIES.parse(raw),
        "건너뛰기",
        "선택, 발송 | 건너뛰기 | 다음영업일 | 이전영업일",
    ),
    FormField(
        "notify",
        "알림",
        ("결과알림", "발송알림", "notify", "notice"),
        lambda raw, _: NOTIFY_MODES.parse(raw),
        "모두",
        "선택, 실패 | 모두 | 끔 (비우면 실패: 실패만 알림)",
    ),
    FormField(
        "valid_from",
        "시작",
        ("유효기간시작", "시작일", "valid_from", "start"),
        lambda raw, today: parse_datetime(raw, today, end_of_day=False),
        "$start",
        "비우면 지금, 예) $start",
    ),
    FormField(
        "valid_until",
        "종료",
        ("유효기간종료", "종료일", "valid_until", "end"),
        lambda raw, today: parse_datetime(raw, today, end_of_day=True),
        "$end",
        "예) $end",
    ),
    FormField(
        "send_order",
        "순서",
        ("발송순서", "order", "send_order"),
        lambda raw, _: SEND_ORDERS.parse(raw),
        "텍스트먼저",
        "텍스트먼저 | 이미지먼저 | 이미지만 | 텍스트만",
    ),
    FormField(
        "send_interval_seconds",
        "간격",
        ("메시지간격", "발송간격", "interval", "send_interval_seconds"),
        lambda raw, _: parse_interval(raw),
        "1",
        "초 (0~60), 비우면 1",
    ),
    FormField(
        "image_ids",
        "이미지",
        ("사진", "images", "image_ids"),
        lambda raw, _: parse_image_ids(raw),
        "3, 5",
        "올린 이미지 번호, 예) 3, 5",
    ),
    FormField(
        "spread_s",
        "분산",
        ("spread", "spread_s"),
        lambda raw, _: parse_spread(raw),
        "10분",
        "선택, 여러 방일 때 발송을 그 시간 동안 나눠 보냄, 예) 10분",
    ),
    FormField(
        "template",
        "템플릿",
        ("template",),
        lambda raw, _: parse_template_name(raw),
        "주간특가",
        "선택, 저장한 템플릿 이름 ('내용:' 대신)",
    ),
    FormField(
        "status",
        "상태",
        ("status",),
        lambda raw, _: STATUSES.parse(raw),
        "활성",
        "활성 | 비활성, 비우면 활성",
    ),
    FormField(
        MESSAGE_TEXT,
        "내용",
        ("메시지", "본문", "text", "message", "message_text"),
        lambda raw, _: raw,
        "이번 주 특가 상품을 안내드립니다.",
        "보낼 메시지는 '내용:' 다음 줄부터 적어 주세요. {지점명} {방이름} {날짜} {요일} {시간}은 "
        "방마다 채워집니다",
    ),
)

BY_KEY: Mapping[str, FormField] = {
    squash(word): field for field in FIELDS for word in (field.key, *field.aliases)
}
BY_NAME: Mapping[str, FormField] = {field.name: field for field in FIELDS}


def example_line(name: str, today: date) -> str:
    """A valid form line for the ScheduleForm attribute ``name`` on ``today`` (local date),
    e.g. ``시간: 09:30`` or ``날짜: 2026-12-01``."""
    field = BY_NAME[name]
    example = Template(field.example).substitute(_example_dates(today))
    if field.name == MESSAGE_TEXT:
        return f"{field.key}:\n{example}"
    return f"{field.key}: {example}"


def hint(field: FormField, today: date, prefix: str) -> str:
    """The blank form's comment for ``field``, its examples valid on ``today``."""
    return Template(field.hint).substitute(_example_dates(today), prefix=prefix)


def _example_dates(today: date) -> dict[str, str]:
    """A send date and a validity window that are valid on ``today``: the first of next
    month, and the 30th of June of next year."""
    soon = f"{example_date(today):%Y-%m-%d}"
    return {"date": soon, "start": f"{soon} 00:00", "end": f"{today.year + 1}-06-30 23:59"}
