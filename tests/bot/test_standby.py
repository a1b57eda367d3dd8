"""Standby failover in the Iris sender, over real HTTP to two fake Iris devices on a fake clock:
while device "a" is held (a test gate standing in for the breaker's pause), the rooms its
standby "b" is known to be in go through "b", once each and at "b"'s own pace; the others wait
for "a" and go out through it, once, when it is released."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import aiohttp
import pytest

from bot.iris.client import IrisDevice, IrisSender
from bot.iris.devices import GATE_RECHECK_S
from bot.iris.standby import RoomReach
from bot.sender import SendResult
from storage.room_devices import OPERATOR, SEEN
from tests.support.fakes import FakeClock, FakeIris
from tests.support.gates import HoldGate
from tests.support.waits import wait_until

KNOWN_SEEN = "1001"  # "b" was seen in it
KNOWN_TOLD = "1002"  # the operator said "b" is in it
UNKNOWN = "1003"  # nothing says "b" is in it


class Rig:
    def __init__(self, clock: FakeClock, a: FakeIris, b: FakeIris, sender: IrisSender) -> None:
        self.clock = clock
        self.a = a
        self.b = b
        self.sender = sender

    def send(self, room: str, text: str) -> asyncio.Task[SendResult]:
        return asyncio.create_task(self.sender.send_text(room, text))

    async def parked(self, n: int) -> None:
        """Wait until ``n`` coroutines sleep on the clock (the queues are idle until it moves)."""
        await wait_until(lambda: self.clock.sleepers == n, f"{n} sleepers")

    async def advance_until(self, done: Callable[[], bool], parked: int, limit: int = 30) -> None:
        """Move the clock a gate recheck at a time until ``done``."""
        for _ in range(limit):
            if done():
                return
            await self.clock.advance(GATE_RECHECK_S)
            await wait_until(lambda: done() or self.clock.sleepers == parked, "the queues")
        raise AssertionError("never done")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def gate(clock: FakeClock) -> HoldGate:
    return HoldGate(clock)


@pytest.fixture
async def rig(clock: FakeClock, gate: HoldGate) -> AsyncIterator[Rig]:
    reach = RoomReach([IrisDevice("a", "", standby="b"), IrisDevice("b", "")])
    reach.note(KNOWN_SEEN, "b", SEEN)
    reach.note(KNOWN_TOLD, "b", OPERATOR)
    async with FakeIris(clock) as a, FakeIris(clock) as b, aiohttp.ClientSession() as http:
        devices = [
            IrisDevice("a", a.url, text_gap_ms=250, standby="b"),
            IrisDevice("b", b.url, text_gap_ms=1000),
        ]
        sender = IrisSender(http, devices, clock, gates=[gate], standby_for=reach.standby_for)
        await sender.start()
        try:
            yield Rig(clock, a, b, sender)
        finally:
            await sender.close()


async def result(task: asyncio.Task[SendResult]) -> SendResult:
    """The task's result (the time limit only guards against a hang)."""
    async with asyncio.timeout(5):
        return await task


def rooms(fake: FakeIris) -> list[str]:
    return [body["room"] for body in fake.bodies]


async def test_known_rooms_go_through_the_standby_once_and_the_rest_wait(
    rig: Rig, gate: HoldGate
) -> None:
    gate.hold("a", 60)
    # the room that must wait comes first: it does not keep the others from the standby
    unknown, seen, told = (
        rig.send(room, f"안내 {room}") for room in (UNKNOWN, KNOWN_SEEN, KNOWN_TOLD)
    )
    await rig.b.wait_for_calls(1)
    await rig.parked(2)  # "a" waits for its gate, "b" for its own gap after the first send
    await rig.clock.advance(0.75)  # more than "a"'s gap: "b" paces by its own
    assert rig.clock.sleepers == 2 and len(rig.b.calls) == 1
    await rig.clock.advance(0.25)
    calls = await rig.b.wait_for_calls(2)
    assert calls[1].at - calls[0].at == 1.0
    assert (await result(seen)).device == "b" and (await result(told)).device == "b"
    assert sorted(rooms(rig.b)) == [KNOWN_SEEN, KNOWN_TOLD]
    assert rig.a.calls == [] and not unknown.done()
    assert rig.sender.held_s("a") > 0 and rig.sender.queue_depth("a") == 1

    await rig.advance_until(lambda: bool(rig.a.calls), parked=1)
    assert (await result(unknown)).device == "a"
    assert rooms(rig.a) == [UNKNOWN]
    assert sorted(rooms(rig.b)) == [KNOWN_SEEN, KNOWN_TOLD]  # nothing twice
    assert rig.sender.held_s("a") == 0
    again = rig.send(KNOWN_SEEN, "다시")  # released: its own device again, after its gap
    await rig.parked(1)
    await rig.clock.advance(0.25)
    assert (await result(again)).device == "a"


async def test_a_request_on_the_wire_is_not_repeated_by_the_standby(
    rig: Rig, gate: HoldGate
) -> None:
    rig.a.hang_next()
    first = rig.send(KNOWN_SEEN, "첫째")
    await rig.a.wait_for_calls(1)  # on the wire when "a" gets paused
    gate.hold("a", 60)
    second = rig.send(KNOWN_SEEN, "둘째")
    rig.a.release()
    assert (await result(first)).device == "a"
    await rig.parked(1)  # "a"'s gap after the first, then its gate
    await rig.clock.advance(0.25)
    assert (await result(second)).device == "b"
    assert [body["data"] for body in rig.a.bodies] == ["첫째"]
    assert [body["data"] for body in rig.b.bodies] == ["둘째"]


async def test_without_a_standby_every_room_waits_for_its_device(
    clock: FakeClock, gate: HoldGate
) -> None:
    reach = RoomReach([IrisDevice("a", ""), IrisDevice("b", "")])
    reach.note(KNOWN_SEEN, "b", SEEN)  # "b" is in the room, but it is no one's standby
    assert reach.standby_for(KNOWN_SEEN, "a") is None
    async with FakeIris(clock) as a, FakeIris(clock) as b, aiohttp.ClientSession() as http:
        devices = [IrisDevice("a", a.url), IrisDevice("b", b.url)]
        sender = IrisSender(http, devices, clock, gates=[gate], standby_for=reach.standby_for)
        await sender.start()
        try:
            gate.hold("a", 10)
            rig = Rig(clock, a, b, sender)
            task = rig.send(KNOWN_SEEN, "기다림")
            await rig.parked(1)
            assert a.calls == [] and b.calls == [] and not task.done()
            await rig.advance_until(lambda: bool(a.calls), parked=1)
            assert (await result(task)).device == "a" and b.calls == []
        finally:
            await sender.close()


async def test_an_idle_standby_known_to_be_paused_is_not_handed_the_room(
    rig: Rig, gate: HoldGate
) -> None:
    gate.hold("b", 60)  # paused while idle: its own gates have not been asked since
    gate.hold("a", 20)
    task = rig.send(KNOWN_SEEN, "기다림")
    await rig.parked(1)  # waits on "a"'s gate, not on "b"'s
    assert rig.sender.held_s("b") > 0 and rig.sender.queue_depth("b") == 0
    await rig.advance_until(lambda: bool(rig.a.calls), parked=1)
    assert (await result(task)).device == "a"  # when "a" was free, not after "b"'s 60 s
    assert rig.b.calls == [] and rig.clock.monotonic() - 1000 < 60
