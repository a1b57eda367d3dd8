"""Delivery receipts inside the scheduler: a crashed send resumed by another worker does not
send again a part it had already handed to Iris, and echoes reaching two processes at once
confirm each receipt once (the claim is atomic; the same echo is recorded once)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.echo import Echo, text_key
from bot.sender import SendResult
from core.config import Config
from scheduler.claims import claim
from scheduler.delivery import deliver
from scheduler.receipt_book import ReceiptBook
from storage.kbot_models import Receipt
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
    logs,
    run,
    scheduler,
    with_settings,
)

Sessions = async_sessionmaker[AsyncSession]
DUE = START + timedelta(minutes=30)  # 09:30 local, when the schedule is due


def phone(room: str) -> str:
    return "phone"


class Phone(RecordingSender):
    """Sends as the Iris device "phone" takes them; the ``hang_at``-th send never returns
    (the worker is killed while it is on the wire)."""

    def __init__(self, clock: FakeClock, hang_at: int | None = None) -> None:
        super().__init__(clock)
        self.hang_at = hang_at
        self.hung = asyncio.Event()

    async def send_images(self, room_id: str, images: Any, **kw: Any) -> SendResult:
        if self.hang_at is not None and self.calls + 1 >= self.hang_at:
            self.hung.set()
            await asyncio.Event().wait()
        return await super().send_images(room_id, images, **kw)

    def _send(self, room: str, kind: str, payload: Any) -> SendResult:
        result = super()._send(room, kind, payload)
        return SendResult(result.ok, result.raw, device="phone")


async def receipts(sessions: Sessions) -> list[Receipt]:
    async with sessions() as s:
        return list(await s.scalars(select(Receipt).order_by(Receipt.part_index, Receipt.id)))


async def test_a_resumed_send_does_not_repeat_a_part_handed_to_iris(
    cfg: Config, sessions: Sessions, world: None, tmp_path: Path
) -> None:
    clock = FakeClock(DUE)
    folder = tmp_path / PHP_IMAGES
    pictures = {"images": [image_file(folder, f"IMG{n}") for n in (1, 2, 3)]}
    await add_schedule(sessions, message_images=pictures, send_interval_seconds=0)
    config = with_settings(cfg, lease_s=60)
    crashing = Phone(clock, hang_at=3)  # text, image 1 accepted; image 2 on the wire
    first = scheduler(config, sessions, crashing, clock, owner="first", device_for=phone)
    [taken] = await claim(first.deps, 10)
    task = asyncio.create_task(deliver(first.deps, crashing, first._pause, taken))
    await asyncio.wait_for(crashing.hung.wait(), 5)
    task.cancel()  # the worker dies while Iris may be sending image 2
    assert [(r.part_index, r.state) for r in await receipts(sessions)] == [
        (0, "pending"),
        (1, "pending"),
        (2, "sending"),
    ]
    sender = Phone(clock)
    second = scheduler(config, sessions, sender, clock, owner="second", device_for=phone)
    clock.set(DUE + timedelta(seconds=61))  # the first worker's lease ran out
    [outcome] = await run(clock, second.run_once())
    assert outcome.status == "success"
    assert [s.payload for s in sender.sent] == [image_bytes("IMG3")]  # image 2 not again
    [entry] = await logs(sessions)
    assert {"resumed": "handed over before", "part": 2} in responses_of(entry.api_response)
    assert isinstance(entry.api_response, dict)
    parts = entry.api_response["parts"]
    assert [(p["part"], p["device"], p["confirmed"]) for p in parts] == [
        (0, "phone", None),
        (1, "phone", None),
        (2, "", None),  # never answered: the device is not known
        (3, "phone", None),
    ]


async def test_echoes_reaching_two_processes_at_once_confirm_each_send_once(
    cfg: Config, sessions: Sessions, world: None
) -> None:
    clock = FakeClock(DUE)
    await add_schedule(sessions, send_interval_seconds=0)
    sender = Phone(clock)
    one = scheduler(with_settings(cfg), sessions, sender, clock, owner="one", device_for=phone)
    other = scheduler(with_settings(cfg), sessions, sender, clock, owner="two", device_for=phone)
    counted: list[str] = []
    books = [
        ReceiptBook(s.deps, lambda state, latency: counted.append(state)) for s in (one, other)
    ]
    [outcome] = await run(clock, one.run_once())
    assert outcome.status == "success"
    key = text_key("안녕하세요")
    echo = Echo(ROOM, "text", key, "3530028521861085185", clock.now(), True)
    again = Echo(ROOM, "text", key, "3530028521861085186", clock.now(), True)
    outcomes = await asyncio.gather(
        books[0].on_echo(echo), books[1].on_echo(echo), books[1].on_echo(again)
    )
    assert outcomes.count("confirmed") == 1  # one send, one confirmation
    assert set(outcomes) <= {"confirmed", "duplicate", "unmatched"}
    [receipt] = await receipts(sessions)
    assert receipt.state == "confirmed" and receipt.echo_id in {echo.echo_id, again.echo_id}
    assert counted == ["confirmed"]
