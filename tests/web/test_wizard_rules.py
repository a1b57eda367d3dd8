"""The wizard's step 3 with the recurrence fields of issue 18, pressed without JavaScript on
both backends: a monthly schedule on the second Tuesday, three times a day, ten sends,
skipping holidays; stored as the nearest seed form plus the rules row; edit keeps them."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from sqlalchemy import select

from storage.kbot_models import ScheduleRule
from storage.models import Schedule
from tests.support.pages import Site
from tests.support.wizard import open_page, press
from tests.web.test_wizard import to_step_3

MONTHLY: dict[str, Any] = {
    "schedule_type": "monthly",
    "schedule_time": "09:00",
    "times": "18:00, 13:00",
    "month_day": "nth",
    "month_nth": "2",
    "month_weekday": "tuesday",
    "max_sends": "10",
    "holiday_policy": "skip",
}


async def test_monthly_second_tuesday_three_times_ten_sends(site: Site) -> None:
    await site.login("BR1")
    step3 = await to_step_3(site)
    assert 'value="monthly"' in step3.html and 'name="month_day"' in step3.html
    refreshed = await press(site, step3, ("go", "refresh"), **MONTHLY)
    assert refreshed.step == "3", refreshed.html
    # the clock: Thursday 2026-11-26 09:12 in Seoul
    assert refreshed.next_times() == [
        "2026-12-08 (화) 09:00",
        "2026-12-08 (화) 13:00",
        "2026-12-08 (화) 18:00",
        "2027-01-12 (화) 09:00",
        "2027-01-12 (화) 13:00",
    ]
    step4 = await press(site, refreshed)
    saved = await press(site, step4, ("go", "save"))
    async with site.sessions() as s:
        [row] = list(await s.scalars(select(Schedule)))
        rule = await s.get(ScheduleRule, row.id)
    assert saved.status == 303 and saved.location == f"/schedules/{row.id}?saved=1"
    assert (row.schedule_type, row.schedule_time) == ("daily", time(9))
    assert row.next_send_at == datetime(2026, 12, 8, 9)
    assert rule is not None and rule.kind == "monthly"
    assert (rule.month_nth, rule.month_weekday, rule.times) == (2, "tuesday", "09:00,13:00,18:00")
    assert (rule.max_sends, rule.holiday_policy) == (10, "skip")

    edit1 = await open_page(site, f"/schedules/{row.id}/edit")
    edit3 = await press(site, await press(site, edit1))
    assert edit3.values("times") == ["13:00, 18:00"] and edit3.values("max_sends") == ["10"]
    assert 'value="nth" selected' in edit3.html
    edit4 = await press(site, edit3, month_day="last")
    await press(site, edit4, ("go", "save"))
    async with site.sessions() as s:
        rule = await s.get(ScheduleRule, row.id)
        assert rule is not None and rule.month_last and rule.month_nth is None
        assert rule.max_sends == 10 and rule.times == "09:00,13:00,18:00"


async def test_monthly_without_a_day_is_shown_by_the_field(site: Site) -> None:
    await site.login("BR1")
    step3 = await to_step_3(site)
    refused = await press(site, step3, **(MONTHLY | {"month_day": ""}))
    assert refused.status == 422 and refused.step == "3"
    assert 'id="error-month_day"' in refused.html and "매월 보낼 날" in refused.html
    bad = await press(site, step3, **(MONTHLY | {"times": "25:00"}))
    assert bad.status == 422 and 'id="error-times"' in bad.html
