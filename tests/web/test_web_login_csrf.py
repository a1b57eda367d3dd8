"""Login CSRF through the real app, on SQLite and MariaDB: ``POST /login/{code}`` logs a
browser in only with the pre-login cookie and the form's token from opening that link in that
browser, and never from a foreign ``Origin``; a refused POST leaves the one-time code unused."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.config import Config
from tests.support.command_world import USERS, build_world
from tests.support.pages import Site, login_code, make_site
from web.pages.login_guard import TTL_S

REFUSED = "로그인 링크를 이 브라우저에서 다시 열고"


async def refused(site: Site, code: str, token: str | None, **headers: str) -> None:
    """The login POST is refused with the Korean page and gives no session."""
    resp = await site.press_login(code, token, **headers)
    html = await resp.text()
    assert resp.status == 403, html
    assert "로그인을 확인할 수 없습니다" in html and REFUSED in html and "Traceback" not in html
    assert "kbot_session" not in resp.cookies
    assert (await site.get("/"))[0] == 303


async def logs_in(site: Site, code: str, token: str, **headers: str) -> None:
    resp = await site.press_login(code, token, **headers)
    assert (resp.status, resp.headers.get("Location")) == (303, "/")
    assert "kbot_session" in resp.cookies


async def test_login_needs_the_cookie_and_token_of_this_link_in_this_browser(site: Site) -> None:
    code = await login_code(site.sessions, USERS["BR1"], site.clock.now(), ttl_s=2 * TTL_S)
    other = await login_code(site.sessions, USERS["HQ"], site.clock.now())

    await refused(site, code, None)  # a bare cross-site form post: no cookie, no token
    token = await site.open_link(code)
    await refused(site, code, None)  # the cookie alone
    await refused(site, code, token[:-1] + ("0" if token[-1] != "0" else "1"))
    await refused(site, code, await site.open_link(other))  # the token of another link
    site.client.session.cookie_jar.clear()
    await refused(site, code, token)  # the token without its cookie (an attacker's own)

    token = await site.open_link(code)
    await site.clock.advance(TTL_S + 1)
    await refused(site, code, token)  # the form stood open too long

    await logs_in(site, code, await site.open_link(code))  # the code was never used up
    assert (await site.get("/"))[0] == 200

    site.client.session.cookie_jar.clear()  # two links open in two tabs of one browser
    first = await login_code(site.sessions, USERS["AG1"], site.clock.now())
    first_token = await site.open_link(first)
    await site.open_link(await login_code(site.sessions, USERS["BR2"], site.clock.now()))
    await logs_in(site, first, first_token)  # the second tab did not undo the first


async def test_a_foreign_origin_cannot_log_in(site: Site) -> None:
    code = await login_code(site.sessions, USERS["BR1"], site.clock.now())
    token = await site.open_link(code)
    await refused(site, code, token, Origin="https://evil.example")
    await refused(site, code, token, Origin="null")
    await refused(site, code, token, Origin="http://127.0.0.1:1")
    own = str(site.client.make_url("/").origin())
    await logs_in(site, code, token, Origin=own)


async def test_behind_https_the_public_origin_counts(
    cfg: Config, sessions: async_sessionmaker[AsyncSession], aiohttp_client: Any
) -> None:
    await build_world(sessions)
    site = await make_site(cfg, sessions, aiohttp_client, public_url="https://kbot.example.com")
    code = await login_code(sessions, USERS["HQ"], site.clock.now())
    token, cookie = await site.open_link_over_https(code)
    site.client.session.cookie_jar.clear()
    await refused(site, code, token, Origin="https://evil.example", Cookie=cookie)
    await logs_in(site, code, token, Origin="https://kbot.example.com", Cookie=cookie)


async def test_pre_login_cookie_is_short_lived_and_scoped(site: Site) -> None:
    code = await login_code(site.sessions, USERS["BR1"], site.clock.now())
    opened = await site.client.get(f"/login/{code}")
    assert opened.headers["Referrer-Policy"] == "same-origin"  # the POST shows its Origin
    pre_login = opened.cookies["kbot_login"]
    assert pre_login["httponly"] and pre_login["samesite"] == "Strict"
    assert pre_login["path"] == "/login/" and int(pre_login["max-age"]) == TTL_S
    assert not pre_login["secure"]  # public_url is http here
    resp = await site.press_login(code, await site.open_link(code))
    assert resp.status == 303 and resp.cookies["kbot_login"]["max-age"] == "0"
