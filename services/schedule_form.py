"""``ScheduleForm``: the canonical input of the schedule service, whatever door it came through
(the chat form parser and the REST API's request body both build one)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime, time
from typing import Literal

from scheduler.rules import HolidayPolicy, MonthDay
from services.schedule_targets import Targets
from services.schedule_values import RoomType, ScheduleType, SendOrder, Status


@dataclass(frozen=True, slots=True)
class ScheduleForm:
    """The fields the user wrote; None means not given (an edit leaves it unchanged)."""

    title: str | None = None
    description: str | None = None
    room: Targets | None = None  # rooms (chat ids or names) and/or an org, resolved later
    room_type: RoomType | None = None
    test_room: str | None = None  # like room; NO_ROOM removes the test room
    schedule_type: ScheduleType | None = None
    schedule_date: date | None = None
    weekdays: frozenset[str] | None = None  # 'monday'..'sunday'
    schedule_time: time | None = None
    valid_from: datetime | None = None  # naive, local time of the configured zone
    valid_until: datetime | None = None  # naive, local time of the configured zone
    send_order: SendOrder | None = None
    send_interval_seconds: int | None = None
    image_ids: tuple[int, ...] | None = None  # in the order given; () clears the images
    status: Status | None = None
    message_text: str | None = None  # may hold {변수} (core.message_template)
    template: str | None = None  # a saved template's name, instead of message_text
    spread_s: int | None = None  # a campaign's rows spread over this window after the time
    # Beyond the seed's columns (kbot_schedule_rules; services.schedule_rules):
    month_day: MonthDay | None = None  # monthly only: 15 / 말일 / 둘째 주 화요일
    times: tuple[time, ...] | None = None  # every time of day, sorted; schedule_time = first
    max_sends: int | None = None  # 횟수; NO_LIMIT removes it
    # 공휴일; None: unchanged; CONFIG_POLICY: back to the config's scheduler.holiday_policy
    holiday_policy: HolidayPolicy | Literal["config"] | None = None
    # 알림 (kbot_schedule_meta.notify): what the notify room hears; None: unchanged
    notify: Literal["failures", "all", "off"] | None = None

    def given(self) -> dict[str, object]:
        """Only the fields that were provided, by attribute name."""
        return {
            field.name: value
            for field in fields(self)
            if (value := getattr(self, field.name)) is not None
        }


# ScheduleForm attribute -> the seed's column name (kb_schedule), where they differ: the name
# the REST API's JSON and the web form use for the field a ``ServiceError`` is about
SEED_NAMES = {
    "room": "target_room_id",
    "room_type": "target_room_type",
    "weekdays": "schedule_weekdays",
}

CONFIG_POLICY: Literal["config"] = "config"  # holiday_policy of "기본": the config decides
NO_LIMIT = 0  # max_sends of "없음": the schedule sends without a count again


def seed_name(attribute: str) -> str:
    """The seed's column name of a ``ScheduleForm`` attribute."""
    return SEED_NAMES.get(attribute, attribute)
