"""``!관리자 목록`` / ``해제`` / ``초대`` through ``handle_event``, on both backends: the list and
invite codes only in a 1:1 chat with the bot, only the caller's subtree, deactivation strictly
below (tokens and web sessions end, schedules stay, the chat refuses the admin at once), and
every refusal changes nothing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.chat_kinds import ChatKind
from bot.text_chunks import TRUNCATED_HINT
from commands.context import CommandContext
from commands.grammar.verbs import help_text
from commands.handlers.admins import ADMINS_SHOWN
from commands.router import MAX_REPLY_MESSAGES, MESSAGE_LIMIT, NOT_ADMIN, handle_event
from core.config import Config
from storage import admins, one_time_codes, orgs, tokens
from storage.kbot_models import Admin, ApiToken, AuditEntry, OneTimeCode
from storage.models import Schedule
from tests.support.command_world import (
    ROOMS,
    START,
    USERS,
    DeviceRoomKinds,
    build_world,
    context,
    count,
    direct_chat,
    event,
)
from tests.support.fakes import FakeClock
from tests.support.orgs import TREE

STRANGER = "777000777"
DM = {code: f"18{index:015d}" for index, code in enumerate(TREE)}  # 1:1 chats over Iris
GROUP = {"room": ROOMS["BR1"]}  # the branch's group room, read by its customers
UNSURE = {"room": "555000555"}  # a room the device does not know: maybe a group
DAILY = "!스케줄 등록\n제목: 강남 특가\n유형: 매일\n시간: 10:00\n내용:\n안녕"


async def world(
    cfg: Config, sessions: async_sessionmaker[AsyncSession]
) -> tuple[CommandContext, FakeClock]:
    """The tree with one admin per org; the device knows each admin's 1:1 chat (``DM``) and
    the rooms of ``ROOMS`` as group rooms."""
    await build_world(sessions)
    kinds = dict.fromkeys(ROOMS.values(), ChatKind.SHARED)
    kinds |= dict.fromkeys(DM.values(), ChatKind.DIRECT)
    ctx, clock, _ = context(cfg, sessions, DeviceRoomKinds(kinds))
    return ctx, clock


async def say(ctx: CommandContext, code: str, text: str, **where: Any) -> list[str]:
    """What ``code``'s admin hears for ``text``, in their 1:1 chat unless ``where`` says."""
    where = where or {"room": DM[code]}
    return await handle_event(ctx, event(text, user=USERS[code], **where)) or []


def names_in(reply: str) -> set[str]:
    return {code for code in TREE if USERS[code] in reply}


async def state(sessions: async_sessionmaker[AsyncSession]) -> list[tuple[Any, ...]]:
    """What a refused command must leave as it was: admins, tokens, audit rows, codes."""
    async with sessions() as s:
        people = (
            await s.execute(
                select(Admin.kakao_user_id, Admin.active, Admin.session_epoch).order_by(Admin.id)
            )
        ).all()
        revoked = list(await s.scalars(select(ApiToken.revoked_at).order_by(ApiToken.id)))
    audited = await count(sessions, AuditEntry)
    codes = await count(sessions, OneTimeCode)
    return [*map(tuple, people), tuple(revoked), (audited, codes)]


async def test_the_list_shows_the_callers_subtree_in_a_direct_chat(
    cfg: Config, sessions: async_sessionmaker[AsyncSession]
) -> None:
    ctx, _ = await world(cfg, sessions)
    [everyone] = await say(ctx, "HQ", "!관리자 목록")
    assert names_in(everyone) == set(TREE) and everyone.startswith("👥 관리자 8명")
    assert f"• 김지점장 · {USERS['BR1']} · BR1 조직(지점) · 활성" in everyone
    assert f"• DT1 관리자 · {USERS['DT1']} · DT1 조직(총판) · 활성" in everyone
    [below] = await say(ctx, "DT1", "!admin list")
    assert names_in(below) == {"DT1", "AG1", "BR1", "BR2"}
    assert "대리점" in below and "본사" not in below
    [own] = await handle_event(ctx, event("!관리자목록", **direct_chat(USERS["BR1"]))) or []
    assert names_in(own) == {"BR1"} and "관리자 1명" in own

    async with sessions.begin() as s:  # an admin switched off, an org switched off
        br2 = await admins.get_by_kakao_id(s, USERS["BR2"])
        await admins.set_active(s, br2.id, False, at=START, actor="test")
        await orgs.set_active(s, await orgs.get_by_code(s, "AG2"), False, at=START, actor="test")
    [after] = await say(ctx, "HQ", "!관리자 목록")
    assert f"{USERS['BR2']} · BR2 조직(지점) · 비활성" in after
    assert f"{USERS['AG2']} · AG2 조직(대리점) · 조직 비활성" in after
    assert f"{USERS['BR3']} · BR3 조직(지점) · 조직 비활성" in after


async def test_the_list_names_nobody_outside_a_direct_chat(
    cfg: Config, sessions: async_sessionmaker[AsyncSession]
) -> None:
    ctx, _ = await world(cfg, sessions)
    for where in (GROUP, UNSURE, {"source": "kakao_skill", "direct": False}):
        [refused] = await say(ctx, "HQ", "!관리자 목록", **where)
        assert "1:1 채팅에서만" in refused and "!관리자 목록" in refused
        assert not names_in(refused) and "관리자 1" not in refused and "김지점장" not in refused
    [stranger] = await handle_event(ctx, event("!관리자 목록", user=STRANGER)) or []
    assert stranger == NOT_ADMIN.format(prefix="!")


async def test_a_long_list_stays_within_the_reply_limits(
    cfg: Config, sessions: async_sessionmaker[AsyncSession]
) -> None:
    ctx, _ = await world(cfg, sessions)
    async with sessions.begin() as s:
        for n in range(60):
            user = f"5{n:029d}"
            await admins.add_admin(
                s, kakao_user_id=user, org_code="BR1", name="긴이름" * 30, at=START, actor="t"
            )
    replies = await say(ctx, "HQ", "!관리자 목록")
    assert 1 <= len(replies) <= MAX_REPLY_MESSAGES
    assert all(len(text) <= MESSAGE_LIMIT for text in replies)
    whole = "\n".join(replies)
    assert whole.count("\n• ") == ADMINS_SHOWN
    assert whole.endswith(f"… 외 {68 - ADMINS_SHOWN}명") and TRUNCATED_HINT not in whole


async def test_deactivating_an_admin_below_ends_their_access_at_once(
    cfg: Config, sessions: async_sessionmaker[AsyncSession]
) -> None:
    ctx, clock = await world(cfg, sessions)
    [created] = await say(ctx, "BR1", DAILY, room=ROOMS["BR1"])
    assert created.startswith("✅"), created
    async with sessions.begin() as s:
        await tokens.create_token(s, kakao_user_id=USERS["BR1"], name="api", at=START, actor="test")
        before = await admins.get_by_kakao_id(s, USERS["BR1"])
        epoch = before.session_epoch
        ag1 = await admins.get_by_kakao_id(s, USERS["AG1"])
    [listed] = await say(ctx, "BR1", "!스케줄 목록")  # remembered by the identity cache
    assert "강남 특가" in listed
    await clock.advance(0.1)

    [done] = await say(ctx, "AG1", f"!관리자 해제 {USERS['BR1']}", room=ROOMS["AG1"])
    assert done.startswith(f"✅ 김지점장({USERS['BR1']}) · BR1 조직(지점) 관리자를 해제했습니다.")
    assert "웹 로그인은 모두 끝났습니다" in done and "API 토큰 1개를 폐기했습니다" in done
    assert "스케줄은 조직에 남아" in done and f"kbot admin activate {USERS['BR1']}" in done

    [refused] = await say(ctx, "BR1", "!스케줄 목록")  # the same process, no TTL waited
    assert refused == NOT_ADMIN.format(prefix="!")
    async with sessions() as s:
        after = await admins.get_by_kakao_id(s, USERS["BR1"])
        assert not after.active and after.session_epoch == epoch + 1
        [token] = await s.scalars(select(ApiToken).where(ApiToken.admin_id == after.id))
        assert token.revoked_at is not None
        assert await s.scalar(select(Schedule.status)) == "active"
        [row] = await s.scalars(
            select(AuditEntry).where(
                AuditEntry.entity == "admin", AuditEntry.action == "deactivate"
            )
        )
    assert row.entity_id == USERS["BR1"] and row.actor_admin_id == ag1.id
    assert (row.before or {}).get("active") and not (row.after or {}).get("active")

    [again] = await say(ctx, "AG1", f"!admin deactivate {USERS['BR1']}")
    assert "이미 해제되어 있습니다" in again and "kbot admin activate" in again


async def test_every_refused_deactivation_changes_nothing(
    cfg: Config, sessions: async_sessionmaker[AsyncSession]
) -> None:
    ctx, _ = await world(cfg, sessions)
    async with sessions.begin() as s:
        for code, user in (("AG1", "600000001"), ("HQ", "600000002")):  # colleagues
            await admins.add_admin(
                s, kakao_user_id=user, org_code=code, name="동료", at=START, actor="test"
            )
        await tokens.create_token(s, kakao_user_id=USERS["BR1"], name="a", at=START, actor="t")
    unchanged = await state(sessions)
    cases = [
        ("AG1", "!관리자 해제", "❌ 카카오ID: 해제할 관리자의 카카오ID를 적어 주세요."),
        ("AG1", "!관리자 해제 김지점장", "❌ 카카오ID: '김지점장': 카카오톡의 숫자 ID만"),
        ("AG1", "!관리자 해제 123456", "❌ 카카오ID: 관리자 123456: 없거나 볼 수 없는 관리자"),
        ("AG1", f"!관리자 해제 {USERS['BR3']}", "없거나 볼 수 없는 관리자"),  # another subtree
        ("BR1", f"!관리자 해제 {USERS['AG1']}", "없거나 볼 수 없는 관리자"),  # above
        ("AG1", f"!관리자 해제 {USERS['AG1']}", "❌ 카카오ID: 자기 자신은 해제할 수 없습니다."),
        ("AG1", "!관리자 해제 600000001", "⛔ 관리자 관리 권한이 없습니다."),  # same org
        ("HQ", "!관리자 해제 600000002", "⛔ 관리자 관리 권한이 없습니다."),  # headquarters
        ("BR1", "!관리자 해제 1 2", "❌ 명령: '2'는 이 명령에 필요 없는 내용입니다."),
    ]
    for code, text, wording in cases:
        [reply] = await say(ctx, code, text)
        assert wording in reply, (text, reply)
    [missing] = await say(ctx, "AG1", "!관리자 해제")
    assert missing.endswith("예) !관리자 해제 18470462837")
    [unknown] = await say(ctx, "AG1", "!관리자 해제 123456")
    assert unknown.endswith("예) !관리자 목록")
    assert await state(sessions) == unchanged


async def test_an_invite_made_in_a_direct_chat_pairs_its_new_admin(
    cfg: Config, sessions: async_sessionmaker[AsyncSession]
) -> None:
    ctx, clock = await world(cfg, sessions)
    told, line = await say(ctx, "AG1", "!관리자 초대 BR2  박 지점장")
    assert told.startswith("✅ 박 지점장님을 BR2 조직(지점) 관리자로 초대하는 1회용 코드를")
    assert "유효: 2026-11-27 09:12 (Asia/Seoul, +09:00)까지" in told
    assert line.startswith("!관리자 인증 ") and line.split()[-1] not in told
    code = line.split()[-1]
    assert len(code) == one_time_codes.INVITE_LENGTH
    async with sessions() as s:
        [row] = await s.scalars(select(OneTimeCode))
    assert row.code_hash == one_time_codes.digest(code) and row.payload == {
        "org_code": "BR2",
        "name": "박 지점장",
        "mb_id": None,
    }

    await clock.advance(3600)
    [paired] = await handle_event(ctx, event(line, user=STRANGER, room=ROOMS["BR2"])) or []
    assert paired.startswith("✅ 박 지점장님, BR2 조직(지점) 관리자로 인증되었습니다.")
    [listed] = await say(ctx, "AG1", "!관리자 목록")
    assert f"• 박 지점장 · {STRANGER} · BR2 조직(지점) · 활성" in listed
    mine, _ = await say(ctx, "BR1", "!admin invite BR1 새 직원")  # one's own org too
    assert "BR1 조직(지점)" in mine


async def test_an_invite_is_refused_outside_a_direct_chat_or_the_subtree(
    cfg: Config, sessions: async_sessionmaker[AsyncSession]
) -> None:
    ctx, _ = await world(cfg, sessions)
    async with sessions.begin() as s:
        await orgs.set_active(s, await orgs.get_by_code(s, "BR2"), False, at=START, actor="t")
    unchanged = await state(sessions)
    for where in (GROUP, UNSURE):
        [refused] = await say(ctx, "AG1", "!관리자 초대 BR1 박지점장", **where)
        assert "1:1 채팅에서만" in refused and "코드는 만들지 않았습니다" in refused
        assert "인증 " not in refused
    cases = [
        ("AG1", "!관리자 초대 BR3 박지점장", "❌ 조직코드: 조직 'BR3': 없거나 초대할 수 없는 조직"),
        ("BR1", "!관리자 초대 AG1 박지점장", "❌ 조직코드: 조직 'AG1': 없거나 초대할 수 없는"),
        ("HQ", "!관리자 초대 NOPE 박지점장", "❌ 조직코드: 조직 'NOPE': 없거나 초대할 수 없는"),
        ("AG1", "!관리자 초대 BR2 박지점장", "❌ 조직코드: 조직 BR2: 비활성 상태라"),
        ("AG1", "!관리자 초대 BR1", "❌ 이름: 새 관리자의 이름을 조직코드 다음에 적어 주세요."),
        ("AG1", "!관리자 초대", "❌ 조직코드: 초대할 조직의 코드를 적어 주세요."),
        ("AG1", f"!관리자 초대 BR1 {'가' * 101}", "❌ 이름: 이름은 1~100자로 적어 주세요."),
    ]
    for code, text, wording in cases:
        [reply] = await say(ctx, code, text)
        assert wording in reply, (text, reply)
    [outside] = await say(ctx, "AG1", "!관리자 초대 BR3 박지점장")
    assert outside.endswith("예) !관리자 초대 BR001 홍길동")
    assert await state(sessions) == unchanged


async def test_help_lists_the_admin_commands_in_one_message(
    cfg: Config, sessions: async_sessionmaker[AsyncSession]
) -> None:
    ctx, _ = await world(cfg, sessions)
    [reply] = await say(ctx, "HQ", "!도움말")
    for usage in (
        "!관리자 목록 (!admin list)",
        "!관리자 해제 카카오ID",
        "!관리자 초대 조직코드 이름",
    ):
        assert usage in reply
    assert "!admin deactivate" in reply and "!admin invite" in reply
    assert len(help_text("!")) <= MESSAGE_LIMIT
