"""``/api/admins`` and ``/api/tokens`` through the real app, on SQLite and MariaDB: who sees and
changes whom (seed 4.3: strictly below the caller's org), a deactivated admin's tokens and web
sessions refused at once, one's own tokens listed without the secret and revoked, ids that
cannot exist a 404. Every answer is checked against the OpenAPI document (``Api.call``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from storage import tokens
from storage.kbot_models import Admin, ApiToken
from tests.support.api import Api, make_api
from tests.support.command_world import START, USERS
from tests.support.pages import make_site

SUBTREE = {"AG1": {"AG1", "BR1", "BR2"}, "DT1": {"DT1", "AG1", "BR1", "BR2"}}


async def give_token(api: Api, org: str) -> None:
    """A token for an admin ``make_api`` gave none (DT1)."""
    async with api.sessions.begin() as s:
        _, api.tokens[org] = await tokens.create_token(
            s, kakao_user_id=USERS[org], name="t", at=START, actor="test"
        )


async def admin_id(api: Api, org: str) -> int:
    async with api.sessions() as s:
        found = await s.scalar(select(Admin.id).where(Admin.kakao_user_id == USERS[org]))
    assert found is not None
    return int(found)


async def token_ids(api: Api, org: str) -> list[int]:
    async with api.sessions() as s:
        owner = await s.scalar(select(Admin.id).where(Admin.kakao_user_id == USERS[org]))
        rows = await s.scalars(select(ApiToken.id).where(ApiToken.admin_id == owner))
        return list(rows)


async def active(api: Api, org: str) -> bool:
    async with api.sessions() as s:
        return bool(await s.scalar(select(Admin.active).where(Admin.kakao_user_id == USERS[org])))


async def test_admins_lists_the_callers_subtree_only(
    cfg: Any, sessions: Any, aiohttp_client: Any
) -> None:
    api = await make_api(aiohttp_client, cfg, sessions)
    status, body = await api.call("GET", "/api/admins", "AG1")
    assert status == 200
    assert {a["org_code"] for a in body["admins"]} == SUBTREE["AG1"]
    br1 = next(a for a in body["admins"] if a["org_code"] == "BR1")
    assert br1 | {"id": 0} == {
        "id": 0,
        "kakao_user_id": USERS["BR1"],
        "name": "김지점장",
        "org_code": "BR1",
        "org_name": "BR1 조직",
        "org_type": "branch",
        "active": True,
        "org_active": True,
        "created_at": "2026-11-26T09:12:00+09:00",  # START in the configured zone, any backend
    }
    status, body = await api.call("GET", "/api/admins", "HQ")
    assert status == 200 and len(body["admins"]) == len(USERS)
    status, body = await api.call("GET", "/api/admins", "BR1")  # its own org only
    assert status == 200 and {a["org_code"] for a in body["admins"]} == {"BR1"}


async def test_deactivate_revokes_the_tokens_and_ends_the_web_session(
    cfg: Any, sessions: Any, aiohttp_client: Any
) -> None:
    api = await make_api(aiohttp_client, cfg, sessions)
    site = await make_site(cfg, sessions, aiohttp_client)
    await site.login("BR1")
    cookie = site.session_cookie()
    assert await site.get_as(cookie) == (200, None)
    status, _ = await api.call("GET", "/api/schedules", "BR1")
    assert status == 200

    br1 = await admin_id(api, "BR1")
    status, body = await api.call("POST", f"/api/admins/{br1}/deactivate", "AG1")
    assert status == 200, body
    assert (body["active"], body["changed"], body["revoked_tokens"]) == (False, True, 1)

    status, body = await api.call("GET", "/api/schedules", "BR1")
    assert (status, body["error"]["code"]) == (401, "unauthorized")
    assert (await site.get_as(cookie))[0] == 303  # to the login page

    status, body = await api.call("POST", f"/api/admins/{br1}/deactivate", "AG1")
    assert (status, body["changed"], body["revoked_tokens"]) == (200, False, 0)
    status, body = await api.call("POST", f"/api/admins/{br1}/activate", "AG1")
    assert (status, body["active"], body["changed"]) == (200, True, True)
    assert "revoked_tokens" not in body
    status, _ = await api.call("GET", "/api/schedules", "BR1")
    assert status == 401  # a revoked token stays revoked
    assert (await site.get_as(cookie))[0] == 303  # and so does an ended session


async def test_refusals_change_nothing(cfg: Any, sessions: Any, aiohttp_client: Any) -> None:
    api = await make_api(aiohttp_client, cfg, sessions)
    await give_token(api, "DT1")
    ag1, br1, br3, hq, dt1 = [
        await admin_id(api, org) for org in ("AG1", "BR1", "BR3", "HQ", "DT1")
    ]
    cases = [
        ("AG1", ag1, 409),  # itself
        ("DT1", hq, 404),  # above: not in its subtree
        ("AG1", br3, 404),  # another branch of the tree
        ("AG1", dt1, 404),
        ("BR1", br1, 409),
        ("AG1", 2**31 - 1, 404),
    ]
    for who, target, expected in cases:
        status, body = await api.call("POST", f"/api/admins/{target}/deactivate", who)
        assert status == expected, (who, target, body)
    assert await active(api, "AG1") and await active(api, "HQ") and await active(api, "BR3")


async def test_same_org_and_headquarters_are_refused_with_403(
    cfg: Any, sessions: Any, aiohttp_client: Any
) -> None:
    api = await make_api(aiohttp_client, cfg, sessions)
    async with api.sessions.begin() as s:
        admin = await s.scalar(select(Admin).where(Admin.kakao_user_id == USERS["AG1"]))
        assert admin is not None
        colleague = Admin(kakao_user_id="955555555", org_id=admin.org_id, name="AG1 둘째")
        s.add(colleague)
        await s.flush()
        colleague_id = colleague.id
    status, body = await api.call("POST", f"/api/admins/{colleague_id}/deactivate", "AG1")
    assert (status, body["error"]["code"]) == (403, "forbidden")
    assert "권한" in body["error"]["message"]
    status, body = await api.call("GET", "/api/admins", "AG1")
    assert [a["active"] for a in body["admins"] if a["id"] == colleague_id] == [True]


async def test_distributor_manages_its_subtree(
    cfg: Any, sessions: Any, aiohttp_client: Any
) -> None:
    api = await make_api(aiohttp_client, cfg, sessions)
    await give_token(api, "DT1")
    status, body = await api.call("GET", "/api/admins", "DT1")
    assert {a["org_code"] for a in body["admins"]} == SUBTREE["DT1"]
    ag1 = await admin_id(api, "AG1")
    status, body = await api.call("POST", f"/api/admins/{ag1}/deactivate", "DT1")
    assert (status, body["org_code"], body["active"]) == (200, "AG1", False)
    status, _ = await api.call("GET", "/api/admins", "AG1")
    assert status == 401
    status, body = await api.call("POST", f"/api/admins/{ag1}/activate", "DT1")
    assert (status, body["active"]) == (200, True)


async def test_ids_that_cannot_exist_are_a_404(
    cfg: Any, sessions: Any, aiohttp_client: Any
) -> None:
    api = await make_api(aiohttp_client, cfg, sessions)
    for path in (
        "/api/admins/abc/deactivate",
        "/api/admins/0/activate",
        f"/api/admins/{2**31}/deactivate",
        "/api/admins/-1/deactivate",
        "/api/admins/%EA%B0%80/activate",
    ):
        status, body = await api.call("POST", path, "AG1")
        assert (status, body["error"]["field"]) == (404, "id"), path
    for path in ("/api/tokens/x", "/api/tokens/0", f"/api/tokens/{10**12}"):
        status, body = await api.call("DELETE", path, "AG1")
        assert (status, body["error"]["field"]) == (404, "id"), path


async def test_tokens_are_the_callers_own_without_the_secret(
    cfg: Any, sessions: Any, aiohttp_client: Any
) -> None:
    api = await make_api(aiohttp_client, cfg, sessions)
    status, body = await api.call("GET", "/api/tokens", "AG1")
    assert status == 200
    [token] = body["tokens"]
    assert token["id"] == (await token_ids(api, "AG1"))[0]
    assert set(token) == {"id", "name", "created_at", "last_used_at", "revoked_at"}
    assert token["revoked_at"] is None and token["created_at"].endswith("+09:00")
    raw = await (await api.client.get("/api/tokens", headers=api.auth("AG1"))).text()
    assert api.tokens["AG1"] not in raw and "hash" not in raw

    [other] = await token_ids(api, "BR1")
    status, body = await api.call("DELETE", f"/api/tokens/{other}", "AG1")
    assert (status, body["error"]["code"]) == (404, "not_found")
    status, _ = await api.call("GET", "/api/tokens", "BR1")
    assert status == 200  # BR1's token still works


async def test_revoking_ones_own_token(cfg: Any, sessions: Any, aiohttp_client: Any) -> None:
    api = await make_api(aiohttp_client, cfg, sessions)
    [own] = await token_ids(api, "BR2")
    status, body = await api.call("DELETE", f"/api/tokens/{own}", "BR2")
    assert (status, body["id"], body["changed"]) == (200, own, True)
    assert body["revoked_at"] is not None
    status, _ = await api.call("GET", "/api/tokens", "BR2")
    assert status == 401
    status, _ = await api.call("DELETE", f"/api/tokens/{own}", "BR2")
    assert status == 401
