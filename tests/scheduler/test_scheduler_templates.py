"""Template variables filled in at send time: for the schedule's target room (its name and
its org's name) and the occurrence's time, for scheduled, test and resumed sends; the
template stays in ``kb_schedule.message_text``, the log keeps what was sent; the length
limit applies to the rendered text; PHP-written text with an unknown ``{word}`` goes as
written."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.config import Config
from scheduler.claims import claim
from scheduler.delivery import deliver
from storage.models import Schedule
from tests.scheduler.test_scheduler_sending import _Crashing, images
from tests.support.fakes import FakeClock
from tests.support.sched_support import (
    OTHER_ROOM,
    ROOM,
    START,
    RecordingSender,
    add_schedule,
    logs,
    run,
    scheduler,
    with_settings,
)

DUE = START + timedelta(minutes=30)  # Tuesday 1 December 2026, 09:30 local
TEMPLATE = "{지점명} {방이름} {날짜}({요일}) {시간} {{x}}"
SENT = "BR1 조직 방1 12월 1일(화요일) 09:30 {x}"
HOUR = 3600.0  # a send-now waited for this long on the fake clock: never "pending" here


async def message_text(sessions: async_sessionmaker[AsyncSession], sid: int) -> str | None:
    async with sessions() as s:
        row = await s.get(Schedule, sid)
        assert row is not None
        return row.message_text


async def test_a_scheduled_send_fills_in_the_variables(
    cfg: Config, sessions: async_sessionmaker[AsyncSession], world: None
) -> None:
    clock = FakeClock(DUE)
    sid = await add_schedule(sessions, message_text=TEMPLATE)
    sender = RecordingSender(clock)
    [outcome] = await run(clock, scheduler(with_settings(cfg), sessions, sender, clock).run_once())
    assert outcome.status == "success"
    assert [(s.room, s.payload) for s in sender.sent] == [(ROOM, SENT)]
    [entry] = await logs(sessions)
    assert entry.sent_message_text == SENT
    assert await message_text(sessions, sid) == TEMPLATE


async def test_unknown_words_in_braces_are_sent_as_written(
    cfg: Config, sessions: async_sessionmaker[AsyncSession], world: None
) -> None:
    clock = FakeClock(DUE)
    await add_schedule(sessions, message_text="{foo} 안내 {시간} {")  # as the PHP site may write
    sender = RecordingSender(clock)
    await run(clock, scheduler(with_settings(cfg), sessions, sender, clock).run_once())
    assert [s.payload for s in sender.sent] == ["{foo} 안내 09:30 {"]
    [entry] = await logs(sessions)
    assert entry.sent_message_text == "{foo} 안내 09:30 {"


async def test_a_test_send_shows_what_the_target_room_gets(
    cfg: Config, sessions: async_sessionmaker[AsyncSession], world: None
) -> None:
    clock = FakeClock(DUE + timedelta(minutes=5, seconds=7))
    sid = await add_schedule(
        sessions, message_text="{방이름} {시간}", created_by_id="AG1", created_by_type="agency"
    )
    sender = RecordingSender(clock)
    sched = scheduler(with_settings(cfg), sessions, sender, clock)
    outcome = await run(clock, sched.send_now(sid, kind="test", room_id=OTHER_ROOM, wait_s=HOUR))
    assert outcome.status == "success"
    assert [(s.room, s.payload) for s in sender.sent] == [(OTHER_ROOM, "방1 09:35")]


async def test_an_unregistered_target_keeps_its_name_variables(
    cfg: Config, sessions: async_sessionmaker[AsyncSession], world: None
) -> None:
    clock = FakeClock(DUE)
    sid = await add_schedule(
        sessions, target_room_id="9999", message_text="{지점명}/{방이름} {날짜}"
    )
    sender = RecordingSender(clock)
    sched = scheduler(with_settings(cfg), sessions, sender, clock)
    outcome = await run(clock, sched.send_now(sid, kind="test", room_id=ROOM, wait_s=HOUR))
    assert [s.payload for s in sender.sent] == ["{지점명}/{방이름} 12월 1일"]
    assert outcome.status == "success"


async def test_the_length_limit_applies_to_the_rendered_text(
    cfg: Config, sessions: async_sessionmaker[AsyncSession], world: None
) -> None:
    clock = FakeClock(DUE)
    await add_schedule(
        sessions, message_text="{지점명}{지점명}{지점명}"
    )  # 15 letters, 18 filled in
    sender = RecordingSender(clock)
    config = with_settings(cfg, max_text_length=16)
    [outcome] = await run(clock, scheduler(config, sessions, sender, clock).run_once())
    assert (outcome.status, sender.sent) == ("failed", [])
    [entry] = await logs(sessions)
    assert "18자" in (entry.error_message or "")


async def test_a_resumed_send_renders_as_the_first_try(
    cfg: Config, sessions: async_sessionmaker[AsyncSession], world: None, tmp_path: Path
) -> None:
    clock = FakeClock(DUE)
    await add_schedule(
        sessions, message_text=TEMPLATE, message_images=images(tmp_path, 1), send_interval_seconds=0
    )
    config = with_settings(cfg, lease_s=60)
    crashing = _Crashing(clock, ok=1)  # the text is confirmed, then the worker dies
    first = scheduler(config, sessions, crashing, clock, owner="first")
    [taken] = await claim(first.deps, 10)
    task = asyncio.create_task(deliver(first.deps, crashing, first._pause, taken))
    await asyncio.wait_for(crashing.hung.wait(), 5)
    task.cancel()
    assert [s.payload for s in crashing.sent] == [SENT]
    sender = RecordingSender(clock)
    second = scheduler(config, sessions, sender, clock, owner="second")
    clock.set(DUE + timedelta(seconds=61))
    [outcome] = await run(clock, second.run_once())
    assert outcome.status == "success"
    assert [s.kind for s in sender.sent] == ["image"]
    [entry] = await logs(sessions)
    assert entry.sent_message_text == SENT
