"""What an admin's command shows in a room that others read (issue 12, item 13), through
``handle_event`` on both backends: in a group room ``!스케줄 목록`` and ``!내정보`` show only
what concerns that room; the whole list only in a 1:1 chat with the bot. A room nobody can
tell about counts as a group room."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.chat_kinds import ChatKind
from commands.context import CommandContext
from commands.router import handle_event
from core.config import Config
from tests.support.command_world import (
    BR1_ROOM,
    ROOMS,
    USERS,
    DeviceRoomKinds,
    build_world,
    context,
    direct_chat,
    event,
)

DM_ROOM = "18000000000000001"  # the HQ admin's 1:1 chat with the bot, over Iris
DAILY = "!스케줄 등록\n제목: {title}\n유형: 매일\n시간: 10:00\n내용:\n안녕"
TITLES = {"BR1": "강남 특가", "BR2": "서초 특가", "DT1": "총판 공지"}
HQ = USERS["HQ"]


async def reply_to(ctx: CommandContext, text: str, **kw: Any) -> str:
    [reply] = await handle_event(ctx, event(text, **kw)) or []
    return reply


async def world_with_schedules(
    cfg: Config, sessions: async_sessionmaker[AsyncSession]
) -> CommandContext:
    """Schedules in the rooms of BR1, BR2 and DT1, each made by that org's admin in its room;
    the device says the admin's DM_ROOM is a 1:1 chat and BR2's room a group."""
    await build_world(sessions)
    device = DeviceRoomKinds({DM_ROOM: ChatKind.DIRECT, ROOMS["BR2"]: ChatKind.SHARED})
    ctx, clock, _ = context(cfg, sessions, device)
    for code, title in TITLES.items():
        created = await reply_to(ctx, DAILY.format(title=title), user=USERS[code], room=ROOMS[code])
        assert created.startswith("✅"), created
        await clock.advance(5)
    return ctx


def assert_only(reply: str, *codes: str) -> None:
    for code, title in TITLES.items():
        assert (title in reply) == (code in codes), (code, reply)


async def test_schedule_list_in_a_group_room_shows_only_that_rooms_schedules(
    cfg: Config, sessions: async_sessionmaker[AsyncSession]
) -> None:
    ctx = await world_with_schedules(cfg, sessions)
    # BR1's room: the device does not know it (a dry run cannot tell either): a group room
    here = await reply_to(ctx, "!스케줄 목록", user=HQ)
    assert here.startswith("📅 이 방의 스케줄 1개")
    assert_only(here, "BR1")
    assert "BR2 공지방" not in here and "DT1 공지방" not in here
    assert "다른 방의 스케줄은 봇과의 1:1 채팅에서 !스케줄 목록 으로 보거나 웹 페이지에서" in here
    assert_only(await reply_to(ctx, "!스케줄 목록", user=HQ, room=ROOMS["BR2"]), "BR2")
    skill_group = {"source": "kakao_skill", "direct": False}
    assert_only(await reply_to(ctx, "!schedule list", user=HQ, **skill_group), "BR1")
    nothing = await reply_to(ctx, "!스케줄 목록", user=HQ, room=ROOMS["AG1"])
    assert nothing.startswith("이 방으로 보내는 스케줄이 없습니다.") and "1:1 채팅" in nothing
    assert_only(nothing)

    # the whole list only where the sender alone reads it
    for where in ({"room": DM_ROOM}, direct_chat(HQ)):
        everything = await reply_to(ctx, "!스케줄 목록", **{"user": HQ, **where})
        assert everything.startswith("📅 스케줄 3개")
        assert_only(everything, "BR1", "BR2", "DT1")
        assert "BR2 공지방" in everything
    # and still only what the admin may see
    branch = await reply_to(ctx, "!스케줄 목록", **direct_chat(USERS["BR2"]))
    assert_only(branch, "BR2")


async def test_who_am_i_in_a_group_room_names_only_that_room(
    cfg: Config, sessions: async_sessionmaker[AsyncSession]
) -> None:
    ctx = await world_with_schedules(cfg, sessions)
    here = await reply_to(ctx, "!내정보", user=HQ)
    assert "HQ 관리자" in here and "HQ 조직 [HQ] · 본사" in here
    assert f"이 방: 도매까 강남지점 공지방 ({BR1_ROOM}) · 관리할 수 있는 방" in here
    assert "(hq)" not in here  # the PHP site login id
    assert not any(chat_id in here for code, chat_id in ROOMS.items() if code != "BR1")
    assert "관리할 수 있는 방 목록은 봇과의 1:1 채팅에서 !내정보 로 보거나" in here

    other = await reply_to(ctx, "!내정보", user=USERS["BR2"])  # in BR1's room
    assert "이 방: 도매까 강남지점 공지방 · 다른 조직의 방이라 다룰 수 없습니다." in other
    assert BR1_ROOM not in other and ROOMS["BR2"] not in other
    unregistered = await reply_to(ctx, "!내정보", user=HQ, room="424242")
    assert "이 방: 발송 대상으로 등록되지 않은 방입니다 (등록: !방 등록 조직코드)." in unregistered

    for where in ({"room": DM_ROOM}, direct_chat(HQ)):
        mine = await reply_to(ctx, "!내정보", **{"user": HQ, **where})
        assert "(hq)" in mine and f"관리할 수 있는 방 {len(ROOMS)}개:" in mine
        assert all(chat_id in mine for chat_id in ROOMS.values())
