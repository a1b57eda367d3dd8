"""The schedule list, a schedule's page and its delete confirmation in a real browser at a
phone's width (390 px): no horizontal scroll, every button at least 44 px high, no console
or CSP error."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.config import Config
from kbot.bootstrap import init_app
from tests.support.browser import PHONE, layout_problems, logged_in
from tests.support.command_world import ROOMS, START, USERS, build_world
from tests.support.fakes import FakeClock
from tests.support.pages import Site, add_log, login_code, quiet
from tests.web.test_schedule_page import add_test_room, create

pytestmark = pytest.mark.browser

LONG = "아주 긴 제목입니다 " * 12 + "x" * 80  # a title without spaces must wrap too


async def test_schedule_pages_fit_a_phone(
    chromium: Path,
    cfg: Config,
    sessions: async_sessionmaker[AsyncSession],
    aiohttp_server: Any,
    aiohttp_client: Any,
) -> None:
    await build_world(sessions)
    clock = FakeClock(START)
    app = await init_app(quiet(cfg), clock=clock)
    server = await aiohttp_server(app, host="127.0.0.1")
    site = Site(await aiohttp_client(server), cfg, sessions, clock)
    await add_test_room(site)
    sid = await create(site, title=LONG, message_text="안내 " * 50 + "y" * 120)
    for hour in range(9, 12):
        await add_log(sessions, sid, ROOMS["BR1"], "failed", datetime(2026, 11, 25, hour), "z" * 90)
    base = str(server.make_url("")).rstrip("/")
    code = await login_code(sessions, USERS["BR1"], clock.now())
    async with logged_in(chromium, base, code) as (page, errors):
        await page.set_viewport_size(PHONE)
        for path in ("/schedules", f"/schedules/{sid}", f"/schedules/{sid}/delete"):
            await page.goto(base + path)
            assert await page.locator("main button").count() > 0, path
            assert await layout_problems(page) == [], path
        assert errors == []
