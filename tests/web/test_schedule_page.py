"""``GET /schedules/{id}`` through the real app: what the page shows (text, images in send
order, the rule in Korean, the next five times on the fake clock, the last sends with their
kind), on/off and delete from it, and another branch refused."""

from __future__ import annotations

import json
import re
from datetime import datetime, time

from aiohttp import FormData
from sqlalchemy import func, select, update

from services.schedule_form import ScheduleForm
from services.schedule_targets import Targets
from storage import admins
from storage.kbot_models import Image, Room
from storage.models import Schedule, ScheduleLog
from tests.support.command_world import BR1_TEST_ROOM, ROOMS, USERS, add_br1_test_room
from tests.support.pages import Site, add_log, csrf_of, png, schedule_status
from web import keys

TEST_ROOM = BR1_TEST_ROOM


async def upload(site: Site, seed: int) -> int:
    _, html = await site.get("/images")
    form = FormData()
    form.add_field("csrf_token", csrf_of(html))
    form.add_field("file", png(seed), filename=f"p{seed}.png", content_type="image/png")
    status, _, location = await site.post("/images", form)
    assert status == 303 and location is not None
    return int(location.rsplit("=", 1)[1])


async def add_test_room(site: Site) -> None:
    await add_br1_test_room(site.sessions)


async def create(site: Site, who: str = "BR1", **changes: object) -> int:
    """A weekly Monday/Wednesday 10:00 schedule for ``who``'s room, made through the service."""
    values: dict[str, object] = {
        "title": "주간 특가 <b>안내</b>",
        "description": "매주 월·수 특가",
        "room": Targets.one(ROOMS[who]),
        "schedule_type": "weekly",
        "weekdays": frozenset({"monday", "wednesday"}),
        "schedule_time": time(10, 0),
        "valid_from": datetime(2026, 11, 1),
        "valid_until": datetime(2027, 6, 30, 23, 59),
        "message_text": "{지점명} 특가 안내",
        "send_order": "text_first",
        "send_interval_seconds": 2,
    } | changes
    async with site.sessions() as s:
        admin = await admins.get_by_kakao_id(s, USERS[who])
    form = ScheduleForm(**values)  # type: ignore[arg-type]
    row = await site.client.app[keys.SCHEDULES].create(form, admin, current_room_id="")
    return row.id


def between(html: str, start: str, end: str) -> str:
    return html.split(start, 1)[1].split(end, 1)[0]


async def test_the_page_shows_the_schedule(site: Site) -> None:
    await site.login("BR1")
    await add_test_room(site)
    first, second = await upload(site, 1), await upload(site, 2)
    sid = await create(site, image_ids=(second, first), test_room=TEST_ROOM)
    await add_log(site.sessions, sid, ROOMS["BR1"], "failed", datetime(2026, 11, 25, 10), "막힘")

    status, html = await site.get(f"/schedules/{sid}")
    assert status == 200
    assert "<h1>주간 특가 &lt;b&gt;안내&lt;/b&gt;</h1>" in html
    assert "매주 월·수 특가" in html and "강남지점 테스트방" in html and "실방" in html
    message = between(html, '<section class="card" id="message">', "</section>")
    assert "{지점명} 특가 안내" in message and "텍스트 먼저" in message and "간격 2초" in message
    assert re.findall(r'<li data-id="(\d+)"><img src="/images/', message) == [
        str(second),
        str(first),
    ]
    assert re.search(r'<p id="rule">매주 월,수 10:00</p>', html), between(html, 'id="rule">', "<")
    times = re.findall(r"<li>([^<]+)</li>", between(html, '<ol class="next-times">', "</ol>"))
    assert times == [  # from Thursday 2026-11-26 09:12 (the fake clock)
        "11/30(월) 10:00",
        "12/2(수) 10:00",
        "12/7(월) 10:00",
        "12/9(수) 10:00",
        "12/14(월) 10:00",
    ]
    sends = between(html, '<table id="recent-sends"', "</table>")
    assert "2026-11-25 10:00" in sends and "실패" in sends and "예약" in sends and "막힘" in sends
    for button in ("edit", "duplicate", "test-send", "send-now", "toggle", "delete"):
        assert f'id="{button}"' in html, button
    assert f'href="/schedules/{sid}/edit"' in html and f'href="/schedules/new?copy={sid}"' in html
    assert 'id="result"' not in html

    status, html = await site.get(f"/schedules/{sid}?done=test&status=<script>")
    assert status == 200 and 'id="result"' not in html and "<script>" not in html
    status, html = await site.get(f"/schedules/{sid}?saved=1")
    assert '<div class="notice ok" id="result"' in html


async def test_toggle_and_delete_from_the_page(site: Site) -> None:
    html = await site.login("BR1")
    sid = await create(site)
    await add_log(site.sessions, sid, ROOMS["BR1"], "success", datetime(2026, 11, 25, 10))
    token = csrf_of(html)

    off = {"on": "0", "back": "detail", "csrf_token": token}
    status, _, location = await site.post(f"/schedules/{sid}/toggle", off)
    assert (status, location) == (303, f"/schedules/{sid}?done=toggle&status=off")
    assert await schedule_status(site.sessions, sid) == "inactive"
    _, html = await site.get(str(location))
    assert "스케줄을 껐습니다" in html and '<ol class="next-times">' not in html
    assert re.search(r'name="on" value="1"><button type="submit" id="toggle">켜기', html)
    on = {"on": "1", "back": "detail", "csrf_token": token}
    status, _, location = await site.post(f"/schedules/{sid}/toggle", on)
    assert location == f"/schedules/{sid}?done=toggle&status=on"
    assert await schedule_status(site.sessions, sid) == "active"

    status, html = await site.get(f"/schedules/{sid}/delete")
    assert status == 200 and "발송 기록 1건" in html and '<form method="post"' in html
    assert (await site.post(f"/schedules/{sid}/delete", {}))[0] == 403  # no CSRF token
    status, _, location = await site.post(f"/schedules/{sid}/delete", {"csrf_token": token})
    assert (status, location) == (303, f"/schedules?deleted={sid}")
    async with site.sessions() as s:
        assert await s.get(Schedule, sid) is None
        assert await s.scalar(select(func.count()).select_from(ScheduleLog)) == 0
    archived = list((site.cfg.data_path / "archive").rglob("*.jsonl.gz"))
    assert archived, "the log row was archived before the delete"
    _, html = await site.get(str(location))
    assert f"#{sid} 스케줄을 삭제했습니다" in html and 'id="result"' in html
    assert (await site.get(f"/schedules/{sid}"))[0] == 404


async def test_another_branch_cannot_see_or_act(site: Site) -> None:
    sid = await create(site)
    html = await site.login("BR2")
    token = csrf_of(html)
    status, html = await site.get(f"/schedules/{sid}")
    assert status == 404 and "볼 권한이 없습니다" in html and "주간 특가" not in html
    assert (await site.get(f"/schedules/{sid}/delete"))[0] == 404
    for action, data in (
        ("toggle", {"on": "0", "back": "detail"}),
        ("test", {}),
        ("send", {}),
        ("delete", {}),
    ):
        status, _, _ = await site.post(f"/schedules/{sid}/{action}", data | {"csrf_token": token})
        assert status == 404, action
    assert await schedule_status(site.sessions, sid) == "active"
    assert site.client.app[keys.SENDER].sent == []
    assert (await site.get("/schedules/99999"))[0] == 404


async def test_a_gone_room_offers_no_send_now_and_no_turning_on(site: Site) -> None:
    active = await create(site, title="켜진 스케줄")
    stopped = await create(site, title="꺼진 스케줄", status="inactive")
    async with site.sessions.begin() as s:
        await s.execute(update(Room).where(Room.chat_id == ROOMS["BR1"]).values(active=False))
    await site.login("BR1")
    _, html = await site.get(f"/schedules/{active}")
    assert 'id="send-now"' not in html and "비활성 상태라 보낼 수 없습니다" in html
    assert re.search(r'id="toggle">끄기', html)  # turning it off still applies
    _, html = await site.get(f"/schedules/{stopped}")
    assert 'id="send-now"' not in html and 'id="toggle"' not in html
    _, listing = await site.get("/schedules")
    assert "켜기" not in listing.split(f'data-id="{stopped}">', 1)[1].split("</li>", 1)[0]


async def test_images_json_is_read_as_untrusted_input(site: Site) -> None:
    await site.login("BR1")
    first, second = await upload(site, 1), await upload(site, 2)
    sid = await create(site)
    entries = [
        {"id": str(second), "filename": "../../etc/passwd"},
        {"id": 999},
        "x",
        {"id": "<script>"},
        {"id": first, "file_url": "http://evil.example/a.png"},
    ]
    raw = json.dumps({"images": entries})  # a JSON string, as the PHP site may write it
    async with site.sessions.begin() as s:
        await s.execute(update(Schedule).where(Schedule.id == sid).values(message_images=raw))
    status, html = await site.get(f"/schedules/{sid}")
    assert status == 200
    message = between(html, '<section class="card" id="message">', "</section>")
    async with site.sessions() as s:
        names = {i.id: i.filename for i in await s.scalars(select(Image))}
    assert re.findall(r'<li data-id="(\d+)"><img src="/images/([^"]+)"', message) == [
        (str(second), names[second]),
        (str(first), names[first]),
    ]
    assert "passwd" not in html and "evil.example" not in html and "<script>" not in html
    assert "이미지 1개를 찾을 수 없습니다" in message
