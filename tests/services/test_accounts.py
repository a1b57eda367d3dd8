"""The access service on both backends: who may list, deactivate and reactivate whom, what a
deactivation takes away (sessions, tokens) and leaves (schedules), org subtrees, room moves,
token revocation and invites; every refusal changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from commands.identity import IdentityCache
from services import access_events
from services.accounts import AccessService
from services.errors import Conflict, Invalid, NotFound
from services.permissions import PermissionDenied, visible_org_ids
from storage import admins, one_time_codes, orgs, tokens
from storage.engine import ReadSessions
from storage.kbot_models import Admin, ApiToken, AuditEntry, Org, Room
from tests.support.command_world import ROOMS, START, USERS, build_world
from tests.support.fakes import FakeClock


@pytest.fixture
async def world(sessions: async_sessionmaker[AsyncSession]) -> dict[str, int]:
    return await build_world(sessions)


@pytest.fixture
def access(sessions: async_sessionmaker[AsyncSession]) -> AccessService:
    return AccessService(sessions, sessions, FakeClock())


async def admin(sessions: async_sessionmaker[AsyncSession], code: str) -> Admin:
    async with sessions() as s:
        return await admins.get_by_kakao_id(s, USERS[code])


async def audit_rows(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as s:
        return int(await s.scalar(select(func.count(AuditEntry.id))) or 0)


async def test_each_admin_lists_its_own_subtree(
    sessions: async_sessionmaker[AsyncSession], world: dict[str, int], access: AccessService
) -> None:
    everyone = {v.org_code for v in await access.list_admins(None)}
    assert everyone == set(USERS)
    hq = {v.org_code for v in await access.list_admins(await admin(sessions, "HQ"))}
    assert hq == set(USERS)
    dt1 = {v.org_code for v in await access.list_admins(await admin(sessions, "DT1"))}
    assert dt1 == {"DT1", "AG1", "BR1", "BR2"}
    br1 = {v.org_code for v in await access.list_admins(await admin(sessions, "BR1"))}
    assert br1 == {"BR1"}
    rooms = {v.chat_id for v in await access.list_rooms(await admin(sessions, "AG1"))}
    assert rooms == {ROOMS["AG1"], ROOMS["BR1"], ROOMS["BR2"]}


async def test_deactivation_ends_sessions_revokes_tokens_and_keeps_the_org_schedules(
    sessions: async_sessionmaker[AsyncSession], world: dict[str, int], access: AccessService
) -> None:
    async with sessions.begin() as s:
        _, plain = await tokens.create_token(
            s, kakao_user_id=USERS["BR1"], name="erp", at=START, actor="test"
        )
    before = await admin(sessions, "BR1")
    generation = access_events.generation()
    done = await access.set_admin_active(await admin(sessions, "AG1"), USERS["BR1"], False)
    assert done.changed and done.revoked_tokens == 1 and not done.value.active
    assert access_events.generation() == generation + 1
    after = await admin(sessions, "BR1")
    assert not after.active and after.session_epoch == before.session_epoch + 1
    async with sessions.begin() as s:
        assert await tokens.admin_for_token(s, plain, at=START) is None
        assert await visible_org_ids(s, after) == set()
    again = await access.set_admin_active(None, USERS["BR1"], True)
    assert again.changed and again.value.acting
    async with sessions.begin() as s:
        assert await tokens.admin_for_token(s, plain, at=START) is None  # revoked for good
        actions = list(
            await s.scalars(
                select(AuditEntry.action).where(
                    AuditEntry.entity == "admin", AuditEntry.entity_id == USERS["BR1"]
                )
            )
        )
    assert actions.count("deactivate") == 1 and actions.count("activate") == 1
    unchanged = await access.set_admin_active(None, USERS["BR1"], True)
    assert not unchanged.changed


@pytest.mark.parametrize(
    ("actor", "target", "error", "words"),
    [
        ("AG1", "AG1", Conflict, "자기 자신"),
        ("DT1", "DT2", NotFound, "볼 수 없는"),
        ("BR1", "BR2", NotFound, "볼 수 없는"),
        ("DT1", "DT1", Conflict, "자기 자신"),
        ("HQ", "HQ", Conflict, "자기 자신"),
    ],
)
async def test_refusals_change_nothing(
    sessions: async_sessionmaker[AsyncSession],
    world: dict[str, int],
    access: AccessService,
    actor: str,
    target: str,
    error: type[Exception],
    words: str,
) -> None:
    audited = await audit_rows(sessions)
    with pytest.raises(error, match=words):
        await access.set_admin_active(await admin(sessions, actor), USERS[target], False)
    assert (await admin(sessions, target)).active
    assert await audit_rows(sessions) == audited


async def test_colleagues_and_unknown_or_non_numeric_ids_are_refused(
    sessions: async_sessionmaker[AsyncSession], world: dict[str, int], access: AccessService
) -> None:
    async with sessions.begin() as s:
        await admins.add_admin(
            s, kakao_user_id="555000555", org_code="AG1", name="동료", at=START, actor="test"
        )
    ag1 = await admin(sessions, "AG1")
    with pytest.raises(PermissionDenied, match="권한"):
        await access.set_admin_active(ag1, "555000555", False)
    with pytest.raises(NotFound, match="볼 수 없는"):
        await access.set_admin_active(ag1, "999999999", False)
    with pytest.raises(Invalid, match="숫자 ID") as raised:
        await access.set_admin_active(ag1, "김지점장", False)
    assert raised.value.field == "kakao_user_id"
    with pytest.raises(NotFound):
        await access.set_admin_active_by_id(ag1, 10**9, False)


async def test_the_last_active_headquarters_admin_stays(
    sessions: async_sessionmaker[AsyncSession], world: dict[str, int], access: AccessService
) -> None:
    with pytest.raises(Conflict, match="마지막"):
        await access.set_admin_active(None, USERS["HQ"], False)
    assert (await admin(sessions, "HQ")).active
    async with sessions.begin() as s:
        await admins.add_admin(
            s, kakao_user_id="555000556", org_code="HQ", name="본사2", at=START, actor="test"
        )
    assert (await access.set_admin_active(None, USERS["HQ"], False)).changed
    with pytest.raises(Conflict, match="본사 조직"):
        await access.set_org_active("HQ", False)


async def test_an_inactive_org_stops_its_subtree_and_comes_back_as_it_was(
    sessions: async_sessionmaker[AsyncSession], world: dict[str, int], access: AccessService
) -> None:
    await access.set_admin_active(None, USERS["BR2"], False)  # its own flag, kept throughout
    assert (await access.set_org_active("AG1", False)).changed
    br1, dt1 = await admin(sessions, "BR1"), await admin(sessions, "DT1")
    async with sessions() as s:
        assert await visible_org_ids(s, br1) == set()
        assert await visible_org_ids(s, dt1) == {world[c] for c in ("DT1", "AG1", "BR1", "BR2")}
    views = {v.org_code: v for v in await access.list_admins(None)}
    assert views["BR1"].active and not views["BR1"].org_active and not views["BR1"].acting
    assert views["BR3"].acting
    identities = IdentityCache(ReadSessions(sessions, limit=2), FakeClock())
    assert await identities.find(USERS["BR1"]) is not None
    found = await identities.find(USERS["BR1"])
    assert found is not None and not found.standing.acting
    assert (await access.set_org_active("AG1", True)).changed
    views = {v.org_code: v for v in await access.list_admins(None)}
    assert views["BR1"].acting and not views["BR2"].active
    found = await identities.find(USERS["BR1"])  # the change dropped the cached standing
    assert found is not None and found.standing.acting
    with pytest.raises(NotFound, match="조직"):
        await access.set_org_active("NOPE", False)


async def test_rooms_are_deactivated_in_the_subtree_and_moved_by_the_operator(
    sessions: async_sessionmaker[AsyncSession], world: dict[str, int], access: AccessService
) -> None:
    ag1 = await admin(sessions, "AG1")
    done = await access.set_room_active(ag1, ROOMS["BR1"], False)
    assert done.changed and not done.value.active
    with pytest.raises(NotFound, match="볼 수 없는 방"):
        await access.set_room_active(ag1, ROOMS["BR3"], False)
    with pytest.raises(Invalid, match="숫자 ID"):
        await access.set_room_active(ag1, "강남방", False)
    moved = await access.move_room(ROOMS["BR1"], "BR3")
    assert moved.changed and moved.value.org_code == "BR3"
    async with sessions() as s:
        room = await s.scalar(select(Room).where(Room.chat_id == ROOMS["BR1"]))
        assert room is not None and room.org_id == world["BR3"] and not room.active
    with pytest.raises(NotFound, match="볼 수 없는 방"):
        await access.set_room_active(ag1, ROOMS["BR1"], True)  # no longer its subtree's
    assert not (await access.move_room(ROOMS["BR1"], "BR3")).changed


async def test_an_admin_lists_and_revokes_only_its_own_tokens(
    sessions: async_sessionmaker[AsyncSession], world: dict[str, int], access: AccessService
) -> None:
    async with sessions.begin() as s:
        mine, plain = await tokens.create_token(
            s, kakao_user_id=USERS["DT1"], name="erp", at=START, actor="test"
        )
        theirs, _ = await tokens.create_token(
            s, kakao_user_id=USERS["BR1"], name="pos", at=START, actor="test"
        )
    dt1 = await admin(sessions, "DT1")
    assert [t.id for t in await access.list_tokens(dt1)] == [mine.id]
    assert {t.id for t in await access.list_tokens(None)} == {mine.id, theirs.id}
    assert [t.id for t in await access.list_tokens(None, USERS["BR1"])] == [theirs.id]
    with pytest.raises(NotFound, match="토큰"):
        await access.revoke_token(dt1, theirs.id)
    done = await access.revoke_token(dt1, mine.id)
    assert done.changed and done.value.revoked_at is not None
    assert not (await access.revoke_token(None, mine.id)).changed
    async with sessions.begin() as s:
        assert await tokens.admin_for_token(s, plain, at=START) is None
        live = await s.scalar(select(func.count(ApiToken.id)).where(ApiToken.revoked_at.is_(None)))
    assert live == 1


async def test_invites_reach_only_the_subtree_and_pair_a_new_admin(
    sessions: async_sessionmaker[AsyncSession], world: dict[str, int], access: AccessService
) -> None:
    ag1 = await admin(sessions, "AG1")
    invite = await access.invite_admin(ag1, "BR2", "새 지점장", ttl=timedelta(hours=24))
    with pytest.raises(NotFound, match="초대할 수 없는"):
        await access.invite_admin(ag1, "BR3", "남의 지점장", ttl=timedelta(hours=24))
    async with sessions.begin() as s:
        await s.execute(update(Org).where(Org.code == "BR1").values(active=False))
    with pytest.raises(Conflict, match="비활성"):
        await access.invite_admin(ag1, "BR1", "닫힌 지점장", ttl=timedelta(hours=24))
    async with sessions.begin() as s:
        paired = await one_time_codes.accept_invite(
            s, code=invite.code, kakao_user_id="555000557", at=START
        )
    assert paired is not None and paired.org_id == world["BR2"] and paired.name == "새 지점장"


async def test_every_reading_of_the_tree_agrees_on_inactive_ancestors_and_cycles(
    sessions: async_sessionmaker[AsyncSession], world: dict[str, int]
) -> None:
    """``orgs.activity`` (SQL, one org) and ``orgs.acting_ids`` (the whole tree, in Python,
    as the send check walks it too) give one answer, also for a parent cycle written by hand
    into the table, which stops the orgs in and below it."""
    async with sessions.begin() as s:
        await s.execute(update(Org).where(Org.code == "DT1").values(active=False))
        await s.execute(update(Org).where(Org.code == "AG2").values(parent_id=world["BR3"]))
    async with sessions() as s:
        acting = await orgs.acting_ids(s)
        for code, org_id in world.items():
            found = await orgs.activity(s, org_id)
            assert found is not None and found[1] == (org_id in acting), code
    assert acting == {world["HQ"], world["DT2"]}
