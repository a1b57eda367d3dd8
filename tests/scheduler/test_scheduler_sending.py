"""Sending: the seed's send orders and intervals, images from files, retries, the log row,
consecutive failures and alerts, and resuming a crashed send after its last confirmed part."""

from __future__ import annotations

import asyncio
import itertools
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.sender import SendError, SendResult
from core.alerts import Alert
from core.config import Config
from scheduler.claims import claim, claimed_id
from scheduler.delivery import deliver
from storage.kbot_models import Occurrence, ScheduleMeta
from storage.models import Schedule
from storage.send_record import responses_of
from tests.conftest import PHP_IMAGES
from tests.support.fakes import FakeClock
from tests.support.sched_support import (
    ROOM,
    START,
    RecordingSender,
    add_schedule,
    image_bytes,
    image_file,
    local,
    logs,
    run,
    scheduler,
    with_settings,
)

DUE = START + timedelta(minutes=30)  # 09:30 local


def images(tmp_path: Path, count: int = 2, missing: int | None = None) -> dict[str, Any]:
    """Entries ``IMG1``.. in the PHP site's image folder; the ``missing`` one has no file."""
    entries = [image_file(tmp_path / PHP_IMAGES, f"IMG{n}") for n in range(1, count + 1)]
    if missing is not None:
        Path(entries[missing - 1]["file_path"]).unlink()
    return {"images": entries}


@pytest.mark.parametrize(
    ("order", "expected"),
    [
        ("text_first", ["안녕하세요", image_bytes("IMG1"), image_bytes("IMG2")]),
        ("images_first", [image_bytes("IMG1"), image_bytes("IMG2"), "안녕하세요"]),
        ("images_only", [image_bytes("IMG1"), image_bytes("IMG2")]),
        ("text_only", ["안녕하세요"]),
    ],
)
async def test_send_orders_with_the_interval_between_parts(
    cfg: Config,
    sessions: async_sessionmaker[AsyncSession],
    world: None,
    tmp_path: Path,
    order: str,
    expected: list[Any],
) -> None:
    clock = FakeClock(DUE)
    sid = await add_schedule(
        sessions, send_order=order, send_interval_seconds=3, message_images=images(tmp_path)
    )
    sender = RecordingSender(clock)
    [outcome] = await run(clock, scheduler(with_settings(cfg), sessions, sender, clock).run_once())
    assert outcome.status == "success"
    assert [s.payload for s in sender.sent] == expected
    kinds = [s.kind for s in sender.sent]
    gaps = [b.at - a.at for a, b in itertools.pairwise(sender.sent)]
    assert gaps == [3.0] * (len(expected) - 1)
    [entry] = await logs(sessions)
    assert entry.id == outcome.log_id
    assert (entry.schedule_id, entry.status, entry.error_message) == (sid, "success", None)
    assert entry.send_order == order
    assert entry.scheduled_at == local(2026, 12, 1, 9, 30)
    assert entry.started_at == local(2026, 12, 1, 9, 30)
    assert entry.completed_at == local(2026, 12, 1, 9, 30, 3 * (len(expected) - 1))
    assert entry.duration_ms == 3000 * (len(expected) - 1)
    assert responses_of(entry.api_response) == [
        {"n": n + 1, "kind": k} for n, k in enumerate(kinds)
    ]
    has_text = "안녕하세요" in expected
    assert entry.sent_message_text == ("안녕하세요" if has_text else None)
    async with sessions() as s:
        row = await s.get(Schedule, sid)
        assert row is not None
        assert (row.send_count, row.last_sent_at) == (1, entry.completed_at)


async def test_a_missing_image_file_fails_that_part(
    cfg: Config, sessions: async_sessionmaker[AsyncSession], world: None, tmp_path: Path
) -> None:
    clock = FakeClock(DUE)
    content = images(tmp_path, missing=2)
    await add_schedule(sessions, message_images=content)
    sender = RecordingSender(clock)
    [outcome] = await run(clock, scheduler(with_settings(cfg), sessions, sender, clock).run_once())
    assert outcome.status == "partial"
    assert [s.payload for s in sender.sent] == ["안녕하세요", image_bytes("IMG1")]
    [entry] = await logs(sessions)
    assert entry.status == "partial"
    assert entry.error_message is not None
    assert "이미지 #?" in entry.error_message and "읽을 수 없습니다" in entry.error_message
    assert "IMG2" not in entry.error_message  # no file path in what an admin reads
    assert entry.sent_images == {"images": [content["images"][0]]}


async def test_retryable_errors_are_retried_with_backoff(
    cfg: Config, sessions: async_sessionmaker[AsyncSession], world: None
) -> None:
    clock = FakeClock(DUE)
    await add_schedule(sessions)
    sender = RecordingSender(clock)
    sender.errors = [SendError("timeout", retryable=True), SendError("503", retryable=True)]
    sched = scheduler(with_settings(cfg, retry_base_s=2), sessions, sender, clock)
    started = clock.monotonic()
    [outcome] = await run(clock, sched.run_once())
    assert outcome.status == "success"
    assert sender.calls == 3
    assert sender.sent[0].at - started == 6  # after 2 s + 4 s of back-off
    [entry] = await logs(sessions)
    assert entry.duration_ms == 6000


async def test_a_permanent_error_is_not_retried(
    cfg: Config, sessions: async_sessionmaker[AsyncSession], world: None
) -> None:
    clock = FakeClock(DUE)
    await add_schedule(sessions)
    sender = RecordingSender(clock)
    sender.errors = [SendError("bad room", retryable=False, status=400, raw={"message": "x"})]
    [outcome] = await run(clock, scheduler(with_settings(cfg), sessions, sender, clock).run_once())
    assert (outcome.status, sender.calls) == ("failed", 1)
    [entry] = await logs(sessions)
    assert entry.status == "failed"
    assert entry.error_message == "텍스트: 알 수 없는 오류로 보내지 못했습니다"
    assert responses_of(entry.api_response) == [
        {"error": "bad room", "failure": "unknown", "status": 400, "body": {"message": "x"}}
    ]


async def test_retries_stop_at_the_end_of_the_grace_window(
    cfg: Config, sessions: async_sessionmaker[AsyncSession], world: None
) -> None:
    clock = FakeClock(DUE)
    await add_schedule(sessions)
    sender = RecordingSender(clock)
    sender.errors = [SendError("timeout", retryable=True) for _ in range(20)]
    config = with_settings(cfg, retry_base_s=10, misfire_grace_s=100)
    [outcome] = await run(clock, scheduler(config, sessions, sender, clock).run_once(), step=5)
    assert outcome.status == "failed"
    assert sender.calls == 4  # at 0, 10, 30, 70 s; the next (150 s) would be past the window


async def test_consecutive_failures_put_the_schedule_in_error_and_alert(
    cfg: Config, sessions: async_sessionmaker[AsyncSession], world: None
) -> None:
    clock = FakeClock(DUE)
    sid = await add_schedule(sessions)
    async with sessions() as s, s.begin():
        s.add(
            ScheduleMeta(schedule_id=sid, notify_room_id="777", consecutive_failures=0, version=0)
        )
    alerts: list[tuple[str, str]] = []

    async def notify(alert: Alert) -> None:
        alerts.append((alert.room_id, alert.text))

    config = with_settings(cfg, max_consecutive_failures=2)
    config = config.model_copy(
        update={"alerts": config.alerts.model_copy(update={"ops_room_id": "999"})}
    )
    sender = RecordingSender(clock)
    sched = scheduler(config, sessions, sender, clock, notify=notify)
    for day in range(2):
        clock.set(DUE + timedelta(days=day))
        sender.errors = [SendError("boom", retryable=False)]
        await run(clock, sched.run_once())
    async with sessions() as s:
        row = await s.get(Schedule, sid)
        meta = await s.get(ScheduleMeta, sid)
        assert row is not None and meta is not None
        assert (row.status, meta.consecutive_failures) == ("error", 2)
    assert [room for room, _ in alerts] == ["777", "999", "777", "999"]
    assert "발송 실패" in alerts[0][1] and f"#{sid}" in alerts[0][1]
    assert "오류" in alerts[-1][1]


class _Crashing(RecordingSender):
    """Confirms the first ``ok`` parts, then hangs forever (the process is then killed)."""

    def __init__(self, clock: FakeClock, ok: int) -> None:
        super().__init__(clock)
        self.ok = ok
        self.hung = asyncio.Event()

    async def send_images(self, room_id: str, images: Any, **kw: Any) -> SendResult:
        if len(self.sent) >= self.ok:
            self.hung.set()
            await asyncio.Event().wait()
        return await super().send_images(room_id, images, **kw)


async def test_a_crashed_send_resumes_after_its_last_confirmed_part(
    cfg: Config, sessions: async_sessionmaker[AsyncSession], world: None, tmp_path: Path
) -> None:
    clock = FakeClock(DUE)
    await add_schedule(sessions, message_images=images(tmp_path, 3), send_interval_seconds=0)
    config = with_settings(cfg, lease_s=60)
    crashing = _Crashing(clock, ok=2)
    first = scheduler(config, sessions, crashing, clock, owner="first")
    [taken] = await claim(first.deps, 10)
    task = asyncio.create_task(deliver(first.deps, crashing, first._pause, taken))
    await asyncio.wait_for(crashing.hung.wait(), 5)
    task.cancel()  # the worker dies mid-send: text and image 1 were confirmed
    sender = RecordingSender(clock)
    second = scheduler(config, sessions, sender, clock, owner="second")
    assert await claim(second.deps, 10) == []  # the lease is still held
    clock.set(DUE + timedelta(seconds=61))
    [outcome] = await run(clock, second.run_once())
    assert outcome.status == "success"
    assert [s.payload for s in sender.sent] == [image_bytes("IMG2"), image_bytes("IMG3")]
    [entry] = await logs(sessions)
    assert responses_of(entry.api_response) == [
        {"n": 1, "kind": "text"},
        {"n": 2, "kind": "image"},
        {"n": 1, "kind": "image"},
        {"n": 2, "kind": "image"},
    ]
    assert entry.sent_message_text == "안녕하세요"
    async with sessions() as s:
        occ = await s.get(Occurrence, claimed_id(taken))
        assert occ is not None
        assert (occ.state, occ.parts_done, occ.lease_owner) == ("done", 4, None)


async def test_room_of_the_log_is_the_target_room(
    cfg: Config, sessions: async_sessionmaker[AsyncSession], world: None
) -> None:
    clock = FakeClock(DUE)
    await add_schedule(sessions)
    sender = RecordingSender(clock)
    await run(clock, scheduler(with_settings(cfg), sessions, sender, clock).run_once())
    [entry] = await logs(sessions)
    assert entry.target_room_id == ROOM == sender.sent[0].room


async def test_a_crashed_send_found_after_the_grace_window_ends_as_partial(
    cfg: Config, sessions: async_sessionmaker[AsyncSession], world: None, tmp_path: Path
) -> None:
    clock = FakeClock(DUE)
    await add_schedule(sessions, message_images=images(tmp_path, 2), send_interval_seconds=0)
    crashing = _Crashing(clock, ok=1)
    first = scheduler(with_settings(cfg), sessions, crashing, clock, owner="first")
    [taken] = await claim(first.deps, 10)
    task = asyncio.create_task(deliver(first.deps, crashing, first._pause, taken))
    await asyncio.wait_for(crashing.hung.wait(), 5)
    task.cancel()
    clock.set(DUE + timedelta(seconds=700))  # misfire_grace_s is 600
    sender = RecordingSender(clock)
    second = scheduler(with_settings(cfg), sessions, sender, clock, owner="second")
    [outcome] = await run(clock, second.run_once())
    assert (outcome.status, sender.sent) == ("partial", [])
    assert "예정 시각보다 11분 40초 뒤에야" in (outcome.error or "")
