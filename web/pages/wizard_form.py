"""The schedule wizard's form: the posted fields (named after the seed's columns) as a
``WizardState`` of strings kept as typed, so a step re-renders with the user's values, and
the state as a ``ScheduleForm`` with a Korean error per field.

Each step posts the other steps' values as hidden inputs; a step checks only its own fields,
the save checks them all and then the service checks the rest.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import date, datetime, time
from typing import Any, cast

from services.schedule_form import ScheduleForm
from services.schedule_targets import Targets
from services.schedule_values import (
    WEEKDAYS,
    InvalidValue,
    RoomType,
    ScheduleType,
    SendOrder,
    Status,
    parse_description,
    parse_interval,
    parse_title,
)
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


class _Errors(dict[str, str]):
    def add(self, name: str, message: str) -> None:
        self.setdefault(name, f"{LABELS[name]}: {message}")


def to_form(
    state: WizardState, steps: Iterable[int] = (1, 2, 3)
) -> tuple[ScheduleForm, dict[str, str]]:
    """The ``ScheduleForm`` of ``steps``' fields (the others left None) and the errors by
    field name; the form is only meaningful when there are none."""
    errors = _Errors()
    values: dict[str, Any] = {}
    for step in steps:
        _STEPS[step](state, values, errors)
    return ScheduleForm(**values), dict(errors)


def _targets(state: WizardState, values: dict[str, Any], errors: _Errors) -> None:
    kind = state.target_kind
    if kind == "rooms":
        if not state.target_room_ids:
            errors.add("target_room_ids", "보낼 방을 하나 이상 골라 주세요.")
        values["room"] = Targets(rooms=tuple(state.target_room_ids))
    elif kind == "org":
        if not state.target_org.strip():
            errors.add("target_org", "보낼 조직을 골라 주세요.")
        values["room"] = Targets(org=state.target_org.strip())
    elif kind == "room":
        if not state.target_room_id.strip():
            errors.add("target_room_id", "보낼 방을 골라 주세요.")
        values["room"] = Targets.one(state.target_room_id.strip())
    else:
        errors.add("target_kind", "한 방, 여러 방, 조직 중에서 골라 주세요.")
    if state.target_room_type:
        if state.target_room_type not in ROOM_TYPES:
            errors.add("target_room_type", "실방이나 테스트방 중에서 골라 주세요.")
        values["room_type"] = cast(RoomType, state.target_room_type)


def _content(state: WizardState, values: dict[str, Any], errors: _Errors) -> None:
    _parsed(values, errors, "title", parse_title, state.title)
    if not values.get("title") and "title" not in errors:
        errors.add("title", "제목을 적어 주세요.")
    _parsed(values, errors, "description", parse_description, state.description)
    values["message_text"] = state.message_text
    if state.send_order not in SEND_ORDERS:
        errors.add("send_order", "목록에서 골라 주세요.")
    values["send_order"] = cast(SendOrder, state.send_order)
    _parsed(values, errors, "send_interval_seconds", parse_interval, state.send_interval_seconds)
    if not all(i.isdigit() and len(i) <= 18 for i in state.image_ids):
        errors.add("image_ids", "이미지 번호가 올바르지 않습니다.")
    else:
        values["image_ids"] = tuple(int(i) for i in state.image_ids)


def _schedule(state: WizardState, values: dict[str, Any], errors: _Errors) -> None:
    kind = state.schedule_type
    if kind not in SCHEDULE_TYPES:
        errors.add("schedule_type", "1회, 매일, 매주 중에서 골라 주세요.")
    values["schedule_type"] = cast(ScheduleType, kind)
    if not state.schedule_time.strip():
        errors.add("schedule_time", "보낼 시각을 입력해 주세요. 예) 09:30")
    else:
        _parsed(values, errors, "schedule_time", _time, state.schedule_time)
    if kind == "once":
        if not state.schedule_date.strip():
            errors.add("schedule_date", "1회 발송은 날짜가 필요합니다.")
        else:
            _parsed(values, errors, "schedule_date", _date, state.schedule_date)
    if kind == "weekly":
        if not state.schedule_weekdays:
            errors.add("schedule_weekdays", "매주 발송은 요일을 하나 이상 골라 주세요.")
        elif not set(state.schedule_weekdays) <= set(WEEKDAYS):
            errors.add("schedule_weekdays", "월요일부터 일요일 중에서 골라 주세요.")
        values["weekdays"] = frozenset(state.schedule_weekdays)
    for name in ("valid_from", "valid_until"):
        if getattr(state, name).strip():
            _parsed(values, errors, name, _moment, getattr(state, name))
    if state.status not in STATUSES:
        errors.add("status", "활성이나 비활성 중에서 골라 주세요.")
    values["status"] = cast(Status, state.status)


_STEPS = {1: _targets, 2: _content, 3: _schedule}


def _parsed(values: dict[str, Any], errors: _Errors, name: str, parse: Any, raw: str) -> None:
    try:
        values[name] = parse(raw)
    except InvalidValue as exc:
        errors.add(name, str(exc))


def _time(raw: str) -> time:
    try:
        return time.fromisoformat(raw.strip()).replace(second=0, microsecond=0)
    except ValueError:
        raise InvalidValue(f"'{raw}'은(는) 올바른 시각이 아닙니다. 예) 09:30") from None


def _date(raw: str) -> date:
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise InvalidValue(f"'{raw}'은(는) 올바른 날짜가 아닙니다. 예) 2026-12-01") from None


def _moment(raw: str) -> datetime:
    try:
        moment = datetime.fromisoformat(raw.strip())
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is not None:
        raise InvalidValue(f"'{raw}'은(는) 올바른 날짜와 시각이 아닙니다. 예) 2026-12-01T09:00")
    return moment.replace(second=0, microsecond=0)
