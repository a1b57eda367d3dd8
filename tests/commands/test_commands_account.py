"""Identity, pairing, room registration, the web login link and who-am-i through
``handle_event``, on both backends; plus ``kbot admin invite``."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from commands.router import handle_event
from core.config import Config
from storage import admins, one_time_codes
from storage.kbot_models import Admin, OneTimeCode, Room
from tests.support.command_world import (
    BR1_ROOM,
    ROOMS,
    START,
    USERS,
    build_world,
    context,
    count,
    direct_chat,
    event,
)

STRANGER = "777000777"


async def test_strangers_get_one_polite_refusal_and_chatter_is_ignored(
    cfg: Config, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await build_world(sessions)
    ctx, clock, _ = context(cfg, sessions)
    for text in ("!스케줄 목록", "!스케줄 등록", "!내정보", "!웹", "!스케줄 보기 abc"):
        replies = await handle_event(ctx, event(text, user=STRANGER))
        assert replies is not None and len(replies) == 1, text
        assert "권한" in replies[0]
        assert await handle_event(ctx, event(text, user=STRANGER)) is None  # once a minute
        await clock.advance(60)
    [help_reply] = await handle_event(ctx, event("!도움말", user=STRANGER)) or []
    assert "!스케줄 등록" in help_reply
    for text in ("안녕하세요", "!없는명령", "! 와", "ㅋㅋ !"):
        assert await handle_event(ctx, event(text, user=STRANGER)) is None, text
    for text in ("안녕하세요", "오늘 특가 있나요?"):
        assert await handle_event(ctx, event(text)) is None
    assert await handle_event(ctx, event("!스케줄 목록", is_mine=True)) is None
    assert await handle_event(ctx, event("!스케줄 목록", origin="NEWMEM")) is None
    [mistake] = await handle_event(ctx, event("!스케줄 보기")) or []
    assert mistake.startswith("❌ ID")


async def test_invite_pairing_is_single_use_and_expires(
    cfg: Config, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await build_world(sessions)
    ctx, clock, _ = context(cfg, sessions)
    async with sessions.begin() as s:
        invite = await one_time_codes.create_invite(
            s,
            org_code="BR2",
            name="박지점장",
            mb_id="park",
            ttl=timedelta(hours=1),
            at=START,
            actor="cli",
        )
        stale = await one_time_codes.create_invite(
            s,
            org_code="BR2",
            name="늦은분",
            mb_id=None,
            ttl=timedelta(minutes=5),
            at=START,
            actor="cli",
        )
    async with sessions() as s:
        hashes = set(await s.scalars(select(OneTimeCode.code_hash)))
    assert invite.code not in hashes and one_time_codes.digest(invite.code) in hashes

    [wrong] = await handle_event(ctx, event("!관리자 인증 WRONGCODE", user=STRANGER)) or []
    assert wrong.startswith("❌ 인증코드")
    [ok] = await handle_event(ctx, event(f"!관리자 인증 {invite.code}", user=STRANGER)) or []
    assert "박지점장" in ok and "BR2 조직" in ok and "지점" in ok
    async with sessions() as s:
        paired = await admins.get_by_kakao_id(s, STRANGER)
    assert paired.active and paired.mb_id == "park" and paired.name == "박지점장"
    [again] = await handle_event(ctx, event(f"!관리자 인증 {invite.code}", user="888")) or []
    assert again.startswith("❌ 인증코드")
    assert await count(sessions, Admin, Admin.kakao_user_id == "888") == 0

    await clock.advance(600)
    [late] = await handle_event(ctx, event(f"!관리자 인증 {stale.code}", user="999")) or []
    assert late.startswith("❌ 인증코드")
    assert await count(sessions, Admin, Admin.kakao_user_id == "999") == 0
    # the paired admin can now work in their own room
    [listing] = (
        await handle_event(ctx, event("!스케줄 목록", user=STRANGER, room=ROOMS["BR2"])) or []
    )
    assert "권한" not in listing


async def test_web_link_only_in_direct_chat_and_single_use(
    cfg: Config, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await build_world(sessions)
    ctx, clock, _ = context(cfg, sessions)
    one_to_one: dict[str, Any] = {
        "source": "kakao_skill",
        "room": f"user:{USERS['BR1']}",
        "direct": True,
    }
    # an Iris room named after its sender, in a dry run: nobody can tell, so no link
    [unsure] = (
        await handle_event(ctx, event("!웹", room_name="김지점장", sender_name="김지점장")) or []
    )
    [group] = await handle_event(ctx, event("!웹", source="kakao_skill", direct=False)) or []
    for refused in (unsure, group):
        assert "/login/" not in refused
        assert "1:1 채팅에서 !웹" in refused and "kbot web-login --admin" in refused
    assert "확인할 수 없어" in unsure and "여러 사람이 함께 보는 방" in group
    assert await count(sessions, OneTimeCode) == 0
    [reply] = await handle_event(ctx, event("!웹", **one_to_one)) or []
    prefix = f"{cfg.server.public_url}/login/"
    assert prefix in reply
    code = reply.split(prefix, 1)[1].split()[0]
    async with sessions.begin() as s:
        row = await one_time_codes.consume(
            s, purpose=one_time_codes.WEB_LOGIN, code=code, at=clock.now()
        )
        assert row is not None and row.code_hash != code
        admin = await admins.get_by_kakao_id(s, USERS["BR1"])
        assert row.admin_id == admin.id
    async with sessions.begin() as s:
        assert (
            await one_time_codes.consume(
                s, purpose=one_time_codes.WEB_LOGIN, code=code, at=clock.now()
            )
            is None
        )
    # expiry
    [reply] = await handle_event(ctx, event("!웹", **one_to_one)) or []
    code = reply.split(prefix, 1)[1].split()[0]
    later = clock.now() + timedelta(seconds=cfg.web.login_link_ttl_s + 1)
    async with sessions.begin() as s:
        assert (
            await one_time_codes.consume(s, purpose=one_time_codes.WEB_LOGIN, code=code, at=later)
            is None
        )


async def test_room_registration_follows_the_permission_rule(
    cfg: Config, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await build_world(sessions)
    ctx, _, _ = context(cfg, sessions)
    new_room = "424242"
    here = {"room": new_room, "room_name": "강남 새 방"}
    [denied] = await handle_event(ctx, event("!방 등록 BR2", **here)) or []
    assert "권한" in denied
    [unknown] = await handle_event(ctx, event("!방 등록 NOPE", **here)) or []
    assert unknown.startswith("❌ 조직코드")
    assert await count(sessions, Room, Room.chat_id == new_room) == 0
    [ok] = await handle_event(ctx, event("!방 등록 BR1", **here)) or []
    assert "등록했습니다" in ok
    async with sessions() as s:
        room = await s.scalar(select(Room).where(Room.chat_id == new_room))
    assert room is not None and room.name == "강남 새 방" and room.room_type == "live"
    [again] = await handle_event(ctx, event("!방 등록 BR1", **here)) or []
    assert "이미" in again
    # the new room can now be a schedule's target
    form = "!스케줄 등록\n제목: 새 방\n유형: 매일\n시간: 10:00\n내용:\n안녕"
    [created] = await handle_event(ctx, event(form, room=new_room)) or []
    assert "#1" in created


async def test_who_am_i_lists_manageable_rooms_in_a_direct_chat(
    cfg: Config, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await build_world(sessions)
    ctx, _, _ = context(cfg, sessions)
    [me] = await handle_event(ctx, event("!내정보", **direct_chat(USERS["AG1"]))) or []
    assert "AG1 관리자" in me and "AG1 조직" in me and "대리점" in me
    assert all(ROOMS[c] in me for c in ("AG1", "BR1", "BR2"))
    assert all(ROOMS[c] not in me for c in ("DT1", "BR3", "HQ"))
    [mine] = await handle_event(ctx, event("!내정보", **direct_chat(USERS["BR1"]))) or []
    assert BR1_ROOM in mine and ROOMS["BR2"] not in mine


def test_cli_admin_invite_prints_a_code(kbot) -> None:
    assert kbot("db", "upgrade")[0] == 0
    assert kbot("org", "add", "--type", "headquarters", "--code", "HQ", "--name", "본사")[0] == 0
    code, out, _ = kbot("admin", "invite", "--org", "HQ", "--name", "홍길동", "--ttl-hours", "2")
    assert code == 0
    command = out.strip().splitlines()[-1]
    assert command.startswith("!관리자 인증 ") and len(command.split()[-1]) == 12
    code, _, err = kbot("admin", "invite", "--org", "NOPE", "--name", "x")
    assert code == 1 and "NOPE" in err
