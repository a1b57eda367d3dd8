"""The schedule wizard's ``WizardState`` as a ``ScheduleForm``, with a Korean error per
field (named by its label): a step checks only its own fields, the save checks them all and
then the service checks the rest.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time
from typing import Any, cast

from scheduler.rules import HolidayPolicy, MonthDay
from services.rule_values import (
    HOLIDAY_POLICY_WORDS,
    NOTIFY_WORDS,
    parse_max_sends,
    parse_times,
)
from services.schedule_form import CONFIG_POLICY, NO_LIMIT, ScheduleForm
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
from web.pages.wizard_state import (
    LABELS,
    MONTH_DAYS,
    NTH_LABELS,
    ROOM_TYPES,
    SCHEDULE_TYPES,
    SEND_ORDERS,
    STATUSES,
    WizardState,
)


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
        errors.add("schedule_type", "1회, 매일, 매주, 매월 중에서 골라 주세요.")
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
    if kind == "monthly":
        _month_day(state, values, errors)
    _rules(state, values, errors)
    for name in ("valid_from", "valid_until"):
        if getattr(state, name).strip():
            _parsed(values, errors, name, _moment, getattr(state, name))
    if state.status not in STATUSES:
        errors.add("status", "활성이나 비활성 중에서 골라 주세요.")
    values["status"] = cast(Status, state.status)


def _month_day(state: WizardState, values: dict[str, Any], errors: _Errors) -> None:
    day = state.month_day
    if day == "nth":
        nth = int(state.month_nth) if state.month_nth in NTH_LABELS else None
        if nth is None:
            errors.add("month_nth", "몇째 주인지 골라 주세요.")
        if state.month_weekday not in WEEKDAYS:
            errors.add("month_weekday", "무슨 요일인지 골라 주세요.")
        if nth is not None and state.month_weekday in WEEKDAYS:
            values["month_day"] = MonthDay(nth=nth, weekday=state.month_weekday)
    elif day == "last":
        values["month_day"] = MonthDay(last=True)
    elif day in MONTH_DAYS:
        values["month_day"] = MonthDay(day=int(day))
    else:
        errors.add("month_day", "매월 보낼 날을 골라 주세요. 예) 15일, 말일, 둘째 주 화요일")


def _rules(state: WizardState, values: dict[str, Any], errors: _Errors) -> None:
    """More times a day, the count and the holiday policy (each optional)."""
    first = values.get("schedule_time")
    if state.times.strip() and isinstance(first, time):
        try:
            more = parse_times(state.times, _time)
        except InvalidValue as exc:
            errors.add("times", str(exc))
        else:
            values["times"] = tuple(sorted({first, *more}))
    elif isinstance(first, time):
        values["times"] = (first,)
    if state.max_sends.strip():
        _parsed(values, errors, "max_sends", parse_max_sends, state.max_sends)
    else:
        values["max_sends"] = NO_LIMIT
    if state.holiday_policy and state.holiday_policy not in HOLIDAY_POLICY_WORDS:
        errors.add("holiday_policy", "목록에서 골라 주세요.")
    else:
        values["holiday_policy"] = cast(HolidayPolicy, state.holiday_policy or CONFIG_POLICY)
    if state.notify not in NOTIFY_WORDS:
        errors.add("notify", "실패만 알림, 모든 결과 알림, 알리지 않음 중에서 골라 주세요.")
    else:
        values["notify"] = state.notify


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
