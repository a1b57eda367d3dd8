"""Every page at a phone's size (390x844) and a desktop's (1280x800) in a real browser, as a
headquarters admin and as a branch admin: no sideways scroll, every touch target at least
44 px high, no script error or failed request; a screenshot of each under tests/artifacts/."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.config import Config
from storage.kbot_models import Admin
from tests.support.browser import (
    SIZES,
    Served,
    add_image,
    launched,
    layout_problems,
    open_page,
    screenshot,
    serve,
)
from tests.support.command_world import ROOMS, USERS, build_world
from tests.support.pages import add_log, add_schedule

pytestmark = pytest.mark.browser

LONG_TITLE = "12월 첫째 주 매장 행사 안내 — 전 품목 할인과 사은품 증정 이벤트 (재고 소진 시 종료)"
ERROR = "재고가 부족한 품목이 있어 일부 메시지를 보내지 못했습니다: 이미지 전송 시간 초과"


async def seed(cfg: Config, sessions: async_sessionmaker[AsyncSession], org: str) -> dict[str, str]:
    """Data that makes every page draw its widest parts (long titles, a failed send with
    its reason, stats rows, an image); the pages of ``org``'s admin by name."""
    ids = await build_world(sessions)
    room = ROOMS[org]
    schedule = await add_schedule(sessions, LONG_TITLE, room)
    await add_schedule(sessions, "꺼 둔 공지", room, status="inactive")
    for day, status in ((20, "success"), (23, "failed"), (25, "success")):
        await add_log(
            sessions,
            schedule,
            room,
            status,
            datetime(2026, 11, day, 9, 30),
            error=ERROR if status == "failed" else None,
        )
    image = await add_image(sessions, cfg, 7, ids[org])
    pages = {
        "dashboard": "/",
        "images": "/images",
        "image-delete": f"/images/{image}/delete",
        "schedules": "/schedules",
        "schedule": f"/schedules/{schedule}",
        "schedule-delete": f"/schedules/{schedule}/delete",
        "wizard": "/schedules/new",
        "wizard-edit": f"/schedules/{schedule}/edit",
        "logs": "/logs",
        "stats": "/stats",
        "reports": "/reports",
    }
    if org == "BR1":
        return pages | {"error": "/access"}  # refused to a branch admin
    async with sessions() as s:
        br1 = await s.scalar(select(Admin.id).where(Admin.kakao_user_id == USERS["BR1"]))
    return pages | {
        "access": "/access",
        "access-confirm": f"/access/admins/{br1}/deactivate",
        "error": "/images/999999/delete",  # not found
    }


@pytest.mark.parametrize("org", ["HQ", "BR1"])
async def test_every_page_fits_a_phone_and_a_desktop(
    org: str,
    chromium: Path,
    cfg: Config,
    sessions: async_sessionmaker[AsyncSession],
    aiohttp_server: Any,
    request: pytest.FixtureRequest,
) -> None:
    pages = await seed(cfg, sessions, org)
    served: Served = await serve(cfg, sessions, aiohttp_server)
    test = request.node.name.replace("[", "-").rstrip("]")
    problems: dict[str, list[str]] = {}
    async with launched(chromium) as browser:
        for size_name, size in SIZES.items():
            watched = await open_page(browser, size)
            watched.expected = lambda url: url.endswith(pages["error"])
            page = watched.page
            await page.goto(f"{served.base}/login-required")
            problems[f"{size_name} login-required"] = await layout_problems(page)
            await screenshot(page, test, f"{size_name}-login-required")
            await page.goto(f"{served.base}/login/{await served.code(org)}")
            problems[f"{size_name} login"] = await layout_problems(page)
            await screenshot(page, test, f"{size_name}-login")
            await page.click("form.login button[type=submit]")
            await page.wait_for_url(f"{served.base}/")
            for name, path in pages.items():
                await page.goto(served.base + path)
                problems[f"{size_name} {name}"] = await layout_problems(page)
                await screenshot(page, test, f"{size_name}-{name}")
            assert await page.locator("h1").first.inner_text() != ""
            assert watched.errors == [], f"{size_name}: {watched.errors}"
            await page.context.close()
    found = {where: found for where, found in problems.items() if found}
    assert found == {}, "\n".join(f"{where}: {', '.join(p)}" for where, p in found.items())
