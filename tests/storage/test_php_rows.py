"""Rows the PHP site writes (the seed's columns only, ``next_send_at`` NULL) are due from their
``updated_at``: an occurrence already past when kbot first sees them is sent late within the
grace period or logged as missed, never dropped; and the DATETIMEs kbot writes (and the
MySQL session's ``NOW()``) are local time in the configured zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from commands.router import handle_event
from core.config import Config
from kbot.bootstrap import init_app
from storage.models import Schedule, ScheduleLog
from tests.support.api import make_api
from tests.support.command_world import context, event
from tests.support.fakes import FakeClock
from tests.support.sched_support import (
    ROOM,
    START,
    RecordingSender,
    local,
    run,
    scheduler,
    with_settings,
)

SEOUL = ZoneInfo("Asia/Seoul")
PHP_INSERT = (
    "INSERT INTO kb_schedule (title, created_by_type, created_by_id, created_by_mb_id,"
    " target_room_id, message_text, schedule_type, schedule_date, schedule_time, valid_from,"
    " valid_until, created_at, updated_at) VALUES ('php', 'distributor', 'DT1', 'm1', :room,"
    " 'from php', :type, :date, :time, '2026-01-01 00:00:00', '2027-01-01 00:00:00', :at, :at)"
)


async def php_row(sessions: async_sessionmaker[AsyncSession], **values: Any) -> int:
    async with sessions.begin() as s:
        await s.execute(text(PHP_INSERT), {"room": ROOM, "date": None, **values})
        return int(await s.scalar(select(Schedule.id).order_by(Schedule.id.desc())) or 0)


async def state(sessions: async_sessionmaker[AsyncSession], sid: int) -> tuple[Any, ...]:
    async with sessions() as s:
        row = await s.get(Schedule, sid)
        logs = list(await s.scalars(select(ScheduleLog).where(ScheduleLog.schedule_id == sid)))
    assert row is not None
    return row.status, row.send_count, [(e.scheduled_at, e.status) for e in logs]


async def test_a_once_row_for_five_seconds_ahead_seen_late_is_still_sent(
    cfg: Config, sessions: async_sessionmaker[AsyncSession], world: None
) -> None:
    sid = await php_row(
        sessions, type="once", date="2026-12-01", time="09:00:05", at="2026-12-01 09:00:00"
    )
    clock = FakeClock(START + timedelta(seconds=7))  # kbot looks 7 s after the insert
    sender = RecordingSender(clock)
    outcomes = await run(clock, scheduler(with_settings(cfg), sessions, sender, clock).run_once())
    assert [o.status for o in outcomes] == ["success"]
    assert [s.payload for s in sender.sent] == ["from php"]
    assert await state(sessions, sid) == (
        "completed",
        1,
        [(local(2026, 12, 1, 9, 0, 5), "success")],
    )


async def test_a_daily_row_inserted_a_second_before_its_time_sends_today(
    cfg: Config, sessions: async_sessionmaker[AsyncSession], world: None
) -> None:
    sid = await php_row(sessions, type="daily", time="09:00:00", at="2026-12-01 08:59:59")
    clock = FakeClock(START + timedelta(seconds=3))
    sender = RecordingSender(clock)
    await run(clock, scheduler(with_settings(cfg), sessions, sender, clock).run_once())
    assert len(sender.sent) == 1
    async with sessions() as s:
        assert await s.scalar(select(Schedule.next_send_at)) == local(2026, 12, 2, 9, 0)
    assert (await state(sessions, sid))[2] == [(local(2026, 12, 1, 9, 0), "success")]


async def test_a_once_row_seen_after_the_grace_period_ends_with_a_missed_log(
    cfg: Config, sessions: async_sessionmaker[AsyncSession], world: None
) -> None:
    sid = await php_row(
        sessions, type="once", date="2026-12-01", time="09:00:05", at="2026-12-01 09:00:00"
    )
    clock = FakeClock(START + timedelta(minutes=20))  # kbot was down for 20 minutes
    sender = RecordingSender(clock)
    await run(clock, scheduler(with_settings(cfg), sessions, sender, clock).run_once())
    assert sender.sent == []
    status, count, logs = await state(sessions, sid)
    assert (status, count, logs) == ("completed", 0, [(local(2026, 12, 1, 9, 0, 5), "failed")])


async def test_every_time_since_updated_at_is_logged_and_the_last_one_sent(
    cfg: Config, sessions: async_sessionmaker[AsyncSession], world: None
) -> None:
    sid = await php_row(sessions, type="daily", time="08:58:00", at="2026-11-28 10:00:00")
    clock = FakeClock(START)  # 12/1 09:00: 11/29, 11/30 missed; 12/1 08:58 within the grace
    sender = RecordingSender(clock)
    await run(clock, scheduler(with_settings(cfg), sessions, sender, clock).run_once())
    assert len(sender.sent) == 1
    assert (await state(sessions, sid))[2] == [
        (local(2026, 11, 29, 8, 58), "failed"),
        (local(2026, 11, 30, 8, 58), "failed"),
        (local(2026, 12, 1, 8, 58), "success"),
    ]


async def test_kbot_writes_local_created_and_updated_at_and_mysql_now_is_local(
    cfg: Config, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession], world: None
) -> None:
    clock = FakeClock(START + timedelta(minutes=30))  # 09:30 local
    sid = await php_row(sessions, type="daily", time="09:30:00", at="2026-12-01 09:00:00")
    await run(
        clock, scheduler(with_settings(cfg), sessions, RecordingSender(clock), clock).run_once()
    )
    async with sessions() as s:
        [entry] = list(await s.scalars(select(ScheduleLog).where(ScheduleLog.schedule_id == sid)))
    assert entry.created_at == local(2026, 12, 1, 9, 30)  # not 00:30, the UTC reading
    if engine.dialect.name == "sqlite":
        return  # no session zone: kbot writes every DATETIME itself
    async with engine.connect() as conn:
        now = await conn.scalar(text("SELECT NOW()"))
    expected = datetime.now(UTC).astimezone(SEOUL).replace(tzinfo=None)
    assert abs((now - expected).total_seconds()) < 60


async def test_start_up_warns_when_the_database_servers_zone_is_not_local(
    cfg: Config,
    engine: AsyncEngine,
    caplog: pytest.LogCaptureFixture,
    aiohttp_client: Any,
) -> None:
    await aiohttp_client(await init_app(cfg, clock=FakeClock(START)))
    warned = [r.getMessage() for r in caplog.records if "default time zone" in r.getMessage()]
    if engine.dialect.name == "sqlite":
        assert warned == []
    else:  # the test server runs in UTC, kbot in Asia/Seoul
        assert len(warned) == 1 and "UTC+0 min, not Asia/Seoul" in warned[0]


async def test_odd_message_images_written_by_sql_are_shown_not_crashed_on(
    cfg: Config, sessions: async_sessionmaker[AsyncSession], aiohttp_client: Any
) -> None:
    """``message_images`` is the PHP site's column too: a bare list, string ids and stray
    entries are read the same way by chat, the API and the delete check."""
    api = await make_api(aiohttp_client, cfg, sessions)
    created = await api.create()
    async with sessions.begin() as s:
        row = await s.get(Schedule, created["id"])
        assert row is not None
        stored: Any = [{"id": "7"}, "stray", {"file_path": "/x.png"}, {"id": 9}]  # as PHP writes
        row.message_images = stored
    status, body = await api.call("GET", f"/api/schedules/{created['id']}")
    assert (status, body["image_ids"]) == (200, [7, 9])
    ctx, _, _ = context(cfg, sessions)
    [shown] = await handle_event(ctx, event(f"!스케줄 보기 {created['id']}")) or []
    assert "이미지: 7, 9" in shown
