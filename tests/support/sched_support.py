"""Helpers for the scheduler tests: a recording sender, a small org/room world, schedule rows,
and a way to let fake time pass while the code under test does database I/O."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.sender import PRIORITY_SCHEDULED, BotSender, SendError, SendResult
from core.config import Config
from scheduler.service import Scheduler
from storage.models import Schedule, ScheduleLog
from storage.rooms import add_room
from tests.support.fakes import FakeClock
from tests.support.orgs import add_tree
from tests.support.waits import wait_until

START = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)  # 09:00 in Asia/Seoul
ROOM = "1001"
OTHER_ROOM = "2002"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def image_bytes(name: str) -> bytes:
    """Bytes a send may read as an image (they start like a PNG) that name themselves."""
    return PNG_MAGIC + name.encode()


def image_file(folder: Path, name: str) -> dict[str, Any]:
    """A ``message_images`` entry for a file ``name`` in ``folder`` holding
    ``image_bytes(name)``."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    path.write_bytes(image_bytes(name))
    return {"id": name, "filename": path.name, "file_path": str(path)}


@dataclass
class Sent:
    room: str
    kind: str  # text | image
    payload: Any
    at: float  # the clock's monotonic time


@dataclass
class RecordingSender:
    """``BotSender`` that records every send; ``errors`` are raised by the next sends."""

    clock: FakeClock
    sent: list[Sent] = field(default_factory=list)
    errors: list[SendError] = field(default_factory=list)
    calls: int = 0

    async def send_text(
        self,
        room_id: str,
        text: str,
        *,
        priority: int = PRIORITY_SCHEDULED,
        deadline: datetime | None = None,
    ) -> SendResult:
        return self._send(room_id, "text", text)

    async def send_images(
        self,
        room_id: str,
        images: Sequence[bytes],
        *,
        priority: int = PRIORITY_SCHEDULED,
        deadline: datetime | None = None,
    ) -> SendResult:
        return self._send(room_id, "image", b"".join(images))

    async def close(self) -> None:
        return None

    def _send(self, room: str, kind: str, payload: Any) -> SendResult:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        self.sent.append(Sent(room, kind, payload, self.clock.monotonic()))
        return SendResult(ok=True, raw={"n": len(self.sent), "kind": kind})


def with_settings(cfg: Config, **settings: Any) -> Config:
    defaults: dict[str, Any] = {"room_min_interval_s": 0}
    scheduler = cfg.scheduler.model_copy(update={**defaults, **settings})
    return cfg.model_copy(update={"scheduler": scheduler})


async def make_world(sessions: async_sessionmaker[AsyncSession]) -> None:
    """The org tree (``tests.support.orgs``); room 1001 belongs to BR1, room 2002 to its
    sibling BR2."""
    async with sessions() as s, s.begin():
        await add_tree(s, at=START)
        await add_room(s, chat_id=ROOM, name="방1", org_code="BR1", at=START, actor="test")
        await add_room(s, chat_id=OTHER_ROOM, name="방2", org_code="BR2", at=START, actor="test")


async def logs(sessions: async_sessionmaker[AsyncSession]) -> list[ScheduleLog]:
    """Every ``kb_schedule_logs`` row, in the order written."""
    async with sessions() as s:
        return list(await s.scalars(select(ScheduleLog).order_by(ScheduleLog.id)))


async def add_schedule(sessions: async_sessionmaker[AsyncSession], **values: Any) -> int:
    row: dict[str, Any] = {
        "title": "주간 특가",
        "created_by_type": "distributor",
        "created_by_id": "DT1",
        "created_by_mb_id": "admin1",
        "target_room_id": ROOM,
        "message_text": "안녕하세요",
        "send_order": "text_first",
        "send_interval_seconds": 1,
        "schedule_type": "daily",
        "schedule_time": time(9, 30),
        "valid_from": datetime(2026, 1, 1),
        "valid_until": datetime(2027, 12, 31, 23, 59),
        "status": "active",
        "next_send_at": datetime(2026, 12, 1, 9, 30),
        "send_count": 0,
    }
    row.update(values)
    async with sessions() as s, s.begin():
        schedule = Schedule(**row)
        s.add(schedule)
        await s.flush()
        return schedule.id


def scheduler(
    cfg: Config,
    sessions: async_sessionmaker[AsyncSession],
    sender: BotSender,
    clock: FakeClock,
    **kwargs: Any,
) -> Scheduler:
    mysql = cfg.database.url.startswith("mysql")
    return Scheduler(cfg, sessions, sender, clock, mysql=mysql, **kwargs)


async def drive(
    clock: FakeClock, done: Callable[[], bool], step: float = 1.0, sleepers: int = 1
) -> None:
    """Advance fake time in ``step``s until ``done()``, whenever at least ``sleepers``
    coroutines sleep on the clock; the real-time limit only guards against a hang (the code
    under test does real database I/O between the steps)."""

    async def stepped() -> bool:
        await asyncio.sleep(0.002)
        if not done() and clock.sleepers >= sleepers:
            await clock.advance(step)
        return done()

    if not done():
        await wait_until(stepped, "the driven work to finish", timeout_s=20, poll_s=0)


async def run(clock: FakeClock, coro: Any, step: float = 1.0, sleepers: int = 1) -> Any:
    """Run ``coro`` to the end, letting fake time pass whenever it sleeps (``drive``)."""
    task = asyncio.ensure_future(coro)
    await drive(clock, task.done, step, sleepers)
    return task.result()


def local(y: int, m: int, d: int, hh: int, mm: int, ss: int = 0) -> datetime:
    return datetime.combine(date(y, m, d), time(hh, mm, ss))
