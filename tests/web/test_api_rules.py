"""``/api/schedules`` with the recurrence fields of issue 18 (monthly, several times, a count,
a holiday policy) on both backends: stored as the rules row plus the nearest seed form, read
back under the same JSON names, documented in OpenAPI, and 422s naming the field."""

from __future__ import annotations

from datetime import time
from typing import Any

from storage.kbot_models import ScheduleRule
from storage.models import Schedule
from tests.support.api import conform, make_api, weekly
from tests.support.command_world import count


async def test_monthly_with_several_times_count_and_holidays(
    cfg: Any, sessions: Any, aiohttp_client: Any
) -> None:
    api = await make_api(aiohttp_client, cfg, sessions)
    created = await api.create(
        schedule_type="monthly",
        schedule_weekdays=None,
        schedule_time="09:00",
        times=["18:00", "09:00"],
        month_nth=2,
        month_weekday="tuesday",
        max_sends=10,
        holiday_policy="skip",
    )
    conform(api.spec, "POST", "/api/schedules", 201, created)
    assert created["schedule_type"] == "monthly"
    assert (created["month_nth"], created["month_weekday"]) == (2, "tuesday")
    assert (created["month_day"], created["month_last"]) == (None, False)
    assert created["times"] == ["09:00:00", "18:00:00"]
    assert (created["max_sends"], created["sends_done"]) == (10, 0)
    assert created["holiday_policy"] == "skip"
    assert created["next_send_at"] == "2026-12-08T09:00:00+09:00"  # the 2nd Tuesday
    async with sessions() as s:
        row = await s.get(Schedule, created["id"])
        rule = await s.get(ScheduleRule, created["id"])
    assert row is not None and (row.schedule_type, row.schedule_time) == ("daily", time(9))
    assert rule is not None and rule.kind == "monthly" and rule.times == "09:00,18:00"

    path = f"/api/schedules/{created['id']}"
    status, fetched = await api.call("GET", path)
    assert status == 200 and fetched == created
    conform(api.spec, "GET", path, 200, fetched)

    status, changed = await api.call("PUT", path, json={"month_last": True})
    assert status == 200, changed  # a new day replaces the whole day
    assert (changed["month_last"], changed["month_nth"], changed["month_weekday"]) == (
        True,
        None,
        None,
    )
    assert changed["next_send_at"] == "2026-11-30T09:00:00+09:00"
    status, changed = await api.call(
        "PUT", path, json={"schedule_type": "daily", "schedule_time": "10:00", "max_sends": 0}
    )
    assert status == 200, changed
    assert changed["schedule_type"] == "daily" and changed["times"] is None
    assert (changed["max_sends"], changed["month_nth"]) == (None, None)
    assert changed["holiday_policy"] == "skip"  # kept: the rules row stays for it
    assert await count(sessions, ScheduleRule) == 1


async def test_month_day_past_the_month_end(cfg: Any, sessions: Any, aiohttp_client: Any) -> None:
    api = await make_api(aiohttp_client, cfg, sessions)
    created = await api.create(schedule_type="monthly", schedule_weekdays=None, month_day=31)
    assert created["month_day"] == 31
    assert created["next_send_at"] == "2026-11-30T09:30:00+09:00"  # November's last day


BAD: list[tuple[str, dict[str, Any], str]] = [
    ("day too big", {"month_day": 32}, "month_day"),
    ("nth", {"month_nth": 6, "month_weekday": "monday"}, "month_nth"),
    ("weekday", {"month_nth": 2, "month_weekday": "someday"}, "month_weekday"),
    ("two kinds of day", {"month_day": 3, "month_last": True}, "month_day"),
    ("no day", {}, "month_day"),
    ("time", {"month_day": 1, "times": ["25:00"]}, "times"),
    ("count", {"month_day": 1, "max_sends": -1}, "max_sends"),
    ("policy", {"month_day": 1, "holiday_policy": "maybe"}, "holiday_policy"),
]


async def test_bad_rule_fields_are_422_naming_the_field(
    cfg: Any, sessions: Any, aiohttp_client: Any
) -> None:
    api = await make_api(aiohttp_client, cfg, sessions)
    wrong = []
    for label, fields, field in BAD:
        body = weekly(schedule_type="monthly", schedule_weekdays=None, **fields)
        status, answer = await api.call("POST", "/api/schedules", json=body)
        error = answer.get("error") or {}
        if (status, str(error.get("field")).split(".")[0]) != (422, field):
            wrong.append((label, status, error))
    status, answer = await api.call("POST", "/api/schedules", json=weekly(month_day=5))
    if (status, answer["error"]["field"]) != (422, "month_day"):  # a day needs monthly
        wrong.append(("weekly with a day", status, answer))
    assert not wrong
    assert await count(sessions, Schedule) == 0


async def test_openapi_names_the_rule_fields(cfg: Any, sessions: Any, aiohttp_client: Any) -> None:
    api = await make_api(aiohttp_client, cfg, sessions)
    schemas = api.spec["components"]["schemas"]
    properties = schemas["ScheduleCreateInput"]["properties"]
    for name in ("month_day", "month_last", "month_nth", "month_weekday", "times", "max_sends"):
        assert name in properties and name in schemas["Schedule"]["properties"]
    assert "monthly" in str(properties["schedule_type"])
    assert "next_business_day" in str(properties["holiday_policy"])
