"""The admin web page through the real app: one-time login links, the session cookie, login
required everywhere, logout, CSRF on every form, and escaping."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import FormData
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.config import Config
from tests.support.command_world import ROOMS, USERS, build_world
from tests.support.pages import (
    Site,
    add_log,
    add_schedule,
    csrf_of,
    login_code,
    make_site,
    png,
    schedule_status,
)

PAGES = ["/", "/images", "/schedules", "/logs", "/stats"]
SECRET = "test-secret-key-0123456789"


async def test_login_link_works_once_then_fails(site: Site) -> None:
    code = await login_code(site.sessions, USERS["BR1"], site.clock.now())
    for _ in range(2):  # opening the link (or a chat link preview) does not use the code
        status, html = await site.get(f"/login/{code}")
        assert status == 200 and f'action="/login/{code}"' in html
        opened = await site.client.get(f"/login/{code}")
        assert "kbot_session" not in opened.cookies
    resp = await site.press_login(code, await site.open_link(code))
    assert resp.status == 303 and resp.headers["Location"] == "/"
    cookie = resp.cookies["kbot_session"].OutputString()
    assert cookie.startswith("kbot_session=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # public_url is http here
    status, html = await site.get("/")
    assert status == 200 and "김지점장" in html and SECRET not in html

    site.client.session.cookie_jar.clear()
    resp = await site.press_login(code, await site.open_link(code))
    status, html = resp.status, await resp.text()
    assert status == 410
    assert "이미 사용했거나 유효 시간이 지난 링크" in html and "!웹" in html
    assert "Traceback" not in html
    assert (await site.get("/"))[0] == 303  # the reused link gave no session

    late = await login_code(site.sessions, USERS["BR1"], site.clock.now(), ttl_s=60)
    await site.clock.advance(61)
    assert (await site.press_login(late, await site.open_link(late))).status == 410
    status, html = await site.get("/login/" + "x" * 500)
    assert status == 400 and "로그인 링크" in html


async def test_cookie_is_secure_behind_https(
    cfg: Config, sessions: async_sessionmaker[AsyncSession], aiohttp_client: Any
) -> None:
    await build_world(sessions)
    site = await make_site(cfg, sessions, aiohttp_client, public_url="https://kbot.example.com")
    code = await login_code(sessions, USERS["HQ"], site.clock.now())
    token, pre_login = await site.open_link_over_https(code)
    resp = await site.press_login(code, token, Cookie=pre_login)
    assert resp.status == 303
    cookie = resp.cookies["kbot_session"].OutputString()
    assert "Secure" in cookie and "HttpOnly" in cookie


async def test_every_page_needs_the_session(site: Site) -> None:
    for path in PAGES:
        status, _ = await site.get(path)
        assert status == 303, path
    resp = await site.client.get("/schedules")  # follows the redirect
    html = await resp.text()
    assert resp.status == 200 and "로그인 필요" in html and "'!웹'" not in html and "!웹" in html

    await site.login("BR1")
    jar = site.client.session.cookie_jar
    value = next(c.value for c in jar if c.key == "kbot_session")
    admin_part = value.split(".")
    admin_part[1] = "1"  # claim to be admin #1 (headquarters) with BR1's signature
    jar.clear()
    site.client.session.cookie_jar.update_cookies({"kbot_session": ".".join(admin_part)})
    assert (await site.get("/"))[0] == 303

    await site.login("BR1")
    await site.clock.advance(site.cfg.web.session_ttl_s + 1)
    assert (await site.get("/logs"))[0] == 303  # the session expired


async def test_logout_ends_the_session(site: Site) -> None:
    html = await site.login("AG1")
    status, body, _ = await site.post("/logout", {"csrf_token": csrf_of(html)})
    assert status == 200 and "로그아웃했습니다" in body
    assert (await site.get("/"))[0] == 303


async def test_post_without_csrf_token_is_refused(site: Site) -> None:
    sid = await add_schedule(site.sessions, "주간 특가", ROOMS["BR1"])
    html = await site.login("BR1")
    token = csrf_of(html)
    for data in ({"on": "0"}, {"on": "0", "csrf_token": token[:-1] + "x"}):
        status, body, _ = await site.post(f"/schedules/{sid}/toggle", data)
        assert status == 403 and "보안 토큰" in body
    assert await schedule_status(site.sessions, sid) == "active"
    assert (await site.post("/logout", {}))[0] == 403
    form = FormData()
    form.add_field("file", png(), filename="a.png", content_type="image/png")
    assert (await site.post("/images", form))[0] == 403
    assert await site.image_count() == 0

    status, _, location = await site.post(
        f"/schedules/{sid}/toggle", {"on": "0", "csrf_token": token}
    )
    assert (status, location) == (303, "/schedules")
    assert await schedule_status(site.sessions, sid) == "inactive"

    await site.login("AG1")  # another session: BR1's token is not valid in it
    status, _, _ = await site.post(f"/schedules/{sid}/toggle", {"on": "1", "csrf_token": token})
    assert status == 403


async def test_schedule_title_is_escaped(site: Site) -> None:
    payload = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    sid = await add_schedule(site.sessions, payload, ROOMS["BR1"])
    await add_log(site.sessions, sid, ROOMS["BR1"], "failed", datetime(2026, 11, 26, 9, 0), payload)
    await site.login("BR1")
    for path in ("/schedules", "/logs", "/"):
        status, html = await site.get(path)
        assert status == 200
        assert "<script>alert" not in html and "<img src=x" not in html, path
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html, path
