"""The schedule wizard through the real app on both backends, pressed as a browser without
JavaScript would: four steps of plain forms, the saved rows read back from the database."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time
from typing import Any

from aiohttp import FormData
from sqlalchemy import select

from services.schedule_preview import SHOWN_TIMES
from storage.image_uses import image_ids
from storage.kbot_models import AuditEntry, Image, ScheduleMeta
from storage.models import Schedule
from tests.support.command_world import ROOMS
from tests.support.pages import Site, add_schedule, csrf_of, png
from tests.support.wizard import WizardPage, open_page, press


async def rows(site: Site) -> list[Schedule]:
    async with site.sessions() as s:
        return list(await s.scalars(select(Schedule).order_by(Schedule.id)))


async def to_step_3(site: Site, **content: Any) -> WizardPage:
    step1 = await open_page(site, "/schedules/new")
    assert step1.status == 200 and step1.step == "1"
    step2 = await press(site, step1, target_kind="room", target_room_id=ROOMS["BR1"])
    assert step2.step == "2", step2.html
    values: dict[str, Any] = {"title": "주간 안내", "message_text": "{지점명} {방이름} 안내"}
    values |= content
    step3 = await press(site, step2, **values)
    assert step3.step == "3", step3.html
    return step3


async def test_one_room_two_images_in_the_chosen_order_weekly(site: Site) -> None:
    await site.login("BR1")
    step1 = await open_page(site, "/schedules/new")
    assert "도매까 강남지점 공지방 (실방)" in step1.html
    assert ROOMS["BR2"] not in step1.html  # only the branch's own room is offered
    step2 = await press(site, step1, target_kind="room", target_room_id=ROOMS["BR1"])
    assert step2.step == "2" and 'enctype="multipart/form-data"' in step2.html
    typed: dict[str, Any] = {"title": "주간 안내", "message_text": "{지점명} {방이름} 안내"}
    uploaded = await press(
        site, step2, ("go", "upload"), files=[("a.png", png(1)), ("b.png", png(2))], **typed
    )
    assert uploaded.step == "2", uploaded.html
    async with site.sessions() as s:
        a, b = [i.id for i in await s.scalars(select(Image).order_by(Image.id))]
    assert uploaded.picked() == [a, b]
    assert uploaded.values("title") == ["주간 안내"]  # typed values kept across the upload
    moved = await press(site, uploaded, ("move", f"up:{b}"))
    assert moved.picked() == [b, a]
    step3 = await press(site, moved)
    assert step3.step == "3"
    schedule: dict[str, Any] = {
        "schedule_type": "weekly",
        "schedule_time": "10:00",
        "schedule_weekdays": ["monday", "friday"],
        "valid_from": "2026-12-01T00:00",
        "valid_until": "2027-01-31T23:59",
    }
    refreshed = await press(site, step3, ("go", "refresh"), **schedule)
    # the clock: Thursday 2026-11-26 09:12 in Seoul; the window opens on Tuesday 1 December
    expected = [
        "2026-12-04 (금) 10:00",
        "2026-12-07 (월) 10:00",
        "2026-12-11 (금) 10:00",
        "2026-12-14 (월) 10:00",
        "2026-12-18 (금) 10:00",
    ]
    assert refreshed.step == "3" and refreshed.next_times() == expected
    step4 = await press(site, refreshed)
    assert step4.step == "4" and step4.next_times() == expected[:SHOWN_TIMES]
    bubbles = step4.html.split('class="bubbles"', 1)[1]
    assert "BR1 조직 도매까 강남지점 공지방 안내" in bubbles
    text_at = bubbles.index("bubble text")
    images_at = [bubbles.index(f'alt="{name}"') for name in ("b.png", "a.png")]
    assert text_at < images_at[0] < images_at[1]  # text first, then the images in order
    assert await rows(site) == []  # nothing saved before 등록
    saved = await press(site, step4, ("go", "save"))
    [row] = await rows(site)
    assert saved.status == 303 and saved.location == f"/schedules/{row.id}?saved=1"
    assert row.target_room_id == ROOMS["BR1"] and row.title == "주간 안내"
    assert row.schedule_type == "weekly" and row.schedule_weekdays == {"monday", "friday"}
    assert row.schedule_time == time(10, 0)
    assert row.valid_from == datetime(2026, 12, 1) and row.valid_until == datetime(
        2027, 1, 31, 23, 59
    )
    assert image_ids(row.message_images) == [b, a]
    assert row.message_text == "{지점명} {방이름} 안내" and row.status == "active"
    assert row.next_send_at == datetime(2026, 12, 4, 10, 0)


async def save_campaign(site: Site, **target: Any) -> WizardPage:
    step1 = await open_page(site, "/schedules/new")
    step2 = await press(site, step1, **target)
    step3 = await press(site, step2, title="행사", message_text="{방이름} 행사 안내")
    step4 = await press(site, step3, schedule_type="daily", schedule_time="11:30")
    assert step4.step == "4", step4.html
    return step4


async def test_a_campaign_over_two_rooms_is_two_rows(site: Site) -> None:
    await site.login("AG1")
    step4 = await save_campaign(
        site, target_kind="rooms", target_room_ids=[ROOMS["BR1"], ROOMS["BR2"]]
    )
    previews = step4.html.count('<section class="room-preview"')
    assert previews == 2  # {방이름} renders differently per room
    assert "BR2 공지방 행사 안내" in step4.html
    saved = await press(site, step4, ("go", "save"))
    found = await rows(site)
    assert sorted(r.target_room_id for r in found) == sorted([ROOMS["BR1"], ROOMS["BR2"]])
    async with site.sessions() as s:
        metas = list(await s.scalars(select(ScheduleMeta)))
    assert len({m.campaign_id for m in metas}) == 1 and metas[0].campaign_id is not None
    assert saved.status == 303 and saved.location is not None
    assert saved.location.endswith("?saved=1")


async def test_an_org_target_sends_to_its_live_rooms(site: Site) -> None:
    await site.login("AG1")
    step4 = await save_campaign(site, target_kind="org", target_org="AG1")
    saved = await press(site, step4, ("go", "save"))
    assert saved.status == 303
    found = await rows(site)
    assert sorted(r.target_room_id for r in found) == sorted(
        [ROOMS["AG1"], ROOMS["BR1"], ROOMS["BR2"]]
    )


async def test_errors_are_shown_by_the_field_with_the_values_kept(site: Site) -> None:
    await site.login("BR1")
    step1 = await open_page(site, "/schedules/new")
    step2 = await press(site, step1, target_kind="room", target_room_id=ROOMS["BR1"])
    no_title = await press(site, step2, title="  ", message_text="본문 그대로")
    assert no_title.status == 422 and no_title.step == "2"
    assert "제목" in (no_title.error("title") or "")
    assert 'name="title" value="  " maxlength="255" required aria-invalid="true"' in no_title.html
    assert no_title.values("message_text") == ["본문 그대로"]
    step3 = await press(site, no_title, title="안내")
    bad_time = await press(site, step3, schedule_type="daily", schedule_time="25:00")
    assert bad_time.status == 422 and "시간" in (bad_time.error("schedule_time") or "")
    assert bad_time.values("schedule_time") == ["25:00"]
    weekly = await press(site, bad_time, schedule_type="weekly", schedule_time="09:00")
    assert weekly.status == 422 and "요일" in (weekly.error("schedule_weekdays") or "")
    assert weekly.values("schedule_type") == ["weekly"]
    assert 'class="notice error"' in weekly.html
    past = await press(
        site, weekly, schedule_type="once", schedule_date="2026-11-01", schedule_time="09:00"
    )
    assert past.status == 422 and "이미 지난" in (past.error("schedule_date") or "")
    assert await rows(site) == []


async def test_another_branchs_room_and_schedule_are_refused(site: Site) -> None:
    other = await add_schedule(site.sessions, "BR2 행사", ROOMS["BR2"])
    await site.login("BR1")
    step3 = await to_step_3(site)
    step4 = await press(site, step3, schedule_type="daily", schedule_time="09:00")
    forged = await press(site, step4, ("go", "save"), target_room_id=ROOMS["BR2"])
    assert forged.status == 422 and forged.step == "1"
    assert "방" in (forged.error("target_room_id") or "")
    for path in (f"/schedules/{other}/edit", f"/schedules/new?copy={other}"):
        status, _ = await site.get(path)
        assert status == 404, path
    # a valid form of BR1's own room, posted as an edit of BR2's schedule
    forged_edit = await press(site, replace(step4, action=f"/schedules/{other}"), ("go", "save"))
    assert forged_edit.status == 404
    [row] = [r for r in await rows(site) if r.id == other]
    assert row.title == "BR2 행사" and row.target_room_id == ROOMS["BR2"]


async def test_edit_goes_through_the_service_and_copy_makes_a_new_row(site: Site) -> None:
    mine = await add_schedule(site.sessions, "아침 안내", ROOMS["BR1"])
    await site.login("BR1")
    step1 = await open_page(site, f"/schedules/{mine}/edit")
    assert step1.action == f"/schedules/{mine}" and 'name="target_kind"' in step1.html
    assert 'name="target_room_ids"' not in step1.html  # one room on an edit
    step2 = await press(site, step1)
    assert step2.values("title") == ["아침 안내"]
    step3 = await press(site, step2, title="저녁 안내")
    assert step3.values("schedule_time") == ["09:30"]
    step4 = await press(site, step3, schedule_time="18:00")
    assert "저장" in step4.html
    saved = await press(site, step4, ("go", "save"))
    assert saved.status == 303 and saved.location == f"/schedules/{mine}?saved=1"
    [row] = await rows(site)
    assert row.title == "저녁 안내" and row.schedule_time == time(18, 0)
    async with site.sessions() as s:
        audits = list(await s.scalars(select(AuditEntry).where(AuditEntry.action == "edit")))
    assert [a.entity_id for a in audits] == [str(mine)]

    copy1 = await open_page(site, f"/schedules/new?copy={mine}")
    assert copy1.action == "/schedules"
    copy2 = await press(site, copy1)
    assert copy2.values("title") == ["(복사) 저녁 안내"]
    copy3 = await press(site, copy2)
    copy4 = await press(site, copy3)
    copied = await press(site, copy4, ("go", "save"))
    original, new = await rows(site)
    assert copied.status == 303 and copied.location == f"/schedules/{new.id}?saved=1"
    assert original.id == mine and original.title == "저녁 안내"
    assert new.title == "(복사) 저녁 안내" and new.target_room_id == ROOMS["BR1"]
    assert new.schedule_time == time(18, 0)


async def test_a_post_without_the_csrf_token_is_refused(site: Site) -> None:
    await site.login("BR1")
    step4 = await press(site, await to_step_3(site), schedule_time="09:00")
    refused = await press(site, step4, ("go", "save"), drop=("csrf_token",))
    assert refused.status == 403
    upload = await press(
        site, step4, ("go", "upload"), files=[("a.png", png(1))], drop=("csrf_token",)
    )
    assert upload.status == 403
    assert await rows(site) == [] and await site.image_count() == 0


async def test_library_images_are_added_moved_and_removed(site: Site) -> None:
    theirs = await upload_as(site, "BR2", "남의.png", 3)
    mine = await upload_as(site, "BR1", "내것.png", 4)
    step1 = await open_page(site, "/schedules/new")
    step2 = await press(site, step1, target_kind="room", target_room_id=ROOMS["BR1"])
    assert f'<li data-id="{mine}">' in step2.html  # the library offers only usable images
    assert f'<li data-id="{theirs}">' not in step2.html
    added = await press(site, step2, ("go", "add"), add_image_ids=str(mine), title="안내")
    assert added.picked() == [mine] and added.values("title") == ["안내"]
    both = await press(site, added, ("go", "upload"), files=[("새것.png", png(5))])
    newest = max(both.picked())
    assert both.picked() == [mine, newest]  # an upload goes after the chosen ones
    forged = await press(site, both, image_ids=[str(mine), str(theirs)], message_text="본문")
    refused_image = await press(site, forged, schedule_type="daily", schedule_time="09:00")
    assert refused_image.status == 422 and refused_image.step == "2"
    assert f"{theirs}번 이미지가 없습니다" in (refused_image.error("image_ids") or "")
    assert refused_image.picked() == [mine]  # another branch's image is not shown
    removed = await press(site, both, ("move", f"remove:{mine}"))
    assert removed.picked() == [newest]
    refused = await press(site, removed, ("go", "upload"), files=[("가짜.png", b"not an image")])
    assert refused.status == 422 and "가짜.png" in refused.html
    assert refused.picked() == [newest]


async def upload_as(site: Site, org: str, name: str, seed: int) -> int:
    await site.login(org)
    _, html = await site.get("/images")
    form = FormData()
    form.add_field("csrf_token", csrf_of(html))
    form.add_field("file", png(seed), filename=name, content_type="image/png")
    await site.post("/images", form)
    async with site.sessions() as s:
        return int(await s.scalar(select(Image.id).where(Image.original_name == name)) or 0)
