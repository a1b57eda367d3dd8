"""The loop: sleeps until the earliest send, wakes at once on ``wake()``, never dies, beats
the heartbeat; ``stop()`` gives claims back; and one end-to-end send through the app to a
fake Iris over real HTTP."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.sender import SendResult
from core.config import Config, load_config
from kbot.bootstrap import init_app
from scheduler.heartbeat import Heartbeat
from storage.kbot_models import Occurrence
from storage.models import ScheduleLog
from tests.conftest import PHP_IMAGES
from tests.support.fakes import FakeClock, FakeIris
from tests.support.sched_support import (
    ROOM,
    START,
    RecordingSender,
    add_schedule,
    drive,
    image_bytes,
    image_file,
    make_world,
    run,
    scheduler,
    with_settings,
)
from tests.support.waits import wait_until
from web import keys


async def parked(clock: FakeClock, sleepers: int = 2) -> None:
    """Wait (real time, bounded) until the loop and the lease keeper sleep on the clock."""
    await wait_until(lambda: clock.sleepers >= sleepers, f"{sleepers} sleepers", poll_s=0.002)


async def test_loop_sleeps_until_the_earliest_send_and_wakes_on_wake(
    cfg: Config, sessions: async_sessionmaker[AsyncSession], world: None
) -> None:
    clock = FakeClock(START)  # 09:00 local
    sender = RecordingSender(clock)
    heartbeat = Heartbeat(clock, stale_after_s=30)
    sched = scheduler(
        with_settings(cfg, recheck_interval_s=300), sessions, sender, clock, heartbeat=heartbeat
    )
    sched.start()
    try:
        await parked(clock)
        assert heartbeat.healthy()
        await add_schedule(sessions, next_send_at=START.replace(tzinfo=None) + timedelta(hours=9))
        sched.wake()  # due now: sent without any time passing
        await drive(clock, lambda: len(sender.sent) == 1, step=0)
        later = START.replace(tzinfo=None) + timedelta(hours=9, seconds=10)
        await add_schedule(sessions, next_send_at=later, message_text="later")
        sched.wake()
        await parked(clock)
        await clock.advance(9)
        await parked(clock)
        assert len(sender.sent) == 1
        await clock.advance(1)
        await drive(clock, lambda: len(sender.sent) == 2, step=0)
        assert sender.sent[1].payload == "later"
    finally:
        await sched.stop()


class _Exploding(RecordingSender):
    async def send_text(self, room_id: str, text: str, **kw: object) -> SendResult:
        if text == "explode":
            raise RuntimeError("transport bug")
        return await super().send_text(room_id, text)


async def test_loop_survives_an_unexpected_error_and_logs_it(
    cfg: Config, sessions: async_sessionmaker[AsyncSession], world: None
) -> None:
    clock = FakeClock(START + timedelta(minutes=30))
    await add_schedule(sessions, message_text="explode")
    await add_schedule(sessions, message_text="fine")
    sender = _Exploding(clock)
    sched = scheduler(with_settings(cfg), sessions, sender, clock)
    sched.start()
    try:
        await drive(clock, lambda: len(sender.sent) == 1, step=0)
        await sched.drain()
    finally:
        await sched.stop()
    async with sessions() as s:
        entries = {e.status: e for e in await s.scalars(select(ScheduleLog))}
    assert sorted(entries) == ["failed", "success"]
    failed = entries["failed"]  # people read a Korean reason; the bug is in the detail
    assert failed.error_message == "텍스트: 알 수 없는 오류로 보내지 못했습니다"
    assert failed.api_response == {
        "responses": [{"error": "RuntimeError('transport bug')"}],
        "parts": [],
        "confirmed": None,
        "confirmation": "not_applicable",  # no Iris: nothing confirms a send
    }


async def test_stop_finishes_the_part_in_flight_and_gives_the_claim_back(
    cfg: Config, sessions: async_sessionmaker[AsyncSession], world: None, tmp_path: Path
) -> None:
    clock = FakeClock(START + timedelta(minutes=30))
    await add_schedule(
        sessions,
        message_images={"images": [image_file(tmp_path / PHP_IMAGES, "A")]},
        send_interval_seconds=60,
    )
    sender = RecordingSender(clock)
    first = scheduler(with_settings(cfg), sessions, sender, clock, owner="first")
    first.start()
    await drive(clock, lambda: len(sender.sent) == 1, step=0)
    await first.stop()  # waiting the 60 s interval: the image part has not begun
    async with sessions() as s:
        occ = await s.scalar(select(Occurrence))
        assert occ is not None
        assert (occ.state, occ.parts_done, occ.lease_owner) == ("sending", 1, None)
    second = scheduler(with_settings(cfg), sessions, sender, clock, owner="second")
    [outcome] = await run(clock, second.run_once())
    assert outcome.status == "success"
    assert [s.payload for s in sender.sent] == ["안녕하세요", image_bytes("A")]


async def test_end_to_end_through_the_app_to_a_fake_iris(
    db_url: str,
    engine: AsyncEngine,
    tmp_path: Path,
    aiohttp_client,
) -> None:
    clock = FakeClock(START + timedelta(minutes=30))
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
            }
        )
        app = await init_app(cfg, clock=clock)
        client = await aiohttp_client(app)
        sessions = app[keys.SESSIONS]
        await make_world(sessions)
        await add_schedule(sessions)
        app[keys.SCHEDULER].wake()
        [call] = await iris.wait_for_calls(1)
        assert (call.body["room"], call.body["data"]) == (ROOM, "안녕하세요")
        await app[keys.SCHEDULER].drain()
        async with sessions() as s:
            entry = await s.scalar(select(ScheduleLog))
        assert entry is not None and entry.status == "success"
        assert entry.api_response == {
            "responses": [{"success": True, "message": "success"}],
            "parts": [
                {
                    "part": 0,
                    "kind": "text",
                    "device": "default",
                    "confirmed": None,  # its echo has not come back (yet)
                    "echo_id": None,
                    "latency_ms": None,
                }
            ],
            "confirmed": None,
            "confirmation": "pending",
        }
        await client.close()  # stop the scheduler while the database still exists
