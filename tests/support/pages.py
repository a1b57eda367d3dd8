"""Helpers for the web page tests: the app with a client logged in as one of the command
world's admins, schedules and send logs written straight to the tables, one-time login codes,
and a tiny PNG."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from aiohttp import ClientResponse, ClientSession, DummyCookieJar
from aiohttp.test_utils import TestClient
from PIL import Image as PILImage
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.config import Config
from kbot.bootstrap import init_app
from storage import admins, one_time_codes
from storage.kbot_models import Image
from storage.models import Schedule, ScheduleLog
from tests.support.command_world import START, USERS
from tests.support.fakes import FakeClock

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
LOGIN_TOKEN_RE = re.compile(r'name="login_token" value="([^"]+)"')


def quiet(cfg: Config, **server: str) -> Config:
    """``cfg`` with the scheduler off (no sends in page tests) and ``server`` changes."""
    return cfg.model_copy(
        update={
            "scheduler": cfg.scheduler.model_copy(update={"enabled": False}),
            "server": cfg.server.model_copy(update=server),
        }
    )


async def login_code(
    sessions: async_sessionmaker[AsyncSession], kakao_user_id: str, at: datetime, ttl_s: int = 600
) -> str:
    async with sessions.begin() as s:
        admin = await admins.get_by_kakao_id(s, kakao_user_id)
        return await one_time_codes.create_web_login(
            s, admin_id=admin.id, ttl=timedelta(seconds=ttl_s), at=at
        )


async def add_schedule(
    sessions: async_sessionmaker[AsyncSession], title: str, room: str, *, status: str = "active"
) -> int:
    async with sessions.begin() as s:
        row = Schedule(
            title=title,
            created_by_type="headquarters",
            created_by_id="HQ",
            created_by_mb_id="hq",
            target_room_id=room,
            target_room_type="live",
            message_text="안내",
            send_order="text_first",
            send_interval_seconds=1,
            schedule_type="daily",
            schedule_time=time(9, 30),
            valid_from=datetime(2026, 11, 1),
            valid_until=datetime(2027, 12, 31, 23, 59),
            status=status,
            next_send_at=datetime(2026, 11, 27, 9, 30) if status == "active" else None,
            send_count=0,
        )
        s.add(row)
        await s.flush()
        return row.id


async def add_log(
    sessions: async_sessionmaker[AsyncSession],
    schedule_id: int,
    room: str,
    status: str,
    at: datetime,
    error: str | None = None,
) -> int:
    """A ``kb_schedule_logs`` row scheduled at the local naive time ``at``."""
    async with sessions.begin() as s:
        log = ScheduleLog(
            schedule_id=schedule_id,
            target_room_id=room,
            sent_message_text="안내",
            send_order="text_first",
            status=status,
            error_message=error,
            scheduled_at=at,
            started_at=at,
            completed_at=at + timedelta(seconds=1),
            duration_ms=1000,
        )
        s.add(log)
        await s.flush()
        return log.id


async def schedule_status(sessions: async_sessionmaker[AsyncSession], schedule_id: int) -> str:
    async with sessions() as s:
        return str(await s.scalar(select(Schedule.status).where(Schedule.id == schedule_id)))


def csrf_of(html: str) -> str:
    found = CSRF_RE.search(html)
    assert found, "page has no CSRF field"
    return found.group(1)


def login_token_of(html: str) -> str:
    found = LOGIN_TOKEN_RE.search(html)
    assert found, "login page has no login token"
    return found.group(1)


def png(seed: int = 1, size: tuple[int, int] = (24, 16)) -> bytes:
    img = PILImage.new("RGB", size, (seed * 40 % 256, 90, 160))
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


@dataclass
class Site:
    client: TestClient
    cfg: Config
    sessions: async_sessionmaker[AsyncSession]
    clock: FakeClock

    async def login(self, org: str) -> str:
        """Log in as the admin of ``org`` (dropping any earlier session) through the login
        form, as a browser does; the dashboard."""
        self.client.session.cookie_jar.clear()
        code = await login_code(self.sessions, USERS[org], self.clock.now())
        resp = await self.press_login(code, await self.open_link(code))
        assert resp.status == 303 and resp.headers["Location"] == "/"
        page = await self.client.get("/")
        assert page.status == 200
        return await page.text()

    async def open_link(self, code: str) -> str:
        """``GET /login/{code}`` (the jar keeps the pre-login cookie); the form's login token."""
        resp = await self.client.get(f"/login/{code}")
        assert resp.status == 200
        return login_token_of(await resp.text())

    async def open_link_over_https(self, code: str) -> tuple[str, str]:
        """``open_link`` as a browser on https sees it (a proxy in front speaks http to kbot):
        the form token and the ``Cookie`` header that browser sends with the POST (this client,
        on http, keeps Secure cookies to itself)."""
        resp = await self.client.get(f"/login/{code}")
        pre_login = resp.cookies["kbot_login"]
        assert resp.status == 200 and pre_login["secure"]
        return login_token_of(await resp.text()), f"kbot_login={pre_login.value}"

    async def press_login(self, code: str, token: str | None, **headers: str) -> ClientResponse:
        """The login button's ``POST /login/{code}``, with ``token`` (None: no field)."""
        data = {} if token is None else {"login_token": token}
        return await self.client.post(
            f"/login/{code}", data=data, headers=headers, allow_redirects=False
        )

    def session_cookie(self) -> str:
        """The session cookie this client holds now (to copy it elsewhere)."""
        return next(c.value for c in self.client.session.cookie_jar if c.key == "kbot_session")

    async def get_as(self, cookie: str, path: str = "/") -> tuple[int, str | None]:
        """``GET path`` from another browser that holds only the session cookie ``cookie``:
        the status and the redirect target."""
        url = self.client.make_url(path)
        headers = {"Cookie": f"kbot_session={cookie}"}
        async with (
            ClientSession(cookie_jar=DummyCookieJar()) as browser,
            browser.get(url, headers=headers, allow_redirects=False) as resp,
        ):
            return resp.status, resp.headers.get("Location")

    async def get(self, path: str) -> tuple[int, str]:
        resp = await self.client.get(path, allow_redirects=False)
        return resp.status, await resp.text()

    async def post(self, path: str, data: Any) -> tuple[int, str, str | None]:
        resp = await self.client.post(path, data=data, allow_redirects=False)
        return resp.status, await resp.text(), resp.headers.get("Location")

    async def image_count(self) -> int:
        async with self.sessions() as s:
            return await s.scalar(select(func.count()).select_from(Image)) or 0


async def make_site(
    cfg: Config, sessions: async_sessionmaker[AsyncSession], aiohttp_client: Any, **server: str
) -> Site:
    clock = FakeClock(START)
    app = await init_app(quiet(cfg, **server), clock=clock)
    return Site(await aiohttp_client(app), cfg, sessions, clock)
