"""``!스케줄 건너뛰기 C1`` and ``!스케줄 일시정지 C1 DATE`` act on every active row of a
campaign in one go (a headquarters marketer does not type 500 row ids), and ``!스케줄 켜기 C1``
ends the pause of every row, as on a single schedule; another branch's admin changes nothing."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.config import Config
from storage.kbot_models import ScheduleRule
from tests.commands.test_commands_campaign import CREATE, Chat, rows
from tests.support.command_world import build_world, context


async def rules(sessions: async_sessionmaker[AsyncSession]) -> list[ScheduleRule]:
    async with sessions() as s:
        return list(await s.scalars(select(ScheduleRule).order_by(ScheduleRule.schedule_id)))


async def test_skip_pause_and_resume_a_whole_campaign(
    cfg: Config, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await build_world(sessions)
    ctx, clock, _ = context(cfg, sessions)
    dt1 = Chat(ctx, clock, "DT1")
    assert "캠페인 C1" in await dt1.say(CREATE)  # daily 09:00 in 4 rooms; now 11/26 09:12

    skipped = await dt1.say("!스케줄 건너뛰기 C1")
    assert skipped == (
        "⏭ 캠페인 C1 연말 안내: 4개 방의 다음 발송을 한 번씩 건너뜁니다. "
        "그 뒤 첫 발송은 11/28(토) 09:00입니다."
    )
    assert [r.skip_at for r in await rules(sessions)] == [datetime(2026, 11, 27, 9)] * 4
    assert {r.next_send_at for r in await rows(sessions)} == {datetime(2026, 11, 28, 9)}
    again = await dt1.say("!스케줄 건너뛰기 C1")
    assert "바꿀 수 있는 스케줄이 없습니다" in again  # one skip at a time, on every row

    paused = await dt1.say("!스케줄 일시정지 C1 2026-12-10")
    assert "4개 방에 2026-12-10까지 보내지 않습니다" in paused, paused
    assert "12/11(금) 09:00" in paused and "!스케줄 켜기 C1" in paused
    assert [r.paused_until for r in await rules(sessions)] == [date(2026, 12, 10)] * 4
    assert {r.next_send_at for r in await rows(sessions)} == {datetime(2026, 12, 11, 9)}
    assert "지난 날짜" in await dt1.say("!스케줄 일시정지 C1 2026-11-01")

    await dt1.say("!스케줄 켜기 C1")
    assert [r.paused_until for r in await rules(sessions)] == [None] * 4
    # the pause is over; the skip of 11/27 still holds
    assert {r.next_send_at for r in await rows(sessions)} == {datetime(2026, 11, 28, 9)}


async def test_rows_that_are_off_are_left_alone_and_another_branch_changes_nothing(
    cfg: Config, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await build_world(sessions)
    ctx, clock, _ = context(cfg, sessions)
    dt1 = Chat(ctx, clock, "DT1")
    await dt1.say(CREATE)
    first = (await rows(sessions))[0]
    await dt1.say(f"!스케줄 끄기 {first.id}")

    refused = await Chat(ctx, clock, "BR1").say("!스케줄 일시정지 C1 2026-12-10")
    assert "C1 캠페인이 없거나 볼 권한이 없습니다" in refused
    assert await rules(sessions) == []

    paused = await dt1.say("!스케줄 일시정지 C1 2026-12-10")
    assert "4개 방 중 3개에 2026-12-10까지" in paused, paused
    stored = {r.schedule_id: r.paused_until for r in await rules(sessions)}
    assert first.id not in stored and set(stored.values()) == {date(2026, 12, 10)}
