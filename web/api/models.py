"""The REST API's schedule request body: a pydantic model with the seed's column names, turned
into the same ``ScheduleForm`` the chat command builds, so both paths share one validation.

Field-level rules (types, enums, lengths, the formats of ``web.api.formats``, the weekday
words, the fields a create needs) are checked here and reported as 422 naming the JSON field
(``web.api.validation``); the rules across fields, the room, the images and the text length
are the schedule service's (``services.schedule_checks``), and the field their ``ServiceError``
names (a ``ScheduleForm`` attribute) is answered as the JSON field name. The OpenAPI document's
request schemas are generated from these models.

Instead of the seed's ``message_images`` JSON the request takes ``image_ids``: ids of uploaded
images (``POST /api/images``) in sending order; the service stores the section 3.3 JSON. In a
request, ``null`` is the same as leaving the field out; on ``PUT`` every field left out keeps
its value, and ``image_ids: []`` removes the images.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from core.timeutil import to_local_naive
from scheduler.rules import MonthDay
from scheduler.schedule_rule import MAX_TIMES
from services.errors import Invalid, ServiceError
from services.rule_values import MAX_SENDS_LIMIT
from services.schedule_form import ScheduleForm, seed_name
from services.schedule_targets import MAX_LISTED_ROOMS, Targets
from services.schedule_values import (
    DESCRIPTION_MAX_LENGTH,
    INTERVAL_MAX_SECONDS,
    SPREAD_MAX_SECONDS,
    TEMPLATE_NAME_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    WEEKDAYS,
    InvalidValue,
    parse_template_name,
    parse_test_room,
    parse_text,
    parse_weekdays,
)
from web.api.errors import api_error
from web.api.formats import (
    NOT_BLANK,
    EndDateTime,
    LocalDate,
    LocalTime,
    StartDateTime,
    not_blank,
)
from web.api.query import MAX_ID
from web.api.validation import validated

Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
ROOM_REF_MAX_LENGTH = 100  # kb_schedule.target_room_id is varchar(100)
ORG_CODE_MAX_LENGTH = 50  # kb_schedule.created_by_id is varchar(50)

Title = Annotated[
    str,
    Field(min_length=1, max_length=TITLE_MAX_LENGTH, json_schema_extra={"pattern": NOT_BLANK}),
    AfterValidator(not_blank),
]
RoomRef = Annotated[
    str,
    Field(
        min_length=1,
        max_length=ROOM_REF_MAX_LENGTH,
        json_schema_extra={"pattern": NOT_BLANK},
        description="chat_id (or unique name) of a room",
    ),
    AfterValidator(not_blank),
]
ScheduleType = Literal["once", "daily", "weekly", "monthly"]
Id = Annotated[int, Field(strict=True, ge=1, le=MAX_ID)]
WeekdayList = Annotated[list[Weekday], Field(min_length=1)]
WeekdayText = Annotated[str, Field(min_length=1, max_length=100)]
OrgCode = Annotated[
    str,
    Field(min_length=1, max_length=ORG_CODE_MAX_LENGTH, json_schema_extra={"pattern": NOT_BLANK}),
    AfterValidator(not_blank),
]


class ScheduleIn(BaseModel):
    """``PUT /api/schedules/{id}``: every field optional (and ``null`` = not given)."""

    model_config = ConfigDict(extra="forbid", title="ScheduleInput")

    title: Title | None = None
    description: Annotated[str, Field(max_length=DESCRIPTION_MAX_LENGTH)] | None = None
    target_room_id: RoomRef | None = None
    target_room_type: Literal["live", "test"] | None = None
    message_text: str | None = Field(None, description="at most scheduler.max_text_length")
    image_ids: list[Id] | None = Field(
        None, description="uploaded image ids in sending order; [] removes the images"
    )
    send_order: Literal["text_first", "images_first", "images_only", "text_only"] | None = None
    send_interval_seconds: (
        Annotated[int, Field(strict=True, ge=0, le=INTERVAL_MAX_SECONDS)] | None
    ) = None
    schedule_type: ScheduleType | None = None
    schedule_date: LocalDate | None = None
    schedule_time: LocalTime | None = None
    schedule_weekdays: WeekdayList | WeekdayText | None = Field(
        None, description='["monday", "friday"] or "monday,friday" (also 월,수,금 or mon-fri)'
    )
    valid_from: StartDateTime | None = None
    valid_until: EndDateTime | None = None
    status: Literal["active", "inactive"] | None = None
    test_room: Annotated[str, Field(max_length=ROOM_REF_MAX_LENGTH)] | None = Field(
        None,
        description="the room test sends go to (chat_id or unique name); an empty string "
        "removes it",
    )
    template: Annotated[str, Field(min_length=1, max_length=TEMPLATE_NAME_MAX_LENGTH)] | None = (
        Field(None, description="a saved template's name, instead of message_text")
    )
    spread_s: Annotated[int, Field(strict=True, ge=0, le=SPREAD_MAX_SECONDS)] | None = Field(
        None, description="a campaign's rows spread evenly over this many seconds after the time"
    )
    month_day: Annotated[int, Field(strict=True, ge=1, le=31)] | None = Field(
        None, description="monthly: the day of the month (past a month's end: its last day)"
    )
    month_last: bool | None = Field(None, description="monthly: the month's last day (말일)")
    month_nth: Literal[1, 2, 3, 4, 5, -1] | None = Field(
        None, description="monthly: the nth month_weekday of the month (-1: the last)"
    )
    month_weekday: Weekday | None = None
    times: Annotated[list[LocalTime], Field(min_length=1, max_length=MAX_TIMES)] | None = Field(
        None, description='several times a day, e.g. ["09:00", "13:00"], with schedule_time'
    )
    max_sends: Annotated[int, Field(strict=True, ge=0, le=MAX_SENDS_LIMIT)] | None = Field(
        None, description="end after this many scheduled sends (then completed); 0 removes it"
    )
    holiday_policy: Literal["send", "skip", "next_business_day", "previous_business_day"] | None = (
        Field(None, description="on Korean public holidays; null: the config's default")
    )
    notify: Literal["failures", "all", "off"] | None = Field(
        None,
        description="what the creator's room hears (알림): failures (the default), all (each "
        "send's result, a campaign's summary), off (nothing; the ops room still hears failures)",
    )

    @field_validator("description")
    @classmethod
    def _text(cls, value: str | None) -> str | None:
        return None if value is None else parse_text(value)

    @field_validator("schedule_weekdays")
    @classmethod
    def _weekdays(cls, value: list[str] | str | None) -> list[str] | str | None:
        if isinstance(value, str):
            return sorted(_korean(parse_weekdays, value), key=WEEKDAYS.index)
        return value

    def targets(self) -> Targets | None:
        """Where the schedule sends (one room on an edit)."""
        return None if self.target_room_id is None else Targets.one(self.target_room_id)

    def month_day_value(self) -> MonthDay | None:
        """The monthly day the body names: exactly one of month_day, month_last, month_nth
        (with month_weekday)."""
        kinds = [
            self.month_day is not None,
            bool(self.month_last),
            self.month_nth is not None or self.month_weekday is not None,
        ]
        if not any(kinds):
            return None
        if sum(kinds) > 1:
            raise Invalid("month_day", "month_day, month_last, month_nth 중 하나만 주세요.")
        if self.month_day is not None:
            return MonthDay(day=self.month_day)
        if self.month_last:
            return MonthDay(last=True)
        if self.month_nth is None or self.month_weekday is None:
            raise Invalid("month_nth", "month_nth와 month_weekday를 함께 주세요.")
        return MonthDay(nth=self.month_nth, weekday=self.month_weekday)

    def to_form(self, tz: ZoneInfo) -> ScheduleForm:
        weekdays = self.schedule_weekdays
        times = None
        if self.times is not None:
            given = {*self.times, *([self.schedule_time] if self.schedule_time else [])}
            times = tuple(sorted(given))
        return ScheduleForm(
            title=self.title,
            description=self.description,
            room=self.targets(),
            room_type=self.target_room_type,
            schedule_type=self.schedule_type,
            schedule_date=self.schedule_date,
            weekdays=None if weekdays is None else frozenset(weekdays),
            schedule_time=times[0] if times else self.schedule_time,
            times=times,
            month_day=self.month_day_value(),
            max_sends=self.max_sends,
            holiday_policy=self.holiday_policy,
            notify=self.notify,
            valid_from=_local(self.valid_from, tz),
            valid_until=_local(self.valid_until, tz),
            send_order=self.send_order,
            send_interval_seconds=self.send_interval_seconds,
            image_ids=None if self.image_ids is None else tuple(self.image_ids),
            status=self.status,
            message_text=self.message_text,
            test_room=None if self.test_room is None else parse_test_room(self.test_room),
            template=None if self.template is None else parse_template_name(self.template),
            spread_s=self.spread_s,
        )


class ScheduleCreateIn(ScheduleIn):
    """``POST /api/schedules``: what a new schedule cannot do without is required; its rooms
    are ``target_room_id`` (one room: a schedule) or ``target_room_ids`` and/or
    ``target_org`` (a campaign: one schedule per room), never both kinds."""

    model_config = ConfigDict(extra="forbid", title="ScheduleCreateInput")

    title: Title
    target_room_id: RoomRef | None = Field(
        None, description="the one room; or give target_room_ids and/or target_org instead"
    )
    target_room_ids: (
        Annotated[list[RoomRef], Field(min_length=1, max_length=MAX_LISTED_ROOMS)] | None
    ) = Field(None, description="a campaign's rooms (chat_ids or unique names)")
    target_org: OrgCode | None = Field(
        None, description="a campaign to every active live room of this org and those below it"
    )
    schedule_type: ScheduleType
    schedule_time: LocalTime

    @property
    def campaign(self) -> bool:
        """Whether the body asks for a campaign (several rooms or an org), not one room."""
        targets = self.targets()
        return targets is not None and targets.single is None

    def targets(self) -> Targets | None:
        if self.target_room_ids is None and self.target_org is None:
            return super().targets()
        return Targets(rooms=tuple(self.target_room_ids or ()), org=self.target_org)

    def room_field(self) -> str:
        """The JSON field a problem with the rooms is about."""
        if self.target_room_ids is not None:
            return "target_room_ids"
        return "target_org" if self.target_org is not None else "target_room_id"


class SendIn(BaseModel):
    """``POST /api/schedules/{id}/send`` (the body is optional)."""

    model_config = ConfigDict(extra="forbid", title="SendInput")

    confirm: bool = Field(
        False,
        strict=True,
        description=(
            "queue the send for the room's next free slot when the room was just sent to "
            "(room_min_interval_s); without it such a send is refused with 409 and nothing "
            "is queued. Also accepted as the query parameter ?confirm=true"
        ),
    )


class TestSendIn(SendIn):
    """``POST /api/schedules/{id}/test`` (the body is optional)."""

    model_config = ConfigDict(extra="forbid", title="TestSendInput")

    test_room: RoomRef | None = None


def _korean(parse: Any, value: str) -> Any:
    try:
        return parse(value)
    except InvalidValue as problem:
        raise ValueError(str(problem)) from None


def _local(value: datetime | None, tz: ZoneInfo) -> datetime | None:
    if value is None or value.tzinfo is None:
        return value
    return to_local_naive(value, tz)


def json_field(error: ServiceError) -> str | None:
    """The JSON field a ``ServiceError`` is about (its form attribute under its JSON name)."""
    return None if error.field is None else seed_name(error.field)


def schedule_in(data: object, *, create: bool = False) -> ScheduleIn:
    """The validated request body of a create (``ScheduleCreateIn``) or an edit; 422 naming
    the first bad JSON field otherwise."""
    if isinstance(data, dict) and "message_images" in data:
        raise api_error(
            422,
            "invalid",
            "message_images는 직접 쓸 수 없습니다. 올린 이미지 번호를 image_ids에 "
            "보낼 순서대로 적어 주세요.",
            "message_images",
        )
    body = validated(ScheduleCreateIn if create else ScheduleIn, data)
    if isinstance(body, ScheduleCreateIn):
        _one_kind_of_target(body)
    return body


def _one_kind_of_target(body: ScheduleCreateIn) -> None:
    """Exactly one of ``target_room_id`` (a schedule) and the campaign's fields."""
    several = body.target_room_ids is not None or body.target_org is not None
    if body.target_room_id is not None and several:
        field = "target_room_ids" if body.target_room_ids is not None else "target_org"
        raise api_error(
            422,
            "invalid",
            f"{field}: target_room_id와 함께 쓸 수 없습니다. 한 방이면 target_room_id만, "
            "여러 방이나 조직 전체면 target_room_ids나 target_org만 보내 주세요.",
            field,
        )
    if body.target_room_id is None and not several:
        raise api_error(
            422,
            "invalid",
            "target_room_id: 값이 필요합니다. 여러 방이면 target_room_ids(방 목록)나 "
            "target_org(조직 코드)를 보내 주세요.",
            "target_room_id",
        )
