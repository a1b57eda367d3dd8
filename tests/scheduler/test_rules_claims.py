"""The scheduler with richer rules (``kbot_schedule_rules``) and the holiday calendar: the
real claim path on the test database, day after day on a fake clock. Rules rows are written
directly, as the services, the PHP site or a SQL user would."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.config import Config
from scheduler.schedule_rule import fingerprint
from scheduler.service import Scheduler
from storage.models import Schedule
from tests.support.fakes import FakeClock
from tests.support.rule_rows import add_holiday, add_rule, rule_of_row, schedule
from tests.support.sched_support import (
    RecordingSender,
    add_schedule,
    local,
    logs,
    scheduler,
    with_settings,
)

SEOUL = ZoneInfo("Asia/Seoul")


def at(when: datetime) -> datetime:
    """The aware instant of a naive Seoul wall time."""
    return when.replace(tzinfo=SEOUL)


async def days(
    clock: FakeClock, sched: Scheduler, sender: RecordingSender, first: date, count: int
) -> list[date]:
    """Run one claim round at 09:30 on each of ``count`` days from ``first``: the days a
    send went out."""
    sent_on = []
    for n in range(count):
        day = date.fromordinal(first.toordinal() + n)
        clock.set(at(datetime(day.year, day.month, day.day, 9, 30)))
        before = len(sender.sent)
        await sched.run_once()
        if len(sender.sent) > before:
            sent_on.append(day)
    return sent_on


def world_scheduler(
    cfg: Config, sessions: async_sessionmaker[AsyncSession], clock: FakeClock, **settings: Any
) -> tuple[Scheduler, RecordingSender]:
    sender = RecordingSender(clock)
    return scheduler(with_settings(cfg, **settings), sessions, sender, clock), sender


async def test_max_sends_three_then_completed(
    cfg: Config, sessions: async_sessionmaker[AsyncSession], world: None
) -> None:
    clock = FakeClock(at(local(2026, 12, 1, 9, 30)))
    sched, sender = world_scheduler(cfg, sessions, clock)
    sid = await add_schedule(sessions)
    await add_rule(sessions, sid, max_sends=3)
    sent = await days(clock, sched, sender, date(2026, 12, 1), 5)
    assert sent == [date(2026, 12, 1), date(2026, 12, 2), date(2026, 12, 3)]
    row = await schedule(sessions, sid)
    assert (row.status, row.next_send_at) == ("completed", None)
    rule = await rule_of_row(sessions, sid)
    assert rule is not None and rule.sends_done == 3
    assert [entry.status for entry in await logs(sessions)] == ["success"] * 3


async def test_a_test_send_does_not_count(
    cfg: Config, sessions: async_sessionmaker[AsyncSession], world: None
) -> None:
    clock = FakeClock(at(local(2026, 12, 1, 8, 0)))
    sched, sender = world_scheduler(cfg, sessions, clock)
    sid = await add_schedule(sessions)
    await add_rule(sessions, sid, max_sends=2)
    outcome = await sched.send_now(sid, kind="test")
    assert outcome.status == "success"
    sent = await days(clock, sched, sender, date(2026, 12, 1), 4)
    assert sent == [date(2026, 12, 1), date(2026, 12, 2)]
    rule = await rule_of_row(sessions, sid)
    assert rule is not None and rule.sends_done == 2


async def test_skip_at_skips_that_time_once_without_a_missed_log(
    cfg: Config, sessions: async_sessionmaker[AsyncSession], world: None
) -> None:
    clock = FakeClock(at(local(2026, 12, 1, 9, 30)))
    sched, sender = world_scheduler(cfg, sessions, clock)
    sid = await add_schedule(sessions)
    await add_rule(sessions, sid, skip_at=local(2026, 12, 2, 9, 30))
    sent = await days(clock, sched, sender, date(2026, 12, 1), 4)
    assert sent == [date(2026, 12, 1), date(2026, 12, 3), date(2026, 12, 4)]
    assert [e.scheduled_at.day for e in await logs(sessions)] == [1, 3, 4]  # no missed log


async def test_paused_until_holds_sends_then_resumes(
    cfg: Config, sessions: async_sessionmaker[AsyncSession], world: None
) -> None:
    clock = FakeClock(at(local(2026, 12, 1, 9, 30)))
    sched, sender = world_scheduler(cfg, sessions, clock)
    sid = await add_schedule(sessions)  # next_send_at 12-01 09:30, set before the pause
    await add_rule(sessions, sid, paused_until=date(2026, 12, 3))
    sent = await days(clock, sched, sender, date(2026, 12, 1), 6)
    assert sent == [date(2026, 12, 4), date(2026, 12, 5), date(2026, 12, 6)]
    assert [e.scheduled_at.day for e in await logs(sessions)] == [4, 5, 6]


async def test_next_business_day_moves_the_send_past_seollal(
    cfg: Config, sessions: async_sessionmaker[AsyncSession], world: None
) -> None:
    """Weekly on Monday; Monday 2027-02-08 is 설날 다음날 and Tuesday its substitute holiday:
    the send moves to Wednesday the 10th, same wall time."""
    clock = FakeClock(at(local(2027, 2, 1, 9, 30)))
    sched, sender = world_scheduler(cfg, sessions, clock)
    sid = await add_schedule(
        sessions,
        schedule_type="weekly",
        schedule_weekdays={"monday"},
        next_send_at=local(2027, 2, 1, 9, 30),
    )
    await add_rule(sessions, sid, holiday_policy="next_business_day")
    assert await days(clock, sched, sender, date(2027, 2, 1), 1) == [date(2027, 2, 1)]
    assert (await schedule(sessions, sid)).next_send_at == local(2027, 2, 10, 9, 30)
    sent = await days(clock, sched, sender, date(2027, 2, 2), 14)
    assert sent == [date(2027, 2, 10), date(2027, 2, 15)]
    assert [e.scheduled_at for e in await logs(sessions)][1:] == [
        local(2027, 2, 10, 9, 30),
        local(2027, 2, 15, 9, 30),
    ]


async def test_a_kbot_holiday_day_is_skipped_once_the_calendar_is_refreshed(
    cfg: Config, sessions: async_sessionmaker[AsyncSession], world: None
) -> None:
    """The day is added after next_send_at already names it: the claim re-checks the stored
    time against the refreshed calendar (the clock moved more than 60 s)."""
    clock = FakeClock(at(local(2026, 12, 1, 9, 30)))
    sched, sender = world_scheduler(cfg, sessions, clock, holiday_policy="skip")
    sid = await add_schedule(sessions)
    assert await days(clock, sched, sender, date(2026, 12, 1), 1) == [date(2026, 12, 1)]
    assert (await schedule(sessions, sid)).next_send_at == local(2026, 12, 2, 9, 30)
    await add_holiday(sessions, date(2026, 12, 2), "창립기념일")
    sent = await days(clock, sched, sender, date(2026, 12, 2), 2)
    assert sent == [date(2026, 12, 3)]
    assert [e.scheduled_at.day for e in await logs(sessions)] == [1, 3]


@pytest.mark.parametrize(
    "bad",
    [{"times": "abc"}, {"kind": "yearly"}, {"holiday_policy": "sometimes"}, {"max_sends": 0}],
)
async def test_a_rules_row_with_garbage_puts_the_schedule_in_error(
    cfg: Config,
    sessions: async_sessionmaker[AsyncSession],
    world: None,
    bad: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = FakeClock(at(local(2026, 12, 1, 9, 30)))
    sched, sender = world_scheduler(cfg, sessions, clock)
    sid = await add_schedule(sessions)
    await add_rule(sessions, sid, **bad)
    assert await days(clock, sched, sender, date(2026, 12, 1), 2) == []
    assert (await schedule(sessions, sid)).status == "error"
    assert await logs(sessions) == []
    assert f"schedule {sid} has an invalid rule" in caplog.text


async def test_two_instances_never_send_past_the_count(
    cfg: Config, sessions: async_sessionmaker[AsyncSession], world: None
) -> None:
    """Two schedulers (two lease owners) claim side by side every day; with 횟수 2 each
    schedule sends exactly twice and ends, whoever claimed it."""
    clock = FakeClock(at(local(2026, 12, 1, 9, 30)))
    sender = RecordingSender(clock)
    settings = with_settings(cfg, claim_batch=7, room_daily_limit=1000)
    pair = [scheduler(settings, sessions, sender, clock, owner=f"w{n}") for n in range(2)]
    ids = []
    for n in range(30):
        ids.append(sid := await add_schedule(sessions, message_text=f"s{n}"))
        await add_rule(sessions, sid, max_sends=2)
    for day in (1, 2, 3, 4):
        clock.set(at(local(2026, 12, day, 9, 30)))
        for _ in range(6):  # enough rounds for 30 schedules in batches of 7 per worker
            await asyncio.gather(*(worker.run_once() for worker in pair))
    assert Counter(Counter(sent.payload for sent in sender.sent).values()) == {2: 30}
    async with sessions() as s:
        rows = (await s.execute(select(Schedule.status).where(Schedule.id.in_(ids)))).all()
    assert {status for (status,) in rows} == {"completed"}
    done = [await rule_of_row(sessions, sid) for sid in ids]
    assert {rule.sends_done for rule in done if rule is not None} == {2}


async def test_a_php_edit_that_keeps_next_send_at_never_sends_at_the_old_rules_time(
    cfg: Config, sessions: async_sessionmaker[AsyncSession], world: None
) -> None:
    """The PHP site moved the time to 10:15 without clearing next_send_at (18:00, a time of
    the dropped rule): at 18:00 nothing is sent; 10:15 that day is logged as missed (it was
    past when kbot saw the edit), and the schedule goes on at 10:15."""
    clock = FakeClock(at(local(2026, 12, 1, 18, 0)))
    sched, sender = world_scheduler(cfg, sessions, clock)
    sid = await add_schedule(
        sessions, schedule_time=time(9, 0), next_send_at=local(2026, 12, 1, 18, 0)
    )
    await add_rule(sessions, sid, times="09:00,18:00")
    async with sessions() as s, s.begin():
        values = {"schedule_time": time(10, 15), "updated_at": local(2026, 12, 1, 10, 0)}
        await s.execute(update(Schedule).where(Schedule.id == sid).values(**values))
    await sched.run_once()
    assert sender.sent == []
    assert await rule_of_row(sessions, sid) is None
    [missed] = await logs(sessions)
    assert (missed.scheduled_at, missed.status) == (local(2026, 12, 1, 10, 15), "failed")
    assert (await schedule(sessions, sid)).next_send_at == local(2026, 12, 2, 10, 15)


async def test_a_rules_row_written_without_a_fingerprint_is_adopted_not_dropped(
    cfg: Config, sessions: async_sessionmaker[AsyncSession], world: None
) -> None:
    """A SQL user's rules row (no seed_fingerprint) is kept and given the seed columns' one."""
    clock = FakeClock(at(local(2026, 12, 1, 9, 30)))
    sched, sender = world_scheduler(cfg, sessions, clock)
    sid = await add_schedule(sessions)
    await add_rule(sessions, sid, seed_fingerprint=None, max_sends=2)
    sent = await days(clock, sched, sender, date(2026, 12, 1), 3)
    assert sent == [date(2026, 12, 1), date(2026, 12, 2)]
    rule = await rule_of_row(sessions, sid)
    assert rule is not None and rule.sends_done == 2
    assert rule.seed_fingerprint == fingerprint(await schedule(sessions, sid))
