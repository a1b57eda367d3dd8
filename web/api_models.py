"""The REST API's schedule request body: a pydantic model with the seed's column names, turned
into the same ``ScheduleForm`` the chat command builds, so both paths share one validation.

Field-level rules (types, enums, lengths, the weekday words) are checked here and reported as
422 naming the JSON field; the rules across fields, the room, the images and the text length
are the schedule service's (``commands.schedule_checks``), and their ``CommandError`` is
translated back from the Korean form key to the JSON field name.

Instead of the seed's ``message_images`` JSON the request takes ``image_ids``: ids of uploaded
images (``POST /api/images``) in sending order; the service stores the section 3.3 JSON. In a
request, ``null`` is the same as leaving the field out; on ``PUT`` every field left out keeps
its value, and ``image_ids: []`` removes the images.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Annotated, Any, Literal, TypeVar
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_core import ErrorDetails

from commands.errors import CommandError
from commands.form import ScheduleForm
from commands.form_fields import KOREAN_KEYS
from commands.form_values import (
    INTERVAL_MAX_SECONDS,
    WEEKDAYS,
    InvalidValue,
    parse_text,
    parse_title,
    parse_weekdays,
)
from kbot.timeutil import to_local_naive
from web.api_errors import api_error

Model = TypeVar("Model", bound=BaseModel)
Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_DATE_ONLY = re.compile(r"\s*[0-9]{4}-[0-9]{2}-[0-9]{2}\s*")

# ScheduleForm attribute -> JSON field, where they differ
_JSON_NAMES = {
    "room": "target_room_id",
    "room_type": "target_room_type",
    "weekdays": "schedule_weekdays",
}
_BY_KOREAN_KEY = {key: _JSON_NAMES.get(name, name) for name, key in KOREAN_KEYS.items()}


class ScheduleIn(BaseModel):
    """``POST /api/schedules`` and ``PUT /api/schedules/{id}``."""

    model_config = ConfigDict(extra="forbid", title="ScheduleInput")

    title: str | None = Field(None, min_length=1, max_length=255)
    description: str | None = None
    target_room_id: str | None = Field(
        None, min_length=1, max_length=100, description="chat_id (or unique name) of a room"
    )
    target_room_type: Literal["live", "test"] | None = None
    message_text: str | None = None
    image_ids: list[Annotated[int, Field(ge=1, le=2**31 - 1)]] | None = Field(
        None, description="uploaded image ids in sending order; [] removes the images"
    )
    send_order: Literal["text_first", "images_first", "images_only", "text_only"] | None = None
    send_interval_seconds: int | None = Field(None, ge=0, le=INTERVAL_MAX_SECONDS)
    schedule_type: Literal["once", "daily", "weekly"] | None = None
    schedule_date: date | None = None
    schedule_time: time | None = Field(None, description="HH:MM or HH:MM:SS, local time")
    schedule_weekdays: list[Weekday] | str | None = Field(
        None, description='["monday", "friday"] or "monday,friday"'
    )
    valid_from: datetime | None = Field(None, description="local time unless an offset is given")
    valid_until: datetime | None = Field(
        None, description="local time unless an offset is given; a date alone means 23:59:59"
    )
    status: Literal["active", "inactive"] | None = None

    @field_validator("title")
    @classmethod
    def _title(cls, value: str | None) -> str | None:
        return None if value is None else _korean(parse_title, value)

    @field_validator("description", "target_room_id")
    @classmethod
    def _text(cls, value: str | None) -> str | None:
        return None if value is None else parse_text(value)

    @field_validator("schedule_weekdays")
    @classmethod
    def _weekdays(cls, value: list[str] | str | None) -> list[str] | str | None:
        if isinstance(value, str):
            return sorted(_korean(parse_weekdays, value), key=WEEKDAYS.index)
        return value

    @field_validator("valid_until", mode="before")
    @classmethod
    def _end_of_day(cls, value: Any) -> Any:
        if isinstance(value, str) and _DATE_ONLY.fullmatch(value):
            return f"{value.strip()} 23:59:59"
        return value

    def to_form(self, tz: ZoneInfo) -> ScheduleForm:
        weekdays = self.schedule_weekdays
        return ScheduleForm(
            title=self.title,
            description=self.description,
            room=self.target_room_id,
            room_type=self.target_room_type,
            schedule_type=self.schedule_type,
            schedule_date=self.schedule_date,
            weekdays=None if weekdays is None else frozenset(weekdays),
            schedule_time=self.schedule_time,
            valid_from=_local(self.valid_from, tz),
            valid_until=_local(self.valid_until, tz),
            send_order=self.send_order,
            send_interval_seconds=self.send_interval_seconds,
            image_ids=None if self.image_ids is None else tuple(self.image_ids),
            status=self.status,
            message_text=self.message_text,
        )


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

    test_room: str | None = Field(
        None, min_length=1, max_length=100, description="chat_id or unique name of a room"
    )


def _korean(parse: Any, value: str) -> Any:
    try:
        return parse(value)
    except InvalidValue as problem:
        raise ValueError(str(problem)) from None


def _local(value: datetime | None, tz: ZoneInfo) -> datetime | None:
    if value is None or value.tzinfo is None:
        return value
    return to_local_naive(value, tz)


def json_field(error: CommandError) -> str | None:
    """The JSON field a service ``CommandError`` is about (its Korean key translated)."""
    if error.field is None:
        return None
    if error.field == "ID":
        return "id"
    return _BY_KOREAN_KEY.get(error.field, error.field)


_MESSAGES = {
    "missing": "값이 필요합니다.",
    "extra_forbidden": "알 수 없는 필드입니다.",
    "literal_error": "쓸 수 없는 값입니다.",
    "string_type": "문자열이어야 합니다.",
    "string_too_short": "비어 있을 수 없습니다.",
    "string_too_long": "{max_length}자 이하여야 합니다.",
    "int_type": "정수여야 합니다.",
    "int_parsing": "정수여야 합니다.",
    "int_from_float": "정수여야 합니다.",
    "greater_than_equal": "{ge} 이상이어야 합니다.",
    "less_than_equal": "{le} 이하여야 합니다.",
    "list_type": "배열이어야 합니다.",
    "date_parsing": "YYYY-MM-DD 형식의 날짜여야 합니다.",
    "date_from_datetime_parsing": "YYYY-MM-DD 형식의 날짜여야 합니다.",
    "time_parsing": "HH:MM 또는 HH:MM:SS 형식의 시간이어야 합니다.",
    "datetime_parsing": "YYYY-MM-DD HH:MM[:SS] 형식의 일시여야 합니다.",
    "datetime_from_date_parsing": "YYYY-MM-DD HH:MM[:SS] 형식의 일시여야 합니다.",
}


def schedule_in(data: object) -> ScheduleIn:
    """The validated request body; 422 naming the first bad JSON field otherwise."""
    if isinstance(data, dict) and "message_images" in data:
        raise api_error(
            422,
            "invalid",
            "message_images는 직접 쓸 수 없습니다. 올린 이미지 번호를 image_ids에 "
            "보낼 순서대로 적어 주세요.",
            "message_images",
        )
    return validated(ScheduleIn, data)


def validated(model: type[Model], data: object) -> Model:
    """``data`` (a decoded JSON body) as ``model``; 422 naming the first bad field otherwise."""
    if not isinstance(data, dict):
        raise api_error(422, "invalid", "요청 본문은 JSON 객체여야 합니다.")
    try:
        return model.model_validate(data)
    except ValidationError as error:
        field, message = first_problem(error)
        raise api_error(422, "invalid", message, field) from None


def first_problem(error: ValidationError) -> tuple[str | None, str]:
    """The JSON field and a Korean message for the first problem pydantic found."""
    details: ErrorDetails = error.errors(include_url=False)[0]
    first, *rest = details["loc"] or ("",)
    loc = [str(first), *(str(part) for part in rest if not _is_union_branch(part))]
    field = ".".join(part for part in loc if part) or None
    if details["type"] == "value_error":
        message = str(details.get("ctx", {}).get("error", details["msg"]))
    else:
        template = _MESSAGES.get(details["type"], "값이 올바르지 않습니다 ({msg}).")
        message = template.format(msg=details["msg"], **details.get("ctx", {}))
    if details["type"] == "literal_error":
        message += f" 가능한 값: {details.get('ctx', {}).get('expected', '')}"
    return field, f"{field}: {message}" if field else message


def _is_union_branch(part: int | str) -> bool:
    """pydantic names the union branch in ``loc`` (``list[...]``, ``str``); not a field."""
    return isinstance(part, str) and (part in ("str", "int") or "[" in part)
