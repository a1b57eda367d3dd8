"""The wizard's 알림 radio group (step 3), pressed without JavaScript on both backends: the
default is checked, the choice is stored in ``kbot_schedule_meta.notify``, an edit shows it
checked and changes it, and a value not offered is shown next to the field."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from storage.kbot_models import ScheduleMeta
from storage.models import Schedule
from tests.support.pages import Site
from tests.support.wizard import open_page, press
from tests.web.test_wizard import to_step_3

DAILY: dict[str, Any] = {"schedule_type": "daily", "schedule_time": "09:00"}


async def notify_of(site: Site) -> str | None:
    async with site.sessions() as s:
        [row] = list(await s.scalars(select(Schedule)))
        meta = await s.get(ScheduleMeta, row.id)
    assert meta is not None
    return meta.notify


async def test_notify_is_chosen_saved_and_edited(site: Site) -> None:
    await site.login("BR1")
    step3 = await to_step_3(site)
    assert 'name="notify" value="all"' in step3.html
    assert step3.values("notify") == ["failures"]  # checked by default
    step4 = await press(site, step3, notify="all", **DAILY)
    assert step4.step == "4", step4.html
    saved = await press(site, step4, ("go", "save"))
    assert saved.status == 303
    assert await notify_of(site) == "all"
    status, page = await site.get(saved.location or "")
    assert status == 200 and '<dd id="notify">모든 결과 알림' in page

    async with site.sessions() as s:
        [row] = list(await s.scalars(select(Schedule)))
    edit1 = await open_page(site, f"/schedules/{row.id}/edit")
    edit3 = await press(site, await press(site, edit1))
    assert edit3.values("notify") == ["all"]
    edit4 = await press(site, edit3, notify="off")
    await press(site, edit4, ("go", "save"))
    assert await notify_of(site) == "off"


async def test_a_notify_value_not_offered_is_shown_by_the_field(site: Site) -> None:
    await site.login("BR1")
    step3 = await to_step_3(site)
    refused = await press(site, step3, notify="sometimes", **DAILY)
    assert refused.status == 422 and refused.step == "3"
    assert refused.error("notify") and 'aria-describedby="error-notify"' in refused.html
