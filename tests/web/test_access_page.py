"""The 관리자·방 page (``/access``) through the real app, on SQLite and MariaDB: what each
viewer sees, every change through its confirmation page and CSRF form, refusals that change
nothing, a deactivated admin logged out at once, and everything escaped."""

from __future__ import annotations

import re

from sqlalchemy import select

from storage import tokens
from storage.kbot_models import Admin, ApiToken, Room
from tests.support.command_world import ROOMS, START, USERS
from tests.support.pages import Site, csrf_of
from web.pages.core import LOGIN_REQUIRED_PATH

NAV = '<a href="/access">'


async def admin_id(site: Site, org: str) -> int:
    async with site.sessions() as s:
        found = await s.scalar(select(Admin.id).where(Admin.kakao_user_id == USERS[org]))
    assert found is not None
    return int(found)


async def admin_active(site: Site, org: str) -> bool:
    async with site.sessions() as s:
        return bool(await s.scalar(select(Admin.active).where(Admin.kakao_user_id == USERS[org])))


async def room_active(site: Site, org: str) -> bool:
    async with site.sessions() as s:
        return bool(await s.scalar(select(Room.active).where(Room.chat_id == ROOMS[org])))


async def add_token(site: Site, org: str, name: str = "배포용") -> int:
    async with site.sessions.begin() as s:
        row, _ = await tokens.create_token(
            s, kakao_user_id=USERS[org], name=name, at=START, actor="test"
        )
        return row.id


async def confirm_and_post(site: Site, path: str) -> tuple[int, str, str | None]:
    """Open the confirmation page at ``path``, then press its button (the form's CSRF)."""
    status, html = await site.get(path)
    assert status == 200, html
    assert f'action="{path}"' in html
    return await site.post(path, {"csrf_token": csrf_of(html)})


def row_of(html: str, table: str, key: str) -> str:
    """The ``<tr>`` of ``table`` whose data attribute is ``key``."""
    section = html.split(f'id="{table}"', 1)[1].split("</table>", 1)[0]
    found = re.search(rf'<tr data-[a-z-]+="{re.escape(key)}">(.*?)</tr>', section, re.DOTALL)
    assert found, f"no row {key} in {table}"
    return found.group(1)


async def test_agency_sees_its_subtree_and_the_nav_link(site: Site) -> None:
    html = await site.login("AG1")
    assert NAV in html
    status, html = await site.get("/access")
    assert status == 200 and "관리자·방" in html
    admins = html.split('id="admins"', 1)[1].split("</table>", 1)[0]
    rooms = html.split('id="rooms"', 1)[1].split("</table>", 1)[0]
    for org in ("AG1", "BR1", "BR2"):
        assert USERS[org] in admins and ROOMS[org] in rooms
    for org in ("HQ", "DT1", "DT2", "AG2", "BR3"):
        assert USERS[org] not in admins and ROOMS[org] not in rooms
    ag1, br1 = await admin_id(site, "AG1"), await admin_id(site, "BR1")
    assert "활성" in row_of(html, "admins", str(br1))
    assert f"/access/admins/{br1}/deactivate" in html
    assert f"/access/admins/{ag1}/" not in html  # no button for itself
    assert "운영" in row_of(html, "rooms", ROOMS["BR1"])


async def test_distributor_sees_its_subtree_only(site: Site) -> None:
    await site.login("DT1")
    status, html = await site.get("/access")
    assert status == 200
    for org in ("DT1", "AG1", "BR1", "BR2"):
        assert USERS[org] in html
    for org in ("HQ", "DT2", "AG2", "BR3"):
        assert USERS[org] not in html and ROOMS[org] not in html


async def test_branch_gets_no_link_and_a_403(site: Site) -> None:
    html = await site.login("BR1")
    assert NAV not in html
    br2 = await admin_id(site, "BR2")
    for path in (
        "/access",
        f"/access/admins/{br2}/deactivate",
        f"/access/rooms/{ROOMS['BR1']}/deactivate",
    ):
        status, html = await site.get(path)
        assert status == 403 and "권한이 없습니다" in html, path
    status, _, _ = await site.post(
        f"/access/rooms/{ROOMS['BR1']}/deactivate", {"csrf_token": csrf_of(html)}
    )
    assert status == 403 and await room_active(site, "BR1")


async def test_deactivating_an_admin_logs_it_out_and_activating_brings_it_back(
    site: Site,
) -> None:
    await site.login("BR1")
    br1_cookie = site.session_cookie()
    await add_token(site, "BR1")
    await site.login("AG1")
    br1 = await admin_id(site, "BR1")
    status, html = await site.get(f"/access/admins/{br1}/deactivate")
    assert status == 200 and "김지점장" in html and "비활성화" in html
    assert await admin_active(site, "BR1")  # the GET changes nothing

    status, _, location = await site.post(
        f"/access/admins/{br1}/deactivate", {"csrf_token": csrf_of(html)}
    )
    assert status == 303 and location is not None and location.startswith("/access?")
    assert not await admin_active(site, "BR1")
    assert await site.get_as(br1_cookie) == (303, LOGIN_REQUIRED_PATH)
    async with site.sessions() as s:
        revoked = await s.scalars(select(ApiToken.revoked_at).where(ApiToken.admin_id == br1))
        assert all(at is not None for at in revoked)
    status, html = await site.get(location)
    assert "관리자 김지점장을 비활성화했습니다" in html and "API 토큰 1개 폐기" in html
    assert "비활성" in row_of(html, "admins", str(br1))
    assert f"/access/admins/{br1}/activate" in html

    status, _, location = await confirm_and_post(site, f"/access/admins/{br1}/activate")
    assert status == 303 and await admin_active(site, "BR1")
    status, html = await site.get(location or "")
    assert "관리자 김지점장을 활성화했습니다" in html
    assert await site.get_as(br1_cookie) == (303, LOGIN_REQUIRED_PATH)  # old cookie stays dead


async def test_rooms_turn_off_and_on(site: Site) -> None:
    await site.login("AG1")
    path = f"/access/rooms/{ROOMS['BR2']}/deactivate"
    status, _, location = await confirm_and_post(site, path)
    assert status == 303 and not await room_active(site, "BR2")
    status, html = await site.get(location or "")
    assert "방 BR2 공지방을 비활성화했습니다" in html
    assert "비활성" in row_of(html, "rooms", ROOMS["BR2"])
    status, _, location = await confirm_and_post(site, path)  # again: nothing to change
    status, html = await site.get(location or "")
    assert "이미 그 상태라 바뀐 것이 없습니다" in html
    status, _, _ = await confirm_and_post(site, f"/access/rooms/{ROOMS['BR2']}/activate")
    assert status == 303 and await room_active(site, "BR2")


async def test_own_token_is_listed_and_revoked(site: Site) -> None:
    own = await add_token(site, "AG1", "<b>배포</b>")
    other = await add_token(site, "BR1")
    await site.login("AG1")
    status, html = await site.get("/access")
    row = row_of(html, "tokens", str(own))
    assert "&lt;b&gt;배포&lt;/b&gt;" in row and "<b>" not in row  # escaped
    assert "2026-11-26 09:12" in row  # START in Asia/Seoul
    assert f'data-id="{other}"' not in html.split('id="tokens"', 1)[1]
    status, html = await site.get(f"/access/tokens/{other}/revoke")
    assert status == 404
    status, _, location = await confirm_and_post(site, f"/access/tokens/{own}/revoke")
    assert status == 303
    status, html = await site.get(location or "")
    assert f"API 토큰 #{own}" in html and "폐기했습니다" in html
    assert f"/access/tokens/{own}/revoke" not in html
    async with site.sessions() as s:
        other_row = await s.get(ApiToken, other)
        assert other_row is not None and other_row.revoked_at is None


async def test_refusals_render_an_error_and_change_nothing(site: Site) -> None:
    html = await site.login("AG1")
    csrf = {"csrf_token": csrf_of(html)}
    ag1, br3, dt1 = [await admin_id(site, org) for org in ("AG1", "BR3", "DT1")]
    status, page, _ = await site.post(f"/access/admins/{ag1}/deactivate", csrf)
    assert status == 400 and "자기 자신" in page  # itself
    for target in (br3, dt1):  # outside its subtree
        status, page, _ = await site.post(f"/access/admins/{target}/deactivate", csrf)
        assert status == 404 and "찾을 수 없습니다" in page
        status, _ = await site.get(f"/access/admins/{target}/deactivate")
        assert status == 404
    status, page, _ = await site.post(f"/access/rooms/{ROOMS['BR3']}/deactivate", csrf)
    assert status == 404
    async with site.sessions.begin() as s:
        me = await s.get(Admin, ag1)
        assert me is not None
        s.add(Admin(kakao_user_id="966666666", org_id=me.org_id, name="AG1 둘째"))
    async with site.sessions() as s:
        colleague = await s.scalar(select(Admin.id).where(Admin.kakao_user_id == "966666666"))
    status, page, _ = await site.post(f"/access/admins/{colleague}/deactivate", csrf)
    assert status == 403 and "권한" in page  # its own org
    assert await admin_active(site, "AG1") and await admin_active(site, "BR3")
    assert await admin_active(site, "DT1") and await room_active(site, "BR3")
    async with site.sessions() as s:
        assert await s.scalar(select(Admin.active).where(Admin.id == colleague))


async def test_without_csrf_nothing_changes(site: Site) -> None:
    html = await site.login("AG1")
    br1 = await admin_id(site, "BR1")
    own = await add_token(site, "AG1")
    for path, data in (
        (f"/access/admins/{br1}/deactivate", {}),
        (f"/access/admins/{br1}/deactivate", {"csrf_token": "x" * 40}),
        (f"/access/rooms/{ROOMS['BR1']}/deactivate", {}),
        (f"/access/tokens/{own}/revoke", {}),
    ):
        status, page, _ = await site.post(path, data)
        assert status == 403 and "보안 토큰" in page, path
    assert await admin_active(site, "BR1") and await room_active(site, "BR1")
    async with site.sessions() as s:
        token = await s.get(ApiToken, own)
        assert token is not None and token.revoked_at is None
    status, _, _ = await site.post(
        f"/access/rooms/{ROOMS['BR1']}/deactivate", {"csrf_token": csrf_of(html)}
    )
    assert status == 303 and not await room_active(site, "BR1")


async def test_names_are_escaped(site: Site) -> None:
    async with site.sessions.begin() as s:
        room = await s.scalar(select(Room).where(Room.chat_id == ROOMS["BR1"]))
        assert room is not None
        room.name = '<script>alert("x")</script>'
    await site.login("AG1")
    status, html = await site.get("/access")
    assert status == 200 and "<script>" not in html
    assert "&lt;script&gt;" in html
    status, html = await site.get(f"/access/rooms/{ROOMS['BR1']}/deactivate")
    assert status == 200 and "<script>" not in html and "&lt;script&gt;" in html


async def test_the_result_line_names_only_what_the_viewer_sees(site: Site) -> None:
    await site.login("AG1")
    br3 = await admin_id(site, "BR3")
    status, html = await site.get(f"/access?done=admin-deactivate&id={br3}&changed=1")
    assert status == 200 and 'id="result"' not in html
    status, html = await site.get("/access?done=<x>&id=1&changed=1")
    assert status == 200 and 'id="result"' not in html
