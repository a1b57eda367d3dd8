"""The permission rule (seed 4.3) walked over the whole table: every actor level x every owner
(including sibling orgs and unregistered rooms) x every operation, on both backends."""

from __future__ import annotations

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.permissions import Operation, PermissionDenied, authorize, visible_org_ids
from storage.admins import get_by_kakao_id
from storage.kbot_models import Admin, Org
from tests.support.command_world import TREE, USERS, build_world


def ancestors(code: str) -> set[str]:
    """``code`` and every org above it, from the test tree alone (not the database)."""
    found = {code}
    parent = TREE[code][1]
    while parent is not None:
        found.add(parent)
        parent = TREE[parent][1]
    return found


# Written out by hand from seed 4.3, so the test does not restate the implementation.
EXPECTED_REACH: dict[str, set[str | None]] = {
    "HQ": {"HQ", "DT1", "DT2", "AG1", "AG2", "BR1", "BR2", "BR3", None},
    "DT1": {"DT1", "AG1", "BR1", "BR2"},
    "DT2": {"DT2", "AG2", "BR3"},
    "AG1": {"AG1", "BR1", "BR2"},
    "AG2": {"AG2", "BR3"},
    "BR1": {"BR1"},
    "BR2": {"BR2"},
    "BR3": {"BR3"},
}


def test_expected_table_matches_the_tree() -> None:
    for actor, reach in EXPECTED_REACH.items():
        below = {code for code in TREE if actor in ancestors(code)}
        assert reach - {None} == below


async def admin_of(s: AsyncSession, code: str) -> Admin:
    return await get_by_kakao_id(s, USERS[code])


async def test_every_actor_owner_operation(sessions: async_sessionmaker[AsyncSession]) -> None:
    ids = await build_world(sessions)
    owners: list[str | None] = [*TREE, None]
    checked = 0
    async with sessions() as s:
        for actor_code, reach in EXPECTED_REACH.items():
            actor = await admin_of(s, actor_code)
            for owner in owners:
                room_org_id = ids[owner] if owner is not None else None
                for operation in Operation:
                    if owner in reach:
                        await authorize(s, actor, operation, room_org_id=room_org_id)
                    else:
                        with pytest.raises(PermissionDenied) as denied:
                            await authorize(s, actor, operation, room_org_id=room_org_id)
                        assert "권한" in denied.value.message
                    checked += 1
    assert checked == len(EXPECTED_REACH) * len(owners) * len(Operation)


async def test_visible_org_ids(sessions: async_sessionmaker[AsyncSession]) -> None:
    ids = await build_world(sessions)
    async with sessions() as s:
        for actor_code, reach in EXPECTED_REACH.items():
            visible = await visible_org_ids(s, await admin_of(s, actor_code))
            if actor_code == "HQ":
                assert visible is None
            else:
                assert visible == {ids[code] for code in reach if code is not None}


@pytest.mark.parametrize("what", ["admin", "org"])
async def test_inactive_admin_or_org_may_do_nothing(
    sessions: async_sessionmaker[AsyncSession], what: str
) -> None:
    ids = await build_world(sessions)
    async with sessions.begin() as s:
        if what == "admin":
            await s.execute(
                update(Admin).where(Admin.kakao_user_id == USERS["DT1"]).values(active=False)
            )
        else:
            await s.execute(update(Org).where(Org.code == "DT1").values(active=False))
    async with sessions() as s:
        actor = await admin_of(s, "DT1")
        for operation in Operation:
            with pytest.raises(PermissionDenied):
                await authorize(s, actor, operation, room_org_id=ids["BR1"])
        assert await visible_org_ids(s, actor) == set()
