"""Ending web sessions through the real app, on SQLite and MariaDB: logout and deactivation end
every copy of every session cookie of the admin at once, reactivation does not bring old
cookies back, and an ended session's CSRF token is worth nothing."""

from __future__ import annotations

from sqlalchemy import select

from storage import admins
from storage.kbot_models import AuditEntry
from tests.support.command_world import ROOMS, USERS
from tests.support.pages import Site, add_schedule, csrf_of, schedule_status
from web.pages.core import LOGIN_REQUIRED_PATH

ENDED = (303, LOGIN_REQUIRED_PATH)


async def set_active(site: Site, org: str, active: bool) -> None:
    async with site.sessions.begin() as s:
        admin = await admins.get_by_kakao_id(s, USERS[org])
        await admins.set_active(s, admin.id, active, at=site.clock.now(), actor="cli")


async def test_logout_ends_every_copy_of_the_cookie(site: Site) -> None:
    await site.login("AG1")
    other_admin = site.session_cookie()
    await site.login("BR1")
    cookie = site.session_cookie()
    html = await site.login("BR1")  # a second session of the same admin (another browser)
    second = site.session_cookie()
    assert await site.get_as(cookie) == (200, None)

    status, body, _ = await site.post("/logout", {"csrf_token": csrf_of(html)})
    assert status == 200 and "로그아웃했습니다" in body
    assert await site.get_as(cookie) == ENDED  # a copy kept from before the logout
    assert await site.get_as(second) == ENDED  # the session this logout came from
    assert await site.get_as(cookie, "/schedules") == ENDED
    assert await site.get_as(other_admin) == (200, None)  # other admins stay logged in

    async with site.sessions() as s:
        audit = await s.scalar(
            select(AuditEntry).where(
                AuditEntry.action == "end_sessions", AuditEntry.entity_id == USERS["BR1"]
            )
        )
    assert audit is not None and audit.actor.endswith("(김지점장)")
    await site.login("BR1")  # a new login works at once
    assert await site.get_as(site.session_cookie()) == (200, None)


async def test_deactivation_ends_the_sessions_and_reactivation_does_not_revive_them(
    site: Site,
) -> None:
    await site.login("BR1")
    cookie = site.session_cookie()
    await set_active(site, "BR1", False)
    assert await site.get_as(cookie) == ENDED
    await set_active(site, "BR1", True)
    assert await site.get_as(cookie) == ENDED
    await site.login("BR1")
    assert await site.get_as(site.session_cookie()) == (200, None)


async def test_an_ended_sessions_csrf_token_is_useless(site: Site) -> None:
    sid = await add_schedule(site.sessions, "주간 특가", ROOMS["BR1"])
    old_token = csrf_of(await site.login("BR1"))
    old_cookie = site.session_cookie()
    assert (await site.post("/logout", {"csrf_token": old_token}))[0] == 200

    new_token = csrf_of(await site.login("BR1"))
    assert new_token != old_token
    status, body, _ = await site.post(
        f"/schedules/{sid}/toggle", {"on": "0", "csrf_token": old_token}
    )
    assert status == 403 and "보안 토큰" in body

    site.client.session.cookie_jar.clear()
    site.client.session.cookie_jar.update_cookies({"kbot_session": old_cookie})
    status, _, location = await site.post(
        f"/schedules/{sid}/toggle", {"on": "0", "csrf_token": old_token}
    )
    assert (status, location) == ENDED
    assert await schedule_status(site.sessions, sid) == "active"
