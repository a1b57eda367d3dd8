"""``/schedules``: search by title, filters by status, room and type, each title linking to
its page, only the on/off button that applies, a campaign's rows marked, the new-schedule
button and the deleted notice."""

from __future__ import annotations

import re
from datetime import datetime, time

from sqlalchemy import update

from services.schedule_form import ScheduleForm
from services.schedule_targets import Targets
from storage import admins
from storage.models import Schedule
from tests.support.command_world import ROOMS, USERS
from tests.support.pages import Site, add_schedule
from tests.support.rule_rows import add_rule
from tests.web.test_schedule_page import create
from web import keys


def listed(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<li class="row schedule" data-id="(\d+)">', html)]


def row_html(html: str, sid: int) -> str:
    return html.split(f'data-id="{sid}">', 1)[1].split("</li>", 1)[0]


async def finished(site: Site, title: str) -> int:
    """A one-time schedule of last week, completed: no send time is left."""
    sid = await add_schedule(site.sessions, title, ROOMS["BR1"], status="completed")
    async with site.sessions.begin() as s:
        await s.execute(
            update(Schedule)
            .where(Schedule.id == sid)
            .values(schedule_type="once", schedule_date=datetime(2026, 11, 20).date())
        )
    return sid


async def test_search_filters_and_applicable_actions(site: Site) -> None:
    sale = await create(site, title="Big SALE 안내")
    daily = await add_schedule(site.sessions, "매일 공지", ROOMS["BR1"], status="inactive")
    done = await finished(site, "지난 행사")
    other = await create(site, who="BR2", title="역삼 sale")
    html = await site.login("BR1")

    status, html = await site.get("/schedules")
    assert status == 200 and sorted(listed(html)) == sorted([sale, daily, done])
    assert '<a class="button" id="new-schedule" href="/schedules/new">새 스케줄</a>' in html
    assert "수정과 등록은 카카오톡에서" not in html
    for sid in (sale, daily, done):
        assert f'<a class="title" href="/schedules/{sid}">' in row_html(html, sid)
    assert "끄기" in row_html(html, sale) and "켜기" not in row_html(html, sale)
    assert "켜기" in row_html(html, daily)
    assert "<form" not in row_html(html, done)  # completed, no time left: no 켜기

    assert listed((await site.get("/schedules?q=sale"))[1]) == [sale]  # any case
    assert listed((await site.get("/schedules?q=%20SALE%20"))[1]) == [sale]
    assert listed((await site.get("/schedules?q=없는제목"))[1]) == []
    assert listed((await site.get("/schedules?type=daily"))[1]) == [daily]
    assert listed((await site.get("/schedules?type=once"))[1]) == [done]
    assert listed((await site.get("/schedules?type=weekly&status=active"))[1]) == [sale]
    assert listed((await site.get("/schedules?status=completed"))[1]) == [done]
    assert sorted(listed((await site.get("/schedules?type=bogus"))[1])) == sorted(
        [sale, daily, done]
    )
    _, html = await site.get("/schedules?q=<b>x</b>&type=daily")
    assert 'value="&lt;b&gt;x&lt;/b&gt;"' in html and "<b>x</b>" not in html
    assert other not in listed((await site.get("/schedules?q=sale"))[1])


async def test_campaign_rows_are_marked_and_deleted_notice(site: Site) -> None:
    async with site.sessions() as s:
        admin = await admins.get_by_kakao_id(s, USERS["AG1"])
    form = ScheduleForm(
        title="연말 캠페인",
        room=Targets(rooms=(ROOMS["BR1"], ROOMS["BR2"])),
        schedule_type="daily",
        schedule_time=time(11, 0),
        valid_from=datetime(2026, 11, 1),
        valid_until=datetime(2027, 1, 31, 23, 59),
        message_text="연말 안내",
    )
    saved = await site.client.app[keys.SCHEDULES].campaigns.create(form, admin, current_room_id="")
    first = saved.rows[0].id
    await site.login("AG1")
    _, html = await site.get("/schedules")
    assert f"캠페인 C{saved.campaign.id}" in row_html(html, first)
    _, page = await site.get(f"/schedules/{first}")
    assert f"캠페인 C{saved.campaign.id}" in page

    _, html = await site.get("/schedules?deleted=42")
    assert '<div class="notice ok" id="result"' in html and "#42 스케줄을 삭제했습니다" in html
    _, html = await site.get("/schedules?deleted=<script>")
    assert 'id="result"' not in html and "<script>" not in html


async def test_a_richer_rule_is_listed_as_it_is_and_a_used_up_count_offers_no_on(
    site: Site,
) -> None:
    """The list reads each row's rules row: a monthly rule (daily in ``kb_schedule``) is
    shown as monthly, and a schedule whose 횟수 is used up cannot be turned on again."""
    monthly = await add_schedule(site.sessions, "월초 결제", ROOMS["BR1"])
    await add_rule(site.sessions, monthly, kind="monthly", month_day=1)
    used_up = await add_schedule(site.sessions, "세 번만", ROOMS["BR1"], status="completed")
    await add_rule(site.sessions, used_up, max_sends=3, sends_done=3)
    await site.login("BR1")
    _, html = await site.get("/schedules")
    assert "매월 1일 09:30" in row_html(html, monthly)
    assert "켜기" not in row_html(html, used_up)
