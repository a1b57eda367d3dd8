"""Misfires and downtime, the room limits of seed 7.3, the room access re-check, and
send-now (manual and test sends)."""

from __future__ import annotations

import asyncio
import itertools
from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.sender import Failure, SendError
from core.config import Config
from core.timeutil import to_utc_naive
from scheduler.room_gate import RoomBusy
from storage.kbot_models import Occurrence, Room, RoomSend, ScheduleMeta
from storage.models import Schedule
from storage.send_record import responses_of
from tests.support.fakes import FakeClock
from tests.support.sched_support import (
    OTHER_ROOM,
    ROOM,
    START,
    RecordingSender,
    add_schedule,
    drive,
    local,
    logs,
    run,
    scheduler,
    with_settings,
)

DUE = START + timedelta(minutes=30)  # 09:30 local


async def next_send_at(sessions: async_sessionmaker[AsyncSession], sid: int) -> object:
    async with sessions() as s:
        return await s.scalar(select(Schedule.next_send_at).where(Schedule.id == sid))


async def test_late_within_grace_is_sent(
    cfg: Config, sessions: async_sessionmaker[AsyncSession], world: None
) -> None:
    clock = FakeClock(DUE + timedelta(minutes=5))
    sid = await add_schedule(sessions)
    sender = RecordingSender(clock)
    [outcome] = await run(clock, scheduler(with_settings(cfg), sessions, sender, clock).run_once())
    assert outcome.status == "success" and len(sender.sent) == 1
    [entry] = await logs(sessions)
    assert (entry.scheduled_at, entry.started_at) == (
        local(2026, 12, 1, 9, 30),
        local(2026, 12, 1, 9, 35),
    )
    assert await next_send_at(sessions, sid) == local(2026, 12, 2, 9, 30)


async def test_late_beyond_grace_is_skipped_and_logged(
    cfg: Config, sessions: async_sessionmaker[AsyncSession], world: None
) -> None:
    clock = FakeClock(DUE + timedelta(minutes=11))
    sid = await add_schedule(sessions)
    sender = RecordingSender(clock)
    assert await scheduler(with_settings(cfg), sessions, sender, clock).run_once() == []
    assert sender.sent == []
    [entry] = await logs(sessions)
    assert entry.status == "failed"
    late = "건너뜀: 예정 시각보다 11분 늦어 보내지 않았습니다 ("
    assert (entry.error_message or "").startswith(late)
    assert await next_send_at(sessions, sid) == local(2026, 12, 2, 9, 30)


async def test_after_downtime_each_missed_time_is_logged_once(
    cfg: Config, sessions: async_sessionmaker[AsyncSession], world: None
) -> None:
    clock = FakeClock(DUE + timedelta(days=3, hours=3))  # 12:30 local, three days later
    sid = await add_schedule(sessions)
    sender = RecordingSender(clock)
    sched = scheduler(with_settings(cfg), sessions, sender, clock)
    await sched.run_once()
    await sched.run_once()
    assert sender.sent == []
    entries = await logs(sessions)
    assert [e.scheduled_at.day for e in entries] == [1, 2, 3, 4]  # none dropped silently
    assert all(e.status == "failed" for e in entries)
    assert [e.error_message for e in entries[:3]] == [
        "건너뜀: 그 뒤의 발송 시각도 이미 지나 이 시각은 보내지 않았습니다."
    ] * 3
    late = "건너뜀: 예정 시각보다 3시간 늦어 보내지 않았습니다 ("
    assert (entries[3].error_message or "").startswith(late)
    assert await next_send_at(sessions, sid) == local(2026, 12, 5, 9, 30)


async def test_after_downtime_todays_time_within_grace_is_still_sent(
    cfg: Config, sessions: async_sessionmaker[AsyncSession], world: None
) -> None:
    clock = FakeClock(DUE + timedelta(days=2, minutes=5))  # two days later, 09:35
    sid = await add_schedule(sessions)
    sender = RecordingSender(clock)
    outcomes = await run(clock, scheduler(with_settings(cfg), sessions, sender, clock).run_once())
    assert [o.status for o in outcomes] == ["success"] and len(sender.sent) == 1
    assert [(e.scheduled_at.day, e.status) for e in await logs(sessions)] == [
        (1, "failed"),
        (2, "failed"),
        (3, "success"),
    ]
    assert await next_send_at(sessions, sid) == local(2026, 12, 4, 9, 30)


async def test_room_min_interval_makes_later_sends_wait_their_turn(
    cfg: Config, sessions: async_sessionmaker[AsyncSession], world: None
) -> None:
    clock = FakeClock(DUE)
    for _ in range(3):
        await add_schedule(sessions)
    sender = RecordingSender(clock)
    config = with_settings(cfg, room_min_interval_s=30)
    outcomes = await run(clock, scheduler(config, sessions, sender, clock).run_once())
    assert [o.status for o in outcomes] == ["success"] * 3
    times = sorted(s.at for s in sender.sent)
    assert [b - a for a, b in itertools.pairwise(times)] == [30.0, 30.0]


async def test_room_daily_limit_skips_with_a_reason(
    cfg: Config, sessions: async_sessionmaker[AsyncSession], world: None
) -> None:
    clock = FakeClock(DUE)
    for _ in range(3):
        await add_schedule(sessions)
    sender = RecordingSender(clock)
    config = with_settings(cfg, room_daily_limit=2)
    outcomes = await run(clock, scheduler(config, sessions, sender, clock).run_once())
    assert sorted(o.status for o in outcomes) == ["failed", "success", "success"]
    assert len(sender.sent) == 2
    refused = [e for e in await logs(sessions) if e.status == "failed"]
    assert refused[0].error_message == (
        f"건너뜀: 방 {ROOM}에 오늘 보낼 수 있는 횟수(room_daily_limit 2회)를 다 보냈습니다."
    )


async def test_text_longer_than_the_limit_is_not_sent(
    cfg: Config, sessions: async_sessionmaker[AsyncSession], world: None
) -> None:
    clock = FakeClock(DUE)
    await add_schedule(sessions, message_text="가" * 11)
    sender = RecordingSender(clock)
    config = with_settings(cfg, max_text_length=10)
    [outcome] = await run(clock, scheduler(config, sessions, sender, clock).run_once())
    assert outcome.status == "failed" and sender.sent == []
    assert "max_text_length=10" in (outcome.error or "")


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ("deactivate", "비활성 상태인 방"),
        ("outside", "방 2002는 등록 조직 BR1과 그 아래 조직의 방이 아닙니다"),
        ("unregistered", "등록되지 않은 방"),
        # a branch row naming HQ's code is not HQ's
        ("forged_type", "등록 조직 HQ(branch)가 없거나, 종류가 맞지 않거나"),
    ],
)
async def test_room_access_is_checked_again_right_before_sending(
    cfg: Config,
    sessions: async_sessionmaker[AsyncSession],
    world: None,
    change: str,
    reason: str,
) -> None:
    clock = FakeClock(DUE)
    values: dict[str, str] = {}
    if change == "outside":
        values = {"created_by_type": "branch", "created_by_id": "BR1", "target_room_id": OTHER_ROOM}
    if change == "unregistered":
        values = {"target_room_id": "31337"}
    if change == "forged_type":
        values = {"created_by_type": "branch", "created_by_id": "HQ", "target_room_id": OTHER_ROOM}
    await add_schedule(sessions, **values)
    if change == "deactivate":
        async with sessions() as s, s.begin():
            await s.execute(update(Room).values(active=False))
    sender = RecordingSender(clock)
    [outcome] = await run(clock, scheduler(with_settings(cfg), sessions, sender, clock).run_once())
    assert outcome.status == "failed" and sender.sent == []
    [entry] = await logs(sessions)
    assert reason in (entry.error_message or "")


async def test_test_send_does_not_move_the_next_send(
    cfg: Config, sessions: async_sessionmaker[AsyncSession], world: None
) -> None:
    clock = FakeClock(START)
    sid = await add_schedule(sessions)
    async with sessions() as s, s.begin():
        s.add(
            ScheduleMeta(
                schedule_id=sid, test_room_id=OTHER_ROOM, consecutive_failures=0, version=0
            )
        )
        await s.execute(update(Schedule).values(created_by_type="headquarters", created_by_id="HQ"))
    sender = RecordingSender(clock)
    sched = scheduler(with_settings(cfg), sessions, sender, clock)
    first = await run(clock, sched.send_now(sid, kind="test"), sleepers=2)
    second = await run(clock, sched.send_now(sid, kind="manual"), sleepers=2)
    assert (first.status, second.status) == ("success", "success")
    assert [s.room for s in sender.sent] == [OTHER_ROOM, "1001"]
    assert await next_send_at(sessions, sid) == local(2026, 12, 1, 9, 30)
    async with sessions() as s:
        kinds = list(await s.scalars(select(Occurrence.kind).order_by(Occurrence.id)))
        row = await s.get(Schedule, sid)
        assert row is not None
    assert kinds == ["test", "manual"]
    assert row.send_count == 1  # a test send is not counted
    assert [e.id for e in await logs(sessions)] == [first.log_id, second.log_id]


async def test_send_now_into_a_room_just_sent_to_waits_only_when_confirmed(
    cfg: Config, sessions: async_sessionmaker[AsyncSession], world: None
) -> None:
    """The room's next free slot comes from the room ledger: a send-now that would have to
    wait for it is refused (nothing written) unless confirmed; a confirmed one is answered at
    once as pending and sent in its slot; the daily limit still refuses, in Korean."""
    clock = FakeClock(START)
    sid = await add_schedule(sessions)
    sender = RecordingSender(clock)
    config = with_settings(cfg, room_min_interval_s=30, room_daily_limit=3)
    sched = scheduler(config, sessions, sender, clock)
    first = await sched.send_now(sid, kind="manual")
    assert first.status == "success"
    await clock.advance(10)
    with pytest.raises(RoomBusy) as busy:
        await sched.send_now(sid, kind="test", room_id=ROOM)
    assert (busy.value.room_id, busy.value.wait_s, busy.value.queued) == (ROOM, 20, False)
    assert await ledger(sessions) == [(ROOM, "manual")]  # nothing queued, nothing written
    async with sessions() as s:
        assert len(list(await s.scalars(select(Occurrence.id)))) == 1

    queued = await sched.send_now(sid, kind="manual", confirmed=True)
    assert (queued.status, queued.starts_in_s, queued.log_id) == ("pending", 20, None)
    assert "20초 뒤에 시작" in (queued.error or "")
    with pytest.raises(RoomBusy) as again:  # the slot is taken by the queued send now
        await sched.send_now(sid, kind="manual")
    assert (again.value.wait_s, again.value.queued) == (50, True)
    await drive(clock, lambda: len(sender.sent) == 2)
    await sched.drain()
    assert sender.sent[1].at - sender.sent[0].at == 30
    assert [(e.status, e.error_message) for e in await logs(sessions)] == [("success", None)] * 2

    await clock.advance(30)  # the room is free again: no confirmation needed
    assert (await sched.send_now(sid, kind="test", room_id=ROOM)).status == "success"
    refused = await sched.send_now(sid, kind="manual", confirmed=True)
    assert refused.status == "failed"
    limit = "room_daily_limit 3회"
    assert refused.error == f"방 {ROOM}에 오늘 보낼 수 있는 횟수({limit})를 다 보냈습니다."
    assert len(sender.sent) == 3


async def test_send_now_is_retried_only_a_couple_of_times_and_answers_in_korean(
    cfg: Config, sessions: async_sessionmaker[AsyncSession], world: None
) -> None:
    """A person is waiting: two quick retries (2 s, 4 s), not the scheduled sends' retries up
    to misfire_grace_s; the log row and the answer carry the Korean reason, api_response the
    technical detail of every attempt."""
    clock = FakeClock(START)
    sid = await add_schedule(sessions)
    sender = RecordingSender(clock)
    down = "Iris default: POST http://10.0.0.9:3000/reply: ClientConnectorError(...)"
    sender.errors = [
        SendError(down, retryable=True, failure=Failure.UNREACHABLE) for _ in range(10)
    ]
    sched = scheduler(with_settings(cfg, retry_base_s=2), sessions, sender, clock)
    started = clock.monotonic()
    # time passes only while the send itself waits (its retry backoff) beside the answer's
    # 15 s: a slow log write must not let the answer's wait run out meanwhile
    outcome = await run(clock, sched.send_now(sid, kind="manual"), sleepers=2)
    assert clock.monotonic() - started <= 15
    assert (outcome.status, sender.calls) == ("failed", 3)
    assert outcome.error == "텍스트: 카카오톡 봇 기기(Iris)에 연결할 수 없습니다"
    [entry] = await logs(sessions)
    assert entry.error_message == outcome.error
    assert responses_of(entry.api_response) == [
        {"error": down, "failure": "unreachable", "status": None} for _ in range(3)
    ]


async def test_send_now_of_an_unknown_schedule_raises(
    cfg: Config, sessions: async_sessionmaker[AsyncSession], world: None
) -> None:
    clock = FakeClock(START)
    sched = scheduler(with_settings(cfg), sessions, RecordingSender(clock), clock)
    with pytest.raises(LookupError):
        await sched.send_now(404, kind="test")


async def ledger(sessions: async_sessionmaker[AsyncSession]) -> list[tuple[str, str]]:
    async with sessions() as s:
        rows = await s.execute(select(RoomSend.room_id, RoomSend.kind).order_by(RoomSend.id))
        return [(room, kind) for room, kind in rows.all()]


async def test_a_slot_released_before_its_send_began_is_given_back(
    cfg: Config, sessions: async_sessionmaker[AsyncSession], world: None
) -> None:
    clock = FakeClock(DUE)
    for _ in range(2):
        await add_schedule(sessions)
    sender = RecordingSender(clock)
    config = with_settings(cfg, room_min_interval_s=30)
    first = scheduler(config, sessions, sender, clock, owner="first")
    first.start()
    await drive(clock, lambda: len(sender.sent) == 1, step=0)
    assert await ledger(sessions) == [(ROOM, "scheduled")] * 2  # the second waits its turn
    await first.stop()  # the waiting send never began: its slot goes back to the room
    assert await ledger(sessions) == [(ROOM, "scheduled")]
    second = scheduler(config, sessions, sender, clock, owner="second")
    [outcome] = await run(clock, second.run_once())
    assert outcome.status == "success" and len(sender.sent) == 2
    assert await ledger(sessions) == [(ROOM, "scheduled")] * 2


async def test_the_loop_prunes_ledger_rows_too_old_for_the_limits(
    cfg: Config, sessions: async_sessionmaker[AsyncSession], world: None
) -> None:
    clock = FakeClock(DUE)
    async with sessions.begin() as s:
        for age in (timedelta(days=3), timedelta(hours=1)):
            s.add(RoomSend(room_id=ROOM, started_at=to_utc_naive(DUE - age), kind="manual"))
    loop = scheduler(with_settings(cfg), sessions, RecordingSender(clock), clock)
    loop.start()
    try:
        async with asyncio.timeout(5):
            await clock.wait_for_sleepers(2)  # the loop's first round is over
    finally:
        await loop.stop()
    async with sessions() as s:
        [kept] = list(await s.scalars(select(RoomSend.started_at)))
    assert kept == to_utc_naive(DUE - timedelta(hours=1))
