"""Claiming: one occurrence per schedule time, next time from the schedule (not from now),
rows written by the PHP site, finished and broken schedules."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.config import Config
from core.timeutil import to_utc_naive
from scheduler.claims import claim, claimed_id
from scheduler.room_gate import Begun
from storage.kbot_models import Occurrence
from storage.models import Schedule, ScheduleLog
from tests.support.fakes import FakeClock
from tests.support.sched_support import (
    ROOM,
    START,
    RecordingSender,
    add_schedule,
    local,
    run,
    scheduler,
    with_settings,
)


async def _row(sessions: async_sessionmaker[AsyncSession], schedule_id: int) -> Schedule:
    async with sessions() as s:
        row = await s.get(Schedule, schedule_id)
        assert row is not None
        return row


async def test_claim_advances_from_the_occurrence_not_from_now(
    cfg: Config, sessions: async_sessionmaker[AsyncSession], world: None
) -> None:
    clock = FakeClock(START + timedelta(minutes=30, seconds=7))  # 09:30:07 local
    sid = await add_schedule(sessions)
    sched = scheduler(with_settings(cfg), sessions, RecordingSender(clock), clock)
    [taken] = await claim(sched.deps, 10)
    assert isinstance(taken, Begun) and taken.refusal is None  # admitted in the claim
    row = await _row(sessions, sid)
    assert row.next_send_at == local(2026, 12, 2, 9, 30)
    async with sessions() as s:
        occ = await s.get(Occurrence, claimed_id(taken))
        assert occ is not None
        assert (occ.scheduled_at, occ.kind, occ.state, occ.attempts, occ.started_at) == (
            local(2026, 12, 1, 9, 30),
            "scheduled",
            "sending",
            1,
            to_utc_naive(clock.now()),  # its room slot: now
        )
    assert await claim(sched.deps, 10) == []  # nothing due any more


async def test_two_claimers_never_claim_the_same_occurrence(
    cfg: Config, sessions: async_sessionmaker[AsyncSession], world: None
) -> None:
    clock = FakeClock(START + timedelta(minutes=31))
    for _ in range(30):
        await add_schedule(sessions)
    config = with_settings(cfg, claim_batch=7)
    a = scheduler(config, sessions, RecordingSender(clock), clock, owner="a")
    b = scheduler(config, sessions, RecordingSender(clock), clock, owner="b")
    claimed: list[int] = []
    for _ in range(6):
        got = await asyncio.gather(claim(a.deps, 7), claim(b.deps, 7))
        claimed += [claimed_id(item) for item in got[0] + got[1]]
    assert len(claimed) == len(set(claimed)) == 30
    async with sessions() as s:
        assert await s.scalar(select(func.count()).select_from(Occurrence)) == 30


async def test_row_inserted_by_php_with_null_next_send_at_is_computed_and_sent(
    cfg: Config, sessions: async_sessionmaker[AsyncSession], world: None
) -> None:
    clock = FakeClock(START)  # 09:00 local
    async with sessions() as s, s.begin():
        await s.execute(
            text(
                "INSERT INTO kb_schedule (title, created_by_type, created_by_id, created_by_mb_id,"
                " target_room_id, message_text, schedule_type, schedule_time, valid_from,"
                " valid_until, created_at, updated_at) VALUES ('php', 'distributor', 'DT1',"
                " 'm1', :room, 'from php', 'daily', '09:30:00', '2026-01-01 00:00:00',"
                " '2027-01-01 00:00:00', '2026-12-01 09:00:00', '2026-12-01 09:00:00')"
            ),
            {"room": ROOM},
        )
    sender = RecordingSender(clock)
    sched = scheduler(with_settings(cfg), sessions, sender, clock)
    assert await sched.run_once() == []
    async with sessions() as s:
        row = await s.scalar(select(Schedule))
        assert row is not None
        assert row.next_send_at == local(2026, 12, 1, 9, 30)
    clock.set(START + timedelta(minutes=30))
    outcomes = await run(clock, sched.run_once())
    assert [o.status for o in outcomes] == ["success"]
    assert [s.payload for s in sender.sent] == ["from php"]


async def test_once_schedule_is_completed_after_its_send(
    cfg: Config, sessions: async_sessionmaker[AsyncSession], world: None
) -> None:
    clock = FakeClock(START + timedelta(minutes=30))
    sid = await add_schedule(sessions, schedule_type="once", schedule_date=date(2026, 12, 1))
    sender = RecordingSender(clock)
    outcomes = await run(clock, scheduler(with_settings(cfg), sessions, sender, clock).run_once())
    assert [o.status for o in outcomes] == ["success"]
    row = await _row(sessions, sid)
    assert (row.status, row.next_send_at, row.send_count) == ("completed", None, 1)
    assert row.last_sent_at == local(2026, 12, 1, 9, 30)


async def test_schedule_past_valid_until_is_completed_without_sending(
    cfg: Config, sessions: async_sessionmaker[AsyncSession], world: None
) -> None:
    clock = FakeClock(START + timedelta(minutes=30))
    sid = await add_schedule(sessions, valid_until=datetime(2026, 12, 1, 9, 0))
    sender = RecordingSender(clock)
    await run(clock, scheduler(with_settings(cfg), sessions, sender, clock).run_once())
    assert sender.sent == []
    assert (await _row(sessions, sid)).status == "completed"


async def test_invalid_rule_puts_the_schedule_in_error_and_others_still_send(
    cfg: Config, sessions: async_sessionmaker[AsyncSession], world: None
) -> None:
    clock = FakeClock(START + timedelta(minutes=30))
    bad = await add_schedule(sessions, schedule_type="weekly", schedule_weekdays=None)
    good = await add_schedule(sessions, schedule_time=time(9, 30))
    sender = RecordingSender(clock)
    outcomes = await run(clock, scheduler(with_settings(cfg), sessions, sender, clock).run_once())
    assert [o.status for o in outcomes] == ["success"]
    assert (await _row(sessions, bad)).status == "error"
    assert (await _row(sessions, good)).status == "active"


async def test_an_occurrence_already_handled_is_not_sent_again(
    cfg: Config, sessions: async_sessionmaker[AsyncSession], world: None
) -> None:
    clock = FakeClock(START + timedelta(minutes=30))
    sid = await add_schedule(sessions)
    sender = RecordingSender(clock)
    sched = scheduler(with_settings(cfg), sessions, sender, clock)
    await run(clock, sched.run_once())
    async with sessions() as s, s.begin():  # the PHP site puts next_send_at back
        row = await s.get(Schedule, sid)
        assert row is not None
        row.next_send_at = local(2026, 12, 1, 9, 30)
    await run(clock, sched.run_once())
    assert len(sender.sent) == 1
    assert (await _row(sessions, sid)).next_send_at == local(2026, 12, 2, 9, 30)
    async with sessions() as s:
        assert await s.scalar(select(func.count()).select_from(ScheduleLog)) == 1
