"""The REST API names the field of a service error by its JSON name (web.api.models)."""

from __future__ import annotations

from dataclasses import fields

from services.errors import Invalid
from services.schedule_form import ScheduleForm
from services.schedule_queries import ScheduleNotFound
from web.api.models import ScheduleIn, json_field


def test_every_form_attribute_has_a_json_field_of_the_request() -> None:
    names = {field.name: json_field(Invalid(field.name, "x")) for field in fields(ScheduleForm)}
    assert set(names.values()) <= set(ScheduleIn.model_fields)
    assert names["room"] == "target_room_id"
    assert names["room_type"] == "target_room_type"
    assert names["weekdays"] == "schedule_weekdays"
    assert names["schedule_time"] == "schedule_time"


def test_a_missing_schedule_is_about_the_id() -> None:
    assert json_field(ScheduleNotFound(3)) == "id"
    assert json_field(Invalid(None, "x")) is None
