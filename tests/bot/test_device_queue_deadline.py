"""A request's deadline on one device queue (injected clock): a request that waited through a
gate's hold (pause, budget) past its deadline fails with ``Failure.LATE`` and is never sent;
one that waited only for the pacing gap is sent late, as the device's capacity allows."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from bot.iris.devices import DeviceQueue
from bot.sender import PRIORITY_SCHEDULED, Failure, SendError, SendResult
from tests.support.fakes import FakeClock


class Switch:
    """A gate holding every device while ``until`` (monotonic) is ahead."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.until = 0.0

    async def hold_s(self, device: str) -> float:
        return max(0.0, self.until - self.clock.monotonic())


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def gate(clock: FakeClock) -> Switch:
    return Switch(clock)


@pytest.fixture
async def queue(clock: FakeClock, gate: Switch) -> AsyncIterator[DeviceQueue]:
    device = DeviceQueue("main", clock, gates=[gate])
    device.start()
    yield device
    await device.close()


def sender(sent: list[str], name: str) -> object:
    async def request(queue: DeviceQueue) -> SendResult:
        sent.append(name)
        return SendResult(ok=True, raw=None, device=queue.name)

    return request


def submit(
    queue: DeviceQueue, sent: list[str], name: str, gap_s: float, deadline: float
) -> asyncio.Task[SendResult]:
    future = queue.submit(
        sender(sent, name),  # type: ignore[arg-type]
        gap_s=gap_s,
        priority=PRIORITY_SCHEDULED,
        deadline=deadline,
    )

    async def wait() -> SendResult:
        return await future

    return asyncio.create_task(wait())


async def run_clock(clock: FakeClock, seconds: float, step: float = 1.0) -> None:
    for _ in range(int(seconds / step)):
        await asyncio.sleep(0)
        await clock.advance(step)
        await asyncio.sleep(0)


async def test_pacing_alone_never_makes_a_request_late(
    clock: FakeClock, queue: DeviceQueue
) -> None:
    sent: list[str] = []
    deadline = clock.monotonic() + 15
    tasks = [submit(queue, sent, f"r{i}", 10, deadline) for i in range(3)]
    await run_clock(clock, 25)
    results = await asyncio.wait_for(asyncio.gather(*tasks), 5)
    assert sent == ["r0", "r1", "r2"]  # r2 started at 20 s, after its 15 s deadline
    assert all(result.ok for result in results)


async def test_a_request_held_past_its_deadline_fails_late_and_is_never_sent(
    clock: FakeClock, queue: DeviceQueue, gate: Switch
) -> None:
    sent: list[str] = []
    gate.until = clock.monotonic() + 30
    held = submit(queue, sent, "held", 0, clock.monotonic() + 15)
    await run_clock(clock, 35)
    with pytest.raises(SendError) as caught:
        await asyncio.wait_for(held, 5)
    assert caught.value.failure is Failure.LATE
    assert sent == []


async def test_a_request_held_briefly_goes_out_within_its_deadline(
    clock: FakeClock, queue: DeviceQueue, gate: Switch
) -> None:
    sent: list[str] = []
    gate.until = clock.monotonic() + 5
    first = submit(queue, sent, "first", 0, clock.monotonic() + 15)
    await run_clock(clock, 10)
    assert (await asyncio.wait_for(first, 5)).ok
    assert sent == ["first"]


async def test_a_request_that_waited_through_a_hold_is_late_once_its_turn_comes_too_late(
    clock: FakeClock, queue: DeviceQueue, gate: Switch
) -> None:
    sent: list[str] = []
    gate.until = clock.monotonic() + 5
    # the first request paces the device for 20 s after the hold; the second's deadline
    # passes meanwhile, and it waited through the hold: it is not sent late
    first = submit(queue, sent, "first", 20, clock.monotonic() + 14)
    second = submit(queue, sent, "second", 0, clock.monotonic() + 15)
    await run_clock(clock, 30)
    assert (await asyncio.wait_for(first, 5)).ok
    with pytest.raises(SendError) as caught:
        await asyncio.wait_for(second, 5)
    assert caught.value.failure is Failure.LATE
    assert sent == ["first"]
