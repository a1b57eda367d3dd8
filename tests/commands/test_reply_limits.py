"""Nobody can make the bot flood a room: every reply is cut to chat size and at most a few
messages, replies are metered per room and per sender, strangers hear one refusal a minute,
and what is stored or shown is free of control and bidi characters."""

from __future__ import annotations

from typing import Any

from sqlalchemy import create_engine, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.text_chunks import TRUNCATED_HINT
from commands.router import MAX_REPLY_MESSAGES, MESSAGE_LIMIT, handle_event
from core.config import Config
from storage.kbot_models import Room
from storage.models import Schedule
from tests.support.command_world import (
    BR1_ROOM,
    BR1_USER,
    ROOMS,
    USERS,
    build_world,
    context,
    event,
)

CREATE = "!스케줄 등록\n제목: {title}\n유형: 매일\n시간: 10:00\n{extra}내용:\n{text}"


async def test_a_huge_description_written_by_sql_is_shown_in_a_few_chat_sized_messages(
    cfg: Config, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await build_world(sessions)
    ctx, _, _ = context(cfg, sessions)
    [saved] = await handle_event(ctx, event(CREATE.format(title="t", extra="", text="본문"))) or []
    assert "#1" in saved
    async with sessions.begin() as s:  # the PHP site (or SQL) writes 60,000 chars (TEXT max)
        await s.execute(update(Schedule).values(description="long text " * 6_000))
    replies = await handle_event(ctx, event("!스케줄 보기 1")) or []
    assert 1 < len(replies) <= MAX_REPLY_MESSAGES
    assert all(len(text) <= MESSAGE_LIMIT for text in replies)
    assert replies[-1].endswith(TRUNCATED_HINT)


async def test_the_description_has_one_length_limit_at_every_door(
    cfg: Config, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await build_world(sessions)
    ctx, _, _ = context(cfg, sessions)
    form = CREATE.format(title="t", extra=f"설명: {'가' * 1001}\n", text="본문")
    [reply] = await handle_event(ctx, event(form)) or []
    assert reply.startswith("❌ 설명:") and "1000자" in reply
    async with sessions() as s:
        assert await s.scalar(select(Schedule.id)) is None


async def test_a_stranger_hears_one_refusal_a_minute(
    cfg: Config, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await build_world(sessions)
    ctx, clock, _ = context(cfg, sessions)
    answers = [await handle_event(ctx, event("!스케줄 목록", user="31337")) for _ in range(300)]
    [refusal] = answers[0] or []
    assert [a for a in answers if a] == [[refusal]] and "권한" in refusal
    await clock.advance(59)
    assert await handle_event(ctx, event("!내정보", user="31337")) is None
    await clock.advance(1)
    assert await handle_event(ctx, event("!내정보", user="31337")) is not None


async def test_replies_are_metered_per_sender_and_per_room(
    cfg: Config, sessions: async_sessionmaker[AsyncSession]
) -> None:
    bot = cfg.bot.model_copy(
        update={"replies_per_sender_per_minute": 4, "replies_per_room_per_minute": 6}
    )
    await build_world(sessions)
    ctx, clock, _ = context(cfg.model_copy(update={"bot": bot}), sessions)

    async def said(user: str, times: int, room: str = BR1_ROOM) -> int:
        replies = [await handle_event(ctx, event("!내정보", user=user, room=room)) or []]
        for _ in range(times - 1):
            replies.append(await handle_event(ctx, event("!내정보", user=user, room=room)) or [])
        return sum(len(r) for r in replies)

    assert await said(BR1_USER, 10) == 4  # the sender's allowance
    assert await said(USERS["HQ"], 10) == 2  # the room's allowance (6) is used up
    assert await said(USERS["HQ"], 1, room=ROOMS["BR2"]) == 1  # another room is not affected
    await clock.advance(30)  # half a minute refills half of each allowance
    assert await said(BR1_USER, 10) == 2


async def test_control_and_bidi_characters_never_reach_the_database(
    cfg: Config, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await build_world(sessions)
    ctx, _, _ = context(cfg, sessions)
    title = "특가\u202egpj.exe\x1b[2J"
    form = CREATE.format(title=title, extra="설명: a\x00b\u2066c\n", text="본문\x1b[31m 빨강")
    [saved] = await handle_event(ctx, event(form)) or []
    assert saved.startswith("✅"), saved
    async with sessions() as s:
        row = await s.scalar(select(Schedule))
    assert row is not None
    assert (row.title, row.description, row.message_text) == (
        "특가gpj.exe[2J",
        "abc",
        "본문[31m 빨강",
    )


def test_the_cli_stores_names_clean_and_shows_stored_ones_escaped(kbot: Any, db_url: str) -> None:
    assert kbot("db", "upgrade")[0] == 0
    assert (
        kbot("org", "add", "--type", "headquarters", "--code", "HQ", "--name", "본\u202e사")[0] == 0
    )
    code, _, err = kbot(
        "room", "add", "--room-id", "555", "--name", "방\u202e이름\x07", "--org", "HQ"
    )
    assert code == 0, err
    code, out, _ = kbot("room", "list")
    assert "방이름" in out and "\u202e" not in out
    engine = create_engine(db_url.replace("+aiosqlite", "").replace("+aiomysql", "+pymysql"))
    with engine.begin() as conn:  # what the PHP site (or anyone with SQL) may still write
        conn.execute(update(Room).where(Room.chat_id == "555").values(name="x\x1b[2Jy\u202ez"))
    engine.dispose()
    code, out, _ = kbot("room", "list")
    assert code == 0 and "\x1b" not in out and "\u202e" not in out
    assert "x\\x1b[2Jy\\u202ez" in out
    code, out, _ = kbot("org", "list")
    assert "본사" in out
