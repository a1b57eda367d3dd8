"""Dates in chat (issue 12, item 6) through ``handle_event`` on both backends: a date without
a year that is already past is refused naming 날짜, replies show the year of a send time that
is not in the current year, and examples in errors are valid on the day they are shown."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from commands.context import CommandContext
from commands.router import handle_event
from core.config import Config
from storage.models import Schedule
from tests.support.command_world import build_world, context, count, event

ONCE = "!스케줄 등록\n제목: 안내\n유형: 1회\n날짜: {date}\n시간: 10:00\n내용:\n안녕"
DAILY = "!스케줄 등록\n제목: 연말 안내\n유형: 매일\n시간: 10:00\n내용:\n안녕"
DEC_2 = datetime(2026, 12, 2, 0, 0, tzinfo=UTC)  # Wednesday 2026-12-02 09:00 in Seoul


async def reply_to(ctx: CommandContext, text: str) -> str:
    [reply] = await handle_event(ctx, event(text)) or []
    return reply


async def test_a_past_date_without_a_year_is_refused_not_moved_to_next_year(
    cfg: Config, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await build_world(sessions)
    ctx, clock, port = context(cfg, sessions)
    clock.set(DEC_2)
    refused = await reply_to(ctx, ONCE.format(date="12/1"))
    assert refused.startswith("❌ 날짜: '12/1'은 이미 지난 날짜입니다.")
    assert "연도를 붙여" in refused and "2027-12-01" in refused
    assert refused.endswith("\n예) 날짜: 2027-01-01")  # an example valid today
    assert await count(sessions, Schedule) == 0 and port.wakes == 0

    today = await reply_to(ctx, ONCE.format(date="12/2"))  # today's date stays valid
    assert today.startswith("✅ #1") and "12/2(수) 10:00" in today
    with_year = await reply_to(ctx, ONCE.format(date="2027-12-01"))
    assert with_year.startswith("✅ #2") and "2027/12/1(수) 10:00" in with_year


async def test_send_times_show_the_year_only_when_it_is_not_this_year(
    cfg: Config, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await build_world(sessions)
    ctx, clock, _ = context(cfg, sessions)
    clock.set(datetime(2026, 12, 29, 3, 0, tzinfo=UTC))  # Tuesday 12:00 in Seoul
    created = await reply_to(ctx, DAILY)
    assert "다음 발송: 12/30(수) 10:00, 12/31(목) 10:00, 2027/1/1(금) 10:00" in created
    shown = await reply_to(ctx, "!스케줄 보기 1")
    assert "2027/1/2(토) 10:00, 2027/1/3(일) 10:00" in shown
    listing = await reply_to(ctx, "!스케줄 목록")
    assert "다음 12/30(수) 10:00" in listing

    clock.set(datetime(2027, 1, 1, 3, 0, tzinfo=UTC))  # a new year: no year on its dates
    shown = await reply_to(ctx, "!스케줄 보기 1")
    assert "다음 발송: 1/2(토) 10:00" in shown and "2027/" not in shown
