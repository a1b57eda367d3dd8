"""Schedules created and changed by chat (the services write the rules row and its seed
fingerprint) and then sent by the real scheduler on the same database, day after day on a
fake clock: what chat promises is what goes out, and kbot's own writes are never taken for a
PHP edit."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.chat_kinds import EventChatKinds
from commands.context import CommandContext, build_context
from commands.router import handle_event
from core.config import Config
from scheduler.service import Scheduler
from tests.support.command_world import ROOMS, START, USERS, build_world, event
from tests.support.fakes import FakeClock
from tests.support.rule_rows import rule_of_row, schedule
from tests.support.sched_support import RecordingSender, local, logs, scheduler, with_settings

SEOUL = ZoneInfo("Asia/Seoul")
FORM = "!스케줄 등록\n제목: {title}\n{lines}\n내용:\n안내드립니다"


async def chat_world(
    cfg: Config, sessions: async_sessionmaker[AsyncSession]
) -> tuple[CommandContext, Scheduler, RecordingSender, FakeClock]:
    await build_world(sessions)
    clock = FakeClock(START)  # Thursday 2026-11-26 09:12 in Seoul
    sender = RecordingSender(clock)
    sched = scheduler(with_settings(cfg), sessions, sender, clock)
    ctx = build_context(cfg, sessions, clock, sched, EventChatKinds(None), sched.holidays)
    return ctx, sched, sender, clock


async def say(ctx: CommandContext, text: str) -> str:
    [reply] = await handle_event(ctx, event(text, user=USERS["BR1"], room=ROOMS["BR1"])) or []
    return reply


async def rounds_at(sched: Scheduler, clock: FakeClock, *moments: datetime) -> None:
    for moment in moments:
        clock.set(moment.replace(tzinfo=SEOUL))
        await sched.run_once()


async def test_monthly_last_day_twice_a_day_three_times_then_completed(
    cfg: Config, sessions: async_sessionmaker[AsyncSession]
) -> None:
    ctx, sched, sender, clock = await chat_world(cfg, sessions)
    lines = "유형: 매월\n일: 말일\n시간: 09:00, 18:00\n횟수: 3\n공휴일: 건너뛰기"
    created = await say(ctx, FORM.format(title="마감 공지", lines=lines))
    assert created.startswith("✅ #1"), created
    assert (await schedule(sessions, 1)).next_send_at == local(2026, 11, 30, 9, 0)
    await rounds_at(
        sched,
        clock,
        local(2026, 11, 27, 9, 0),  # not the last day: nothing
        local(2026, 11, 30, 9, 0),
        local(2026, 11, 30, 18, 0),
        local(2026, 12, 1, 9, 0),
        local(2026, 12, 31, 9, 0),
        local(2026, 12, 31, 18, 0),
    )
    assert [e.scheduled_at for e in await logs(sessions)] == [
        local(2026, 11, 30, 9, 0),
        local(2026, 11, 30, 18, 0),
        local(2026, 12, 31, 9, 0),
    ]
    assert len(sender.sent) == 3
    row, rule = await schedule(sessions, 1), await rule_of_row(sessions, 1)
    assert (row.status, row.next_send_at) == ("completed", None)
    assert rule is not None and rule.sends_done == 3  # kept: kbot's writes are not PHP edits


async def test_skip_and_pause_by_chat_hold_exactly_those_sends(
    cfg: Config, sessions: async_sessionmaker[AsyncSession]
) -> None:
    ctx, sched, sender, clock = await chat_world(cfg, sessions)
    created = await say(ctx, FORM.format(title="매일 안내", lines="유형: 매일\n시간: 10:00"))
    assert created.startswith("✅ #1"), created
    assert "11/26(목) 10:00 발송을 건너뜁니다" in await say(ctx, "!스케줄 건너뛰기 1")
    await rounds_at(sched, clock, local(2026, 11, 26, 10, 0), local(2026, 11, 27, 10, 0))
    assert "2026-11-29까지 보내지 않습니다" in await say(ctx, "!스케줄 일시정지 1 2026-11-29")
    await rounds_at(
        sched,
        clock,
        local(2026, 11, 28, 10, 0),
        local(2026, 11, 29, 10, 0),
        local(2026, 11, 30, 10, 0),
    )
    assert [e.scheduled_at.day for e in await logs(sessions)] == [27, 30]
    assert [s.payload for s in sender.sent] == ["안내드립니다", "안내드립니다"]
    assert await rule_of_row(sessions, 1) is not None
