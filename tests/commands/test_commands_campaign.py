"""Campaign commands end to end through ``handle_event`` on both backends: ``방: DT1 전체``
makes one row per live room of the subtree, and ``C1`` acts on all of them while ``#id`` still
manages one row alone."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from commands.context import CommandContext
from commands.router import handle_event
from core.config import Config
from storage import rooms
from storage.kbot_models import Campaign, Org
from storage.models import Schedule, ScheduleLog
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
from tests.support.fakes import FakeClock

CREATE = (
    "!스케줄 등록\n제목: 연말 안내\n방: DT1 전체\n유형: 매일\n시간: 09:00\n내용:\n"
    "{지점명} {방이름} 안내입니다"
)
DT1_ROOMS = {ROOMS[code] for code in ("DT1", "AG1", "BR1", "BR2")}  # live rooms under DT1


class Chat:
    """One admin typing in one room (1:1 with the bot unless ``room`` is given), the clock
    moving on between messages as a person's would (the reply limits stay out of the way)."""

    def __init__(self, ctx: CommandContext, clock: FakeClock, who: str, room: str | None = None):
        self.ctx, self.clock = ctx, clock
        self.where: dict[str, Any] = (
            direct_chat(USERS[who]) if room is None else {"user": USERS[who], "room": room}
        )

    async def say(self, text: str) -> str:
        replies = await handle_event(self.ctx, event(text, **self.where)) or []
        await self.clock.advance(5)
        return "\n".join(replies)


async def rows(sessions: async_sessionmaker[AsyncSession]) -> list[Schedule]:
    async with sessions() as s:
        return list(await s.scalars(select(Schedule).order_by(Schedule.id)))


async def row_in(sessions: async_sessionmaker[AsyncSession], room: str) -> Schedule:
    return next(row for row in await rows(sessions) if row.target_room_id == room)


async def test_org_campaign_is_created_listed_shown_toggled_and_edited(
    cfg: Config, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await build_world(sessions)
    ctx, clock, port = context(cfg, sessions)
    dt1 = Chat(ctx, clock, "DT1")

    created = await dt1.say(CREATE)
    assert "✅ 캠페인 C1 등록 — 4개 방" in created, created
    assert "연말 안내" in created and "매일 09:00" in created
    assert "11/27(금) 09:00" in created and "#1" not in created
    made = await rows(sessions)
    assert {row.target_room_id for row in made} == DT1_ROOMS
    assert all(row.status == "active" and row.schedule_time == time(9) for row in made)
    assert await count(sessions, Campaign) == 1
    assert port.wakes == 1

    listing = await dt1.say("!스케줄 목록")
    assert "C1 연말 안내 — 4개 방, 다음 11/27(금) 09:00" in listing, listing
    assert "#" not in listing.split("\n", 1)[1]  # no row of its own

    # a group room lists only its own row, marked as part of the campaign
    br1_row = await row_in(sessions, BR1_ROOM)
    here = await Chat(ctx, clock, "DT1", BR1_ROOM).say("!스케줄 목록")
    assert f"#{br1_row.id} 연말 안내 (캠페인 C1)" in here and "4개 방" not in here

    shown = await dt1.say("!스케줄 보기 c1")
    assert "캠페인 C1 연말 안내" in shown and "방: 4개" in shown
    assert "도매까 강남지점 공지방" in shown and "활성 4" in shown
    assert "11/27(금) 09:00" in shown

    off = await dt1.say("!스케줄 끄기 캠페인1")
    assert "4개 방 스케줄을 껐습니다" in off and "!스케줄 켜기 C1" in off
    assert {row.status for row in await rows(sessions)} == {"inactive"}
    again = await dt1.say("!스케줄 끄기 C1")
    assert "4개는 이미 모두 꺼져 있습니다" in again
    on = await dt1.say("!스케줄 켜기 C1")
    assert "4개 방 스케줄을 켰습니다." in on
    assert "4개는 이미 모두 켜져 있습니다" in await dt1.say("!스케줄 켜기 C1")
    assert {row.status for row in await rows(sessions)} == {"active"}

    edited = await dt1.say("!스케줄 수정 C1\n시간: 10:00")
    assert "✅ 캠페인 C1 수정 — 4개 방" in edited and "매일 10:00" in edited
    assert {row.schedule_time for row in await rows(sessions)} == {time(10)}

    # one row is still managed alone by its #id
    alone = await dt1.say(f"!스케줄 끄기 {br1_row.id}")
    assert f"#{br1_row.id}" in alone and "껐습니다" in alone
    statuses = {row.target_room_id: row.status for row in await rows(sessions)}
    assert statuses.pop(BR1_ROOM) == "inactive" and set(statuses.values()) == {"active"}
    assert "활성 3 / 비활성 1" in await dt1.say("!스케줄 보기 C1")


async def test_room_refresh_test_logs_and_delete(
    cfg: Config, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await build_world(sessions)
    ctx, clock, port = context(cfg, sessions)
    dt1 = Chat(ctx, clock, "DT1")
    await dt1.say(CREATE)

    # a room registered later under DT1 is not added silently; 방: again refreshes the set
    async with sessions.begin() as s:
        await rooms.add_room(
            s, chat_id="100000000000099", name="AG1 새방", org_code="AG1", at=START, actor="t"
        )
    assert "방: 4개" in await dt1.say("!스케줄 보기 C1")
    refreshed = await dt1.say("!스케줄 수정 C1\n방: DT1 전체")
    assert "5개 방" in refreshed and "방 1개 추가: AG1 새방" in refreshed, refreshed
    assert len(await rows(sessions)) == 5

    tested = await dt1.say("!스케줄 테스트 C1")
    first = (await rows(sessions))[0]
    assert port.sends == [(first.id, "test", f"user:{USERS['DT1']}")], tested
    assert f"#{first.id}" in tested and "캠페인 C1" in tested

    assert "발송 기록이 없습니다" in await dt1.say("!스케줄 로그 C1")
    async with sessions.begin() as s:
        for day, row in enumerate(await rows(sessions), start=20):
            moment = datetime(2026, 11, day, 9)
            s.add(
                ScheduleLog(
                    schedule_id=row.id,
                    target_room_id=row.target_room_id,
                    status="success",
                    scheduled_at=moment,
                    started_at=moment,
                )
            )
    logs = await dt1.say("!스케줄 로그 C1")
    assert "캠페인 C1 최근 발송 5건" in logs
    assert "도매까 강남지점 공지방" in logs and "AG1 새방" in logs

    refused = await dt1.say("!스케줄 발송 C1")
    assert "스케줄 테스트 C1" in refused and len(port.sends) == 1

    asked = await dt1.say("!스케줄 삭제 C1")
    assert "방 5개" in asked and "!스케줄 삭제 C1 확인" in asked
    assert len(await rows(sessions)) == 5
    deleted = await dt1.say("!스케줄 삭제 C1 확인")
    assert "삭제했습니다" in deleted and "발송 기록 5건" in deleted
    assert await rows(sessions) == []
    assert "❌ ID:" in await dt1.say("!스케줄 보기 C1")


async def test_refusals_create_nothing_and_ids_are_explained(
    cfg: Config, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await build_world(sessions)
    ctx, clock, _ = context(cfg, sessions)
    br1 = Chat(ctx, clock, "BR1")

    refused = await br1.say(CREATE)  # a branch admin cannot reach DT1's rooms
    assert refused.startswith(("❌", "🔒")), refused
    assert await count(sessions, Schedule) == 0 and await count(sessions, Campaign) == 0

    await Chat(ctx, clock, "DT1").say(CREATE)
    bad = await br1.say("!스케줄 보기 X1")
    assert "C12" in bad and "#12" in bad
    missing = await br1.say("!스케줄 보기 C99")
    assert "❌ ID:" in missing and "!스케줄 목록" in missing


async def test_preview_of_a_campaign_fills_in_the_room_named(
    cfg: Config, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await build_world(sessions)
    ctx, clock, _ = context(cfg, sessions)
    dt1 = Chat(ctx, clock, "DT1")
    assert "캠페인 C1" in await dt1.say(CREATE)
    async with sessions() as s:
        names = dict((await s.execute(select(Org.code, Org.name))).all())

    br2 = await dt1.say("!스케줄 미리보기 C1 BR2 공지방")
    assert f"{names['BR2']} BR2 공지방 안내입니다" in br2, br2
    assert "11/27(금) 09:00" in br2 and "'BR2 공지방' 방이" in br2
    first = await dt1.say("!스케줄 미리보기 C1")  # no room: the first row by room name
    assert f"{names['AG1']} AG1 공지방 안내입니다" in first, first
    stranger = await dt1.say("!스케줄 미리보기 C1 BR3 공지방")  # not one of its rooms
    assert stranger.startswith("❌ 방") and "BR3 공지방" in stranger, stranger
    # the stored row keeps the template
    texts = {row.message_text for row in await rows(sessions)}
    assert texts == {"{지점명} {방이름} 안내입니다"}
