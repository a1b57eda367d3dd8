"""The schedule wizard's values as the steps post them: a ``WizardState`` of strings kept as
typed (so a step re-renders with the user's values), with the field names of the seed's
columns, which step holds each field, and its Korean label and choices.

Each step posts the other steps' values as hidden inputs (``WizardState.hidden``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from scheduler.schedule_rule import ExtraColumns
from services.rule_values import HOLIDAY_POLICY_WORDS, NTH_WORDS
from services.schedule_labels import ROOM_TYPE_LABELS, SEND_ORDER_LABELS, TYPE_LABELS
from services.schedule_rules import values_of
from services.schedule_values import WEEKDAYS
from storage.image_uses import image_ids
from storage.models import Schedule
from storage.notices import notify_mode

STEP_FIELDS: dict[int, tuple[str, ...]] = {
    1: ("target_kind", "target_room_id", "target_room_ids", "target_org", "target_room_type"),
    2: ("title", "description", "message_text", "image_ids", "send_order", "send_interval_seconds"),
    3: (
        "schedule_type",
        "schedule_date",
        "schedule_time",
        "schedule_weekdays",
        "month_day",
        "month_nth",
        "month_weekday",
        "times",
        "max_sends",
        "holiday_policy",
        "notify",
        "valid_from",
        "valid_until",
        "status",
    ),
}
FIELD_STEP = {name: step for step, names in STEP_FIELDS.items() for name in names}
LABELS = {
    "target_kind": "대상",
    "target_room_id": "방",
    "target_room_ids": "방",
    "target_org": "조직",
    "target_room_type": "방 유형",
    "title": "제목",
    "description": "설명",
    "message_text": "내용",
    "image_ids": "이미지",
    "send_order": "발송 순서",
    "send_interval_seconds": "발송 간격",
    "schedule_type": "발송 유형",
    "schedule_date": "날짜",
    "schedule_time": "시간",
    "schedule_weekdays": "요일",
    "month_day": "매월 보낼 날",
    "month_nth": "몇째 주",
    "month_weekday": "무슨 요일",
    "times": "더 보낼 시간",
    "max_sends": "횟수",
    "holiday_policy": "공휴일",
    "notify": "알림",
    "valid_from": "시작",
    "valid_until": "종료",
    "status": "상태",
}
SEND_ORDERS = SEND_ORDER_LABELS
SCHEDULE_TYPES = TYPE_LABELS
WEEKDAY_LABELS = dict(zip(WEEKDAYS, "월화수목금토일", strict=True))
STATUSES = {"active": "활성", "inactive": "비활성"}
MONTH_DAYS = {str(day): f"{day}일" for day in range(1, 32)} | {
    "last": "말일",
    "nth": "몇째 주 무슨 요일",
}
NTH_LABELS = {str(nth): f"{word} 주" for nth, word in NTH_WORDS.items()}
HOLIDAY_POLICIES = {"": "기본 설정대로"} | {
    value: {"send": "그래도 발송", "skip": "건너뛰기"}.get(value, word)
    for value, word in HOLIDAY_POLICY_WORDS.items()
}
NOTIFY_CHOICES = {  # 알림: what the creator's room hears after a send
    "failures": "실패만 알림",
    "all": "모든 결과 알림 (캠페인은 요약 하나)",
    "off": "알리지 않음",
}
ROOM_TYPES = ROOM_TYPE_LABELS
TARGET_KINDS = ("room", "rooms", "org")
_LISTS = frozenset({"target_room_ids", "image_ids", "schedule_weekdays"})
_LOCAL = "%Y-%m-%dT%H:%M"


@dataclass
class WizardState:
    target_kind: str = "room"
    target_room_id: str = ""
    target_room_ids: list[str] = field(default_factory=list)
    target_org: str = ""
    target_room_type: str = ""
    title: str = ""
    description: str = ""
    message_text: str = ""
    image_ids: list[str] = field(default_factory=list)
    send_order: str = "text_first"
    send_interval_seconds: str = "1"
    schedule_type: str = "daily"
    schedule_date: str = ""
    schedule_time: str = ""
    schedule_weekdays: list[str] = field(default_factory=list)
    month_day: str = ""  # "1".."31", "last" or "nth" (then month_nth and month_weekday)
    month_nth: str = ""
    month_weekday: str = ""
    times: str = ""  # more times a day beside schedule_time: "13:00, 18:00"
    max_sends: str = ""
    holiday_policy: str = ""
    notify: str = "failures"
    valid_from: str = ""
    valid_until: str = ""
    status: str = "active"

    @classmethod
    def from_post(cls, data: Mapping[str, Any]) -> WizardState:
        """The state a step posted (a field left out keeps its default)."""
        values: dict[str, Any] = {}
        for name in (f.name for f in fields(cls)):
            if name in _LISTS:
                getall = getattr(data, "getall", None)
                raw = getall(name, []) if getall else []
                values[name] = _unique(v.strip() for v in raw if isinstance(v, str) and v.strip())
            elif isinstance(value := data.get(name), str):
                values[name] = value.replace("\r\n", "\n")
        return cls(**values)

    @classmethod
    def from_row(
        cls, row: Schedule, extra: ExtraColumns | None = None, notify: str | None = None
    ) -> WizardState:
        """The wizard filled from a saved schedule (edit, copy), its rules row and its stored
        ``알림`` (``notify``): one room."""
        weekdays = row.schedule_weekdays or frozenset()
        values = values_of(extra)
        monthly = values.monthly
        month_day = ""
        if monthly is not None:
            month_day = "last" if monthly.last else "nth" if monthly.nth else str(monthly.day)
        more = values.times.split(",")[1:] if values.times else []
        return cls(
            month_day=month_day,
            month_nth=str(monthly.nth) if monthly and monthly.nth else "",
            month_weekday=monthly.weekday or "" if monthly else "",
            times=", ".join(more),
            max_sends=str(values.max_sends) if values.max_sends else "",
            holiday_policy=values.holiday_policy or "",
            notify=notify_mode(notify),
            target_room_id=row.target_room_id,
            target_room_type=row.target_room_type or "",
            title=row.title,
            description=row.description or "",
            message_text=row.message_text or "",
            image_ids=[str(i) for i in image_ids(row.message_images)],
            send_order=row.send_order or "text_first",
            send_interval_seconds=str(row.send_interval_seconds or 0),
            schedule_type="monthly" if monthly else row.schedule_type,
            schedule_date=row.schedule_date.isoformat() if row.schedule_date else "",
            schedule_time=f"{row.schedule_time:%H:%M}",
            schedule_weekdays=[day for day in WEEKDAYS if day in weekdays],
            valid_from=f"{row.valid_from:{_LOCAL}}" if row.valid_from else "",
            valid_until=f"{row.valid_until:{_LOCAL}}" if row.valid_until else "",
            status=row.status if row.status in STATUSES else "active",
        )

    def hidden(self, step: int) -> list[tuple[str, str]]:
        """The other steps' values as (name, value) pairs for hidden inputs."""
        pairs: list[tuple[str, str]] = []
        for other, names in STEP_FIELDS.items():
            if other == step:
                continue
            for name in names:
                value = getattr(self, name)
                pairs.extend((name, v) for v in (value if name in _LISTS else [value]))
        return pairs

    def room_field(self) -> str:
        """The field a problem with the rooms is shown on."""
        return {"rooms": "target_room_ids", "org": "target_org"}.get(
            self.target_kind, "target_room_id"
        )


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))
