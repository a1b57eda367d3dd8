"""The chat path's identity cache: who sent a command, remembered for ``ttl_s`` of clock
time, forgotten when this process pairs an admin; plus help answered without a database."""

from __future__ import annotations

import asyncio
from contextlib import AbstractAsyncContextManager
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from commands.grammar.verbs import help_text
from commands.identity import IDENTITY_TTL_S, IdentityCache
from commands.router import NOT_ADMIN, handle_event
from core.config import Config, load_config
from services.permissions import Operation, PermissionDenied, check, visible
from storage import admins, one_time_codes
from storage.engine import ReadSessions, create_engine, session_factory
from storage.kbot_models import Admin, Org
from tests.support.command_world import ROOMS, START, USERS, build_world, context, event
from tests.support.fakes import FakeClock

STRANGER = "777000777"


def cache(sessions: async_sessionmaker[AsyncSession], clock: FakeClock) -> IdentityCache:
    return IdentityCache(ReadSessions(sessions, limit=2), clock)


async def deactivate(sessions: async_sessionmaker[AsyncSession], code: str) -> None:
    async with sessions.begin() as s:
        await s.execute(
            update(Admin).where(Admin.kakao_user_id == USERS[code]).values(active=False)
        )


async def test_identity_carries_the_permission_standing(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    ids = await build_world(sessions)
    identities = cache(sessions, FakeClock())
    hq = await identities.find(USERS["HQ"])
    agency = await identities.find(USERS["AG1"])
    assert hq is not None and agency is not None
    assert hq.admin.kakao_user_id == USERS["HQ"] and visible(hq.standing) is None
    assert visible(agency.standing) == {ids["AG1"], ids["BR1"], ids["BR2"]}
    check(agency.standing, Operation.EDIT, room_org_id=ids["BR2"])
    with pytest.raises(PermissionDenied, match="권한"):
        check(agency.standing, Operation.EDIT, room_org_id=ids["BR3"])
    assert await identities.find(STRANGER) is None


async def test_changes_from_elsewhere_show_after_the_ttl(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await build_world(sessions)
    clock = FakeClock()
    identities = cache(sessions, clock)
    assert await identities.find(USERS["DT1"]) is not None
    assert await identities.find(STRANGER) is None
    await deactivate(sessions, "DT1")  # as the CLI would, in another process
    async with sessions.begin() as s:
        await admins.add_admin(
            s, kakao_user_id=STRANGER, org_code="BR1", name="새관리자", at=START, actor="cli"
        )
    await clock.advance(IDENTITY_TTL_S - 0.5)
    assert await identities.find(USERS["DT1"]) is not None  # the documented bound
    assert await identities.find(STRANGER) is None
    await clock.advance(0.5)
    assert await identities.find(USERS["DT1"]) is None
    found = await identities.find(STRANGER)
    assert found is not None and found.admin.name == "새관리자"


async def test_an_org_deactivated_elsewhere_stops_its_admins_after_the_ttl(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    ids = await build_world(sessions)
    clock = FakeClock()
    identities = cache(sessions, clock)
    assert await identities.find(USERS["AG1"]) is not None
    async with sessions.begin() as s:
        await s.execute(update(Org).where(Org.code == "AG1").values(active=False))
    await clock.advance(IDENTITY_TTL_S)
    found = await identities.find(USERS["AG1"])
    assert found is not None and visible(found.standing) == set()
    with pytest.raises(PermissionDenied, match="비활성"):
        check(found.standing, Operation.LIST, room_org_id=ids["AG1"])


async def test_forget_all_reads_again_at_once(sessions: async_sessionmaker[AsyncSession]) -> None:
    await build_world(sessions)
    identities = cache(sessions, FakeClock())
    assert await identities.find(USERS["BR1"]) is not None
    await deactivate(sessions, "BR1")
    identities.forget_all()
    assert len(identities) == 0
    assert await identities.find(USERS["BR1"]) is None


class CountingReads(ReadSessions):
    """``ReadSessions`` that count the sessions opened."""

    opened = 0

    def __call__(self) -> AbstractAsyncContextManager[AsyncSession]:
        self.opened += 1
        return super().__call__()


async def test_concurrent_lookups_share_one_read_and_hits_read_nothing(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await build_world(sessions)
    reads = CountingReads(sessions, limit=2)
    identities = IdentityCache(reads, FakeClock())
    found = await asyncio.gather(*(identities.find(USERS["AG2"]) for _ in range(20)))
    assert reads.opened == 1
    assert all(f is not None and f.admin.kakao_user_id == USERS["AG2"] for f in found)
    await identities.find(USERS["AG2"])
    assert reads.opened == 1
    await identities.find(USERS["DT2"])
    assert reads.opened == 2


async def test_the_oldest_user_is_forgotten_first(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await build_world(sessions)
    identities = IdentityCache(ReadSessions(sessions, limit=2), FakeClock(), capacity=2)
    for code in ("HQ", "DT1", "DT2"):
        await identities.find(USERS[code])
    assert len(identities) == 2
    await deactivate(sessions, "HQ")
    await deactivate(sessions, "DT2")
    assert await identities.find(USERS["HQ"]) is None  # evicted: read again
    assert await identities.find(USERS["DT2"]) is not None  # still remembered


async def test_pairing_in_this_process_is_seen_at_once(
    cfg: Config, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await build_world(sessions)
    ctx, _, _ = context(cfg, sessions)
    here = {"user": STRANGER, "room": ROOMS["BR2"]}
    [refused] = await handle_event(ctx, event("!스케줄 목록", **here)) or []
    assert refused == NOT_ADMIN.format(prefix="!")
    async with sessions.begin() as s:
        invite = await one_time_codes.create_invite(
            s,
            org_code="BR2",
            name="박지점장",
            mb_id=None,
            ttl=timedelta(hours=1),
            at=START,
            actor="cli",
        )
    [paired] = await handle_event(ctx, event(f"!관리자 인증 {invite.code}", **here)) or []
    assert "박지점장" in paired
    [listing] = await handle_event(ctx, event("!스케줄 목록", **here)) or []  # no clock change
    assert listing != NOT_ADMIN.format(prefix="!") and "권한" not in listing


async def test_help_needs_no_database(tmp_path: Path) -> None:
    """The database here was never created (no tables), so any query would fail."""
    cfg = load_config(
        env={
            "KBOT_DATABASE__URL": f"sqlite+aiosqlite:///{tmp_path}/empty.db",
            "KBOT_DATA_DIR": str(tmp_path / "data"),
            "KBOT_WEB__SECRET_KEY": "test-secret-key-0123456789",
        }
    )
    engine = create_engine(cfg.database, timezone=cfg.timezone)
    try:
        ctx, _, _ = context(cfg, session_factory(engine))
        for user in (USERS["HQ"], STRANGER):
            assert await handle_event(ctx, event("!도움말", user=user)) == [help_text("!")]
        [failed] = await handle_event(ctx, event("!스케줄 목록")) or []
        assert "오류 번호" in failed  # the lookup did hit the empty database
    finally:
        await engine.dispose()
