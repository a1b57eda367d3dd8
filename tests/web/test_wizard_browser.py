"""The wizard's script in a real browser (Debian chromium) under the page's CSP: the variable
buttons insert at the cursor, dragging reorders the picked images (and what is posted), the
fields of the other kinds are hidden; the page fits 390 px; the row saved is the one shown."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Page
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.config import Config
from storage.image_uses import image_ids
from storage.kbot_models import Image
from storage.models import Schedule
from tests.support.browser import DESKTOP, PHONE, layout_problems, logged_in, serve
from tests.support.command_world import ROOMS, build_world
from tests.support.pages import png

pytestmark = pytest.mark.browser


async def fits(page: Page) -> bool:
    return await layout_problems(page) == []


async def test_wizard_with_its_script_in_a_browser(
    chromium: Path,
    cfg: Config,
    sessions: async_sessionmaker[AsyncSession],
    tmp_path: Path,
    aiohttp_server: Any,
) -> None:
    await build_world(sessions)
    served = await serve(cfg, sessions, aiohttp_server)
    base, code = served.base, await served.code("BR1")
    files = []
    for index, name in enumerate(("첫째.png", "둘째.png")):
        path = tmp_path / name
        path.write_bytes(png(index + 1, (40, 30)))
        files.append(str(path))

    async with logged_in(chromium, base, code) as (page, errors):
        await page.set_viewport_size(PHONE)
        await page.goto(f"{base}/schedules/new")
        assert await page.is_hidden("select[name=target_org]")  # one room is chosen
        await page.check("input[name=target_kind][value=org]")
        assert await page.is_visible("select[name=target_org]")
        await page.check("input[name=target_kind][value=room]")
        await page.select_option("select[name=target_room_id]", ROOMS["BR1"])
        assert await fits(page)
        await page.click("button[name=go][value=next]")
        await page.wait_for_selector("form.wizard[data-step='2']")

        await page.fill("input[name=title]", "브라우저 안내")
        await page.fill("textarea[name=message_text]", "안녕하세요 !")
        await page.evaluate(
            "() => { const t = document.querySelector('textarea[name=message_text]');"
            " t.focus(); t.setSelectionRange(6, 6); }"
        )
        await page.click('button.var[data-var="{방이름}"]')
        typed = await page.input_value("textarea[name=message_text]")
        assert typed == "안녕하세요 {방이름}!"
        await page.set_input_files("#file", files)
        await page.click("button[name=go][value=upload]")
        await page.wait_for_selector("ol.picked > li:nth-child(2)")
        async with sessions() as s:
            first, second = [i.id for i in await s.scalars(select(Image).order_by(Image.id))]
        assert await fits(page)

        await page.set_viewport_size(DESKTOP)
        await page.locator(f'ol.picked li[data-id="{second}"]').drag_to(
            page.locator(f'ol.picked li[data-id="{first}"]'), target_position={"x": 5, "y": 2}
        )
        order = await page.eval_on_selector_all(
            "ol.picked input[name=image_ids]", "inputs => inputs.map(i => i.value)"
        )
        assert order == [str(second), str(first)]
        await page.set_viewport_size(PHONE)
        await page.click("button[name=go][value=next]")
        await page.wait_for_selector("form.wizard[data-step='3']")

        await page.check("input[name=schedule_type][value=daily]")
        assert await page.is_hidden("input[name=schedule_weekdays][value=monday]")
        assert await page.is_hidden("input[name=schedule_date]")
        await page.check("input[name=schedule_type][value=weekly]")
        assert await page.is_visible("input[name=schedule_weekdays][value=monday]")
        await page.check("input[name=schedule_weekdays][value=monday]")
        await page.fill("input[name=schedule_time]", "08:00")
        await page.click("button[name=go][value=refresh]")
        await page.wait_for_selector("ol.next-times > li")
        assert await page.locator("ol.next-times > li").count() == 5
        assert await page.inner_text("ol.next-times > li >> nth=0") == "2026-11-30 (월) 08:00"
        assert await fits(page)
        await page.click("button[name=go][value=next]")
        await page.wait_for_selector("form.wizard[data-step='4']")

        bubbles = page.locator("section.room-preview .bubbles > .bubble")
        assert await bubbles.count() == 3
        assert await bubbles.nth(0).inner_text() == "안녕하세요 도매까 강남지점 공지방!"
        assert await page.get_attribute(".bubble.image >> nth=0 >> img", "alt") == "둘째.png"
        assert await fits(page)
        assert errors == []  # no CSP violations or script errors
        await page.click("button[name=go][value=save]")
        await page.wait_for_url("**/schedules/*?saved=1")
        async with sessions() as s:
            [row] = list(await s.scalars(select(Schedule)))
        assert row.title == "브라우저 안내" and row.message_text == "안녕하세요 {방이름}!"
        assert image_ids(row.message_images) == [second, first]
        assert row.schedule_weekdays == {"monday"}
