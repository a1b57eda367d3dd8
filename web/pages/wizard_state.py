"""The schedule wizard's values as the steps post them: a ``WizardState`` of strings kept as
typed (so a step re-renders with the user's values), with the field names of the seed's
columns, which step holds each field, and its Korean label and choices.

Each step posts the other steps' values as hidden inputs (``WizardState.hidden``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from services.schedule_values import WEEKDAYS
from storage.image_uses import image_ids
from storage.models import Schedule

STEP_FIELDS: dict[int, tuple[str, ...]] = {
    1: ("target_kind", "target_room_id", "target_room_ids", "target_org", "target_room_type"),
    2: ("title", "description", "message_text", "image_ids", "send_order", "send_interval_seconds"),
    3: (
        "schedule_type",
        "schedule_date",
        "schedule_time",
        "schedule_weekdays",
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
    "valid_from": "시작",
    "valid_until": "종료",
    "status": "상태",
}
SEND_ORDERS = {
    "text_first": "텍스트 먼저",
    "images_first": "이미지 먼저",
    "images_only": "이미지만",
    "text_only": "텍스트만",
}
SCHEDULE_TYPES = {"once": "1회", "daily": "매일", "weekly": "매주"}
WEEKDAY_LABELS = dict(zip(WEEKDAYS, "월화수목금토일", strict=True))
STATUSES = {"active": "활성", "inactive": "비활성"}
ROOM_TYPES = {"live": "실방", "test": "테스트방"}
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
    def from_row(cls, row: Schedule) -> WizardState:
        """The wizard filled from a saved schedule (edit, copy): one room."""
        weekdays = row.schedule_weekdays or frozenset()
        return cls(
            target_room_id=row.target_room_id,
            target_room_type=row.target_room_type or "",
            title=row.title,
            description=row.description or "",
            message_text=row.message_text or "",
            image_ids=[str(i) for i in image_ids(row.message_images)],
            send_order=row.send_order or "text_first",
            send_interval_seconds=str(row.send_interval_seconds or 0),
            schedule_type=row.schedule_type,
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
