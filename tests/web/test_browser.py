"""A real browser (Debian chromium through Playwright) against the real app on a real port:
log in with a one-time link, upload two images at once with the form (the preview script
runs under the page's CSP), see them listed with their ids, delete one after confirming, open
the send logs; and, as an agency admin, deactivate a branch admin on 관리자·방 through its
confirmation page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.config import Config
from storage.kbot_models import Admin, Image
from tests.support.browser import logged_in, serve
from tests.support.command_world import USERS, build_world
from tests.support.pages import png

pytestmark = pytest.mark.browser


async def test_login_upload_and_logs_in_a_browser(
    chromium: Path,
    cfg: Config,
    sessions: async_sessionmaker[AsyncSession],
    tmp_path: Path,
    aiohttp_server: Any,
) -> None:
    await build_world(sessions)
    served = await serve(cfg, sessions, aiohttp_server)
    base, code = served.base, await served.code("BR1")
    picture = tmp_path / "행사 안내.png"
    picture.write_bytes(png(5, (64, 48)))
    second = tmp_path / "두번째.png"
    second.write_bytes(png(6, (32, 24)))

    async with logged_in(chromium, base, code) as (page, errors):
        assert "김지점장" in await page.inner_text("h1")

        await page.click("nav >> text=이미지")
        await page.set_input_files("#file", [str(picture), str(second)])
        await page.wait_for_selector("#previews:not([hidden])")  # the preview script ran
        assert await page.locator("#previews img").count() == 2
        await page.click("form.upload button[type=submit]")
        await page.wait_for_url("**/images?uploaded=*")
        async with sessions() as s:
            first, other = list(await s.scalars(select(Image).order_by(Image.id)))
        assert (first.original_name, other.original_name) == ("행사 안내.png", "두번째.png")
        form_line = await page.inner_text("#uploaded-form-line")
        assert form_line == f"이미지: {first.id}, {other.id}"
        listed = page.locator(f'.gallery li[data-id="{first.id}"]')
        assert await listed.locator(".image-id").inner_text() == f"#{first.id}"
        thumbnail = listed.locator("img")
        await thumbnail.scroll_into_view_if_needed()  # loading="lazy": loaded once in view
        assert await thumbnail.evaluate("img => img.decode().then(() => img.naturalWidth)") == 64

        await page.click(f'.gallery li[data-id="{other.id}"] a.delete')
        await page.wait_for_url(f"**/images/{other.id}/delete")
        await page.click("form.actions button[type=submit]")
        await page.wait_for_url(f"**/images?deleted={other.id}")
        assert await page.locator(f'.gallery li[data-id="{other.id}"]').count() == 0
        async with sessions() as s:
            assert await s.get(Image, other.id) is None

        await page.click("nav >> text=발송 로그")
        await page.wait_for_url("**/logs")
        assert await page.inner_text("h1") == "발송 로그"
        assert "조건에 맞는 발송 기록이 없습니다." in await page.inner_text("main")
        assert errors == []  # no CSP violations or script errors


async def test_deactivate_an_admin_on_the_access_page_in_a_browser(
    chromium: Path,
    cfg: Config,
    sessions: async_sessionmaker[AsyncSession],
    aiohttp_server: Any,
) -> None:
    await build_world(sessions)
    served = await serve(cfg, sessions, aiohttp_server)
    base, code = served.base, await served.code("AG1")
    async with sessions() as s:
        br1 = await s.scalar(select(Admin.id).where(Admin.kakao_user_id == USERS["BR1"]))

    async with logged_in(chromium, base, code) as (page, errors):
        await page.click("nav >> text=관리자·방")
        await page.wait_for_url("**/access")
        row = page.locator(f'#admins tr[data-id="{br1}"]')
        assert await row.locator(".state").inner_text() == "활성"
        await row.locator("a.button").click()
        await page.wait_for_url(f"**/access/admins/{br1}/deactivate")
        assert "김지점장" in await page.inner_text("main")
        await page.click("form.actions button[type=submit]")
        await page.wait_for_url("**/access?*")
        assert "비활성화했습니다" in await page.inner_text("#result")
        assert await row.locator(".state").inner_text() == "비활성"
        assert errors == []
