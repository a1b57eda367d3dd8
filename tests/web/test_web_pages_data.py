"""The admin web page's content through the real app: the upload form, and that the
schedules, logs and stats pages show only what the admin may see."""

from __future__ import annotations

from datetime import datetime

from aiohttp import FormData
from sqlalchemy import select

from storage.kbot_models import Image
from tests.support.command_world import ROOMS
from tests.support.pages import (
    Site,
    add_log,
    add_schedule,
    csrf_of,
    png,
    schedule_status,
)


async def test_upload_through_the_form(site: Site) -> None:
    html = await site.login("BR1")
    status, html = await site.get("/images")
    assert status == 200 and 'enctype="multipart/form-data"' in html
    form = FormData()
    form.add_field("csrf_token", csrf_of(html))
    form.add_field("file", png(3), filename="7월 행사.png", content_type="image/png")
    status, _, location = await site.post("/images", form)
    assert status == 303 and location is not None
    async with site.sessions() as s:
        image = await s.scalar(select(Image))
    assert image is not None and location == f"/images?uploaded={image.id}"
    status, html = await site.get(location)
    assert f'data-id="{image.id}">#{image.id}<' in html and f"이미지: {image.id}" in html
    assert "7월 행사.png" in html and f'src="/images/{image.filename}"' in html

    bad = FormData()
    bad.add_field("csrf_token", csrf_of(html))
    bad.add_field("file", b"<html>not an image</html>", filename="x.png")
    status, body, _ = await site.post("/images", bad)
    assert status == 422 and "지원하지 않는 파일 형식" in body
    assert await site.image_count() == 1


async def test_schedules_page_shows_only_visible_rows(site: Site) -> None:
    mine = await add_schedule(site.sessions, "강남 행사", ROOMS["BR1"])
    sibling = await add_schedule(site.sessions, "BR2 행사", ROOMS["BR2"], status="inactive")
    other = await add_schedule(site.sessions, "다른 지역 행사", ROOMS["BR3"])
    html = await site.login("BR1")
    _, html = await site.get("/schedules")
    assert "강남 행사" in html and "BR2 행사" not in html and "다른 지역 행사" not in html
    assert "다음 11/27(금) 09:30" in html

    status, body, _ = await site.post(
        f"/schedules/{other}/toggle", {"on": "0", "csrf_token": csrf_of(html)}
    )
    assert status == 404 and "없거나 볼 권한이 없습니다" in body
    assert await schedule_status(site.sessions, other) == "active"

    html = await site.login("AG1")
    _, html = await site.get("/schedules?status=inactive")
    assert "BR2 행사" in html and "강남 행사" not in html
    _, html = await site.get(f"/schedules?room={ROOMS['BR1']}")
    assert "강남 행사" in html and "BR2 행사" not in html
    status, _, location = await site.post(
        f"/schedules/{sibling}/toggle?status=inactive", {"on": "1", "csrf_token": csrf_of(html)}
    )
    assert (status, location) == (303, "/schedules?status=inactive")
    assert await schedule_status(site.sessions, sibling) == "active"
    assert mine != sibling


async def test_logs_and_stats_show_only_visible_rooms(site: Site) -> None:
    mine = await add_schedule(site.sessions, "강남 공지", ROOMS["BR1"])
    other = await add_schedule(site.sessions, "다른 지역 공지", ROOMS["BR3"])
    yesterday, today = datetime(2026, 11, 25, 9, 30), datetime(2026, 11, 26, 9, 0)
    await add_log(site.sessions, mine, ROOMS["BR1"], "success", yesterday)
    await add_log(site.sessions, mine, ROOMS["BR1"], "failed", today, "Iris 응답 없음")
    await add_log(site.sessions, other, ROOMS["BR3"], "partial", today, "이미지 2 실패")

    await site.login("BR1")
    _, html = await site.get("/logs")
    assert html.count('class="row log') == 2 and "Iris 응답 없음" in html
    assert "이미지 2 실패" not in html and "다른 지역 공지" not in html
    _, html = await site.get("/logs?status=failed")
    assert html.count('class="row log status-failed"') == 1 and "status-success" not in html
    _, html = await site.get("/logs?date=2026-11-25")
    assert html.count('class="row log') == 1 and "11/25(수) 09:30" in html
    for bad in ("date=nonsense&status=%3Cx%3E", "date=9999-12-31", "date=0001-01-01"):
        status, html = await site.get(f"/logs?{bad}")
        assert (status, html.count('class="row log')) == (200, 2), bad  # bad filters: ignored
    _, html = await site.get("/stats")
    assert "50.0%" in html and "<svg" in html and ROOMS["BR3"] not in html
    assert html.count('<rect class="ok"') == 1 and html.count('<rect class="bad"') == 1

    await site.login("HQ")
    _, html = await site.get("/logs")
    assert html.count('class="row log') == 3 and "이미지 2 실패" in html
    _, html = await site.get(f"/logs?room={ROOMS['BR3']}")
    assert html.count('class="row log') == 1
    _, html = await site.get("/stats")
    assert html.count('<rect class="bad"') == 1 and "0.0%" in html  # BR3: 1 partial
