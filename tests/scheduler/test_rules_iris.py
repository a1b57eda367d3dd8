"""Richer rules end to end: the assembled app (its scheduler and holiday calendar) on a
fake clock, sending to a fake Iris over real HTTP. 2027 설날 is skipped by the configured
policy; a PHP edit of the seed's timing drops the richer rule, is audited, told to the
schedule's notify room, and the new seed time is followed."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from core.config import load_config
from kbot.bootstrap import init_app
from scheduler.holiday_source import HolidaySource
from storage.kbot_models import AuditEntry, ScheduleMeta
from storage.models import Schedule, ScheduleLog
from tests.support.fakes import FakeClock, FakeIris
from tests.support.rule_rows import add_holiday, add_rule, rule_of_row, schedule
from tests.support.sched_support import OTHER_ROOM, ROOM, add_schedule, local, make_world
from web import keys

SEOUL = ZoneInfo("Asia/Seoul")
Client = Callable[[web.Application], Awaitable[Any]]


@asynccontextmanager
async def served(
    db_url: str, tmp_path: Path, client: Client, clock: FakeClock, **env: str
) -> AsyncIterator[tuple[web.Application, FakeIris]]:
    async with FakeIris() as iris:
        cfg = load_config(
            env={
                "KBOT_DATABASE__URL": db_url,
                "KBOT_DATA_DIR": str(tmp_path / "data"),
                "KBOT_WEB__SECRET_KEY": "test-secret-key-0123456789",
                "KBOT_BOT__TRANSPORT": "iris",
                "KBOT_BOT__WEBHOOK_TOKEN": "t0ken",
                "KBOT_BOT__IRIS__URL": iris.url,
                "KBOT_BOT__IRIS__BOT_ID": iris.bot_id,
                "KBOT_BOT__IRIS__TEXT_GAP_MS": "0",
                "KBOT_SCHEDULER__ROOM_MIN_INTERVAL_S": "0",
                "KBOT_SCHEDULER__ENABLED": "false",
                **env,
            }
        )
        app = await init_app(cfg, clock=clock)
        running = await client(app)
        await make_world(app[keys.SESSIONS])
        try:
            yield app, iris
        finally:
            await running.close()  # stop the scheduler while the database still exists


async def round_at(app: web.Application, clock: FakeClock, when: datetime) -> None:
    """Jump to ``when`` (naive Seoul) and run one round of the app's scheduler to the end
    (its loop is off: the rounds are the test's)."""
    clock.set(when.replace(tzinfo=SEOUL))
    await app[keys.SCHEDULER].run_once()
    await app[keys.SCHEDULER].drain()


async def test_daily_schedule_sends_nothing_over_seollal_2027_and_resumes(
    db_url: str, engine: AsyncEngine, tmp_path: Path, aiohttp_client: Client
) -> None:
    """Policy 'skip' from the configuration (the schedule has no rules row): nothing on
    Feb 6-9 (설날 전날, 설날, 다음날, 대체 휴일), then daily again."""
    clock = FakeClock(local(2027, 2, 5, 9, 0).replace(tzinfo=SEOUL))
    env = {"KBOT_SCHEDULER__HOLIDAY_POLICY": "skip"}
    async with served(db_url, tmp_path, aiohttp_client, clock, **env) as (app, iris):
        sessions = app[keys.SESSIONS]
        sid = await add_schedule(sessions, next_send_at=local(2027, 2, 5, 9, 30))
        sent_on: list[int] = []
        for day in range(5, 13):
            await round_at(app, clock, local(2027, 2, day, 9, 30))
            if len(iris.calls) > len(sent_on):
                sent_on.append(day)
            if day == 5:
                assert (await schedule(sessions, sid)).next_send_at == local(2027, 2, 10, 9, 30)
        assert sent_on == [5, 10, 11, 12]
        assert {call.body["room"] for call in iris.calls} == {ROOM}
        async with sessions() as s:
            logged = list(await s.scalars(select(ScheduleLog.scheduled_at)))
        assert [d.day for d in logged] == [5, 10, 11, 12]  # no missed log for the holidays


async def test_a_php_edit_of_the_seed_time_drops_the_rule_audits_tells_and_follows_it(
    db_url: str, engine: AsyncEngine, tmp_path: Path, aiohttp_client: Client
) -> None:
    clock = FakeClock(local(2026, 12, 1, 10, 0).replace(tzinfo=SEOUL))
    async with served(db_url, tmp_path, aiohttp_client, clock) as (app, iris):
        sessions = app[keys.SESSIONS]
        sid = await add_schedule(
            sessions, schedule_time=time(9, 0), next_send_at=local(2026, 12, 1, 18, 0)
        )
        await add_rule(sessions, sid, times="09:00,18:00")
        async with sessions() as s, s.begin():
            s.add(ScheduleMeta(schedule_id=sid, notify_room_id=OTHER_ROOM))
            # the PHP site: a new time, next_send_at back to NULL, updated_at now
            await s.execute(
                update(Schedule)
                .where(Schedule.id == sid)
                .values(
                    schedule_time=time(10, 15),
                    next_send_at=None,
                    updated_at=local(2026, 12, 1, 10, 0),
                )
            )
        await round_at(app, clock, local(2026, 12, 1, 10, 0, 5))
        [notice] = await iris.wait_for_calls(1)
        assert notice.body["room"] == OTHER_ROOM
        assert f"스케줄 #{sid}" in notice.body["data"] and "PHP" in notice.body["data"]
        assert await rule_of_row(sessions, sid) is None
        assert (await schedule(sessions, sid)).next_send_at == local(2026, 12, 1, 10, 15)
        async with sessions() as s:
            by_scheduler = select(AuditEntry).where(AuditEntry.actor == "scheduler")
            [entry] = (await s.scalars(by_scheduler)).all()
        assert (entry.actor, entry.action, entry.entity, entry.entity_id) == (
            "scheduler",
            "drop_rule",
            "schedule_rule",
            str(sid),
        )
        assert entry.before is not None and entry.before["times"] == "09:00,18:00"
        for moment in (local(2026, 12, 1, 10, 15), local(2026, 12, 1, 18, 0)):
            await round_at(app, clock, moment)
        calls = await iris.wait_for_calls(2)
        assert [(c.body["room"], c.body["data"]) for c in calls[1:]] == [(ROOM, "안녕하세요")]
        assert len(iris.calls) == 2  # nothing at 18:00, a time the seed no longer has
        assert (await schedule(sessions, sid)).next_send_at == local(2026, 12, 2, 10, 15)


async def test_holiday_source_keeps_one_calendar_until_the_table_changes_and_60_s_pass(
    sessions: Any,
) -> None:
    clock = FakeClock(local(2026, 12, 1, 9, 0).replace(tzinfo=SEOUL))
    source = HolidaySource(sessions, clock, SEOUL)
    first = await source.fresh()
    assert first.holiday(date(2027, 2, 9)) == "설날 대체 휴일"
    assert first.holiday(date(2026, 12, 24)) is None
    assert await source.fresh() is first
    await add_holiday(sessions, date(2026, 12, 24), "회사 휴무")
    await clock.advance(59)
    assert await source.fresh() is first  # checked at most every 60 s
    await clock.advance(1)
    second = await source.fresh()
    assert second is not first and source.current() is second
    assert second.holiday(date(2026, 12, 24)) == "회사 휴무"
    await clock.advance(timedelta(minutes=5).total_seconds())
    assert await source.fresh() is second  # unchanged table: the same object (cache warm)
    await add_holiday(sessions, date(2027, 2, 9), "대체 휴일 아님", off=False)
    await clock.advance(60)
    assert (await source.fresh()).holiday(date(2027, 2, 9)) is None
