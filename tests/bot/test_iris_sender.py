"""IrisSender over real HTTP against FakeIris, paced on a fake clock; DryRunSender."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest

from bot.iris.client import IrisDevice, IrisSender
from bot.sender import PRIORITY_REPLY, Failure, SendError, SendResult
from tests.support.fakes import FakeClock, FakeIris

ROOM = "257378349297847"
OTHER_ROOM = "18446744"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


class RecordingClock(FakeClock):
    """FakeClock that remembers every ``sleep`` requested and lets a test await them."""

    def __init__(self) -> None:
        super().__init__()
        self.requested: list[float] = []
        self._changed = asyncio.Condition()

    async def sleep(self, seconds: float) -> None:
        async with self._changed:
            self.requested.append(seconds)
            self._changed.notify_all()
        await super().sleep(seconds)

    async def wait_for_sleeps(self, n: int) -> None:
        async with asyncio.timeout(5), self._changed:
            await self._changed.wait_for(lambda: len(self.requested) >= n)


MakeSender = Callable[..., Awaitable[IrisSender]]


@pytest.fixture
def clock() -> RecordingClock:
    return RecordingClock()


@pytest.fixture
async def iris(clock: RecordingClock) -> AsyncIterator[FakeIris]:
    async with FakeIris(clock) as fake:
        yield fake


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client:
        yield client


@pytest.fixture
async def make_sender(
    session: aiohttp.ClientSession, clock: RecordingClock, iris: FakeIris
) -> AsyncIterator[MakeSender]:
    senders: list[IrisSender] = []

    async def make(url: str | None = None, **device: Any) -> IrisSender:
        sender = IrisSender(session, [IrisDevice("main", url or iris.url, **device)], clock)
        await sender.start()
        senders.append(sender)
        return sender

    yield make
    for sender in senders:
        await sender.close()


def spawn(coro: Awaitable[SendResult]) -> asyncio.Task[SendResult]:
    async def run() -> SendResult:
        return await coro

    return asyncio.create_task(run())


# --- payload shape ---------------------------------------------------------------------


async def test_text_payload(make_sender: MakeSender, iris: FakeIris) -> None:
    sender = await make_sender()
    result = await sender.send_text(ROOM, "안녕하세요\n둘째 줄")
    assert result == SendResult(
        ok=True, raw={"success": True, "message": "success"}, status=200, device="main"
    )
    assert iris.bodies == [{"type": "text", "room": ROOM, "data": "안녕하세요\n둘째 줄"}]


async def test_one_image_is_sent_as_image(make_sender: MakeSender, iris: FakeIris) -> None:
    sender = await make_sender()
    await sender.send_images(ROOM, [PNG])
    [body] = iris.bodies
    assert body["type"] == "image"
    assert body["room"] == ROOM
    assert base64.b64decode(body["data"]) == PNG


async def test_several_images_are_sent_as_image_multiple(
    make_sender: MakeSender, iris: FakeIris
) -> None:
    images = [PNG, PNG + b"2", PNG + b"33"]
    sender = await make_sender()
    await sender.send_images(ROOM, images)
    [body] = iris.bodies
    assert body["type"] == "image_multiple"
    assert body["room"] == ROOM
    assert [base64.b64decode(item) for item in body["data"]] == images


@pytest.mark.parametrize(
    ("room", "send"),
    [
        ("user:abc", lambda s, room: s.send_text(room, "hi")),
        ("", lambda s, room: s.send_text(room, "hi")),
        (ROOM, lambda s, room: s.send_text(room, " \n ")),
        (ROOM, lambda s, room: s.send_images(room, [])),
        (ROOM, lambda s, room: s.send_images(room, [PNG, b""])),
    ],
)
async def test_unsendable_requests_fail_before_reaching_iris(
    make_sender: MakeSender, iris: FakeIris, room: str, send: Any
) -> None:
    sender = await make_sender()
    with pytest.raises(SendError) as info:
        await send(sender, room)
    assert info.value.retryable is False
    assert info.value.failure is (Failure.EMPTY if room == ROOM else Failure.BAD_ROOM)
    assert info.value.reason in ("보낼 내용이 비어 있습니다", "보낼 방 번호가 올바르지 않습니다")
    await sender.send_text(ROOM, "after")  # the queue still works, and is the first call
    assert iris.bodies == [{"type": "text", "room": ROOM, "data": "after"}]


# --- pacing ----------------------------------------------------------------------------


async def test_second_text_waits_for_the_text_gap(
    make_sender: MakeSender, iris: FakeIris, clock: RecordingClock
) -> None:
    sender = await make_sender(text_gap_ms=300)
    await sender.send_text(ROOM, "first")
    second = spawn(sender.send_text(ROOM, "second"))
    await clock.wait_for_sleeps(1)
    assert clock.requested == [pytest.approx(0.3)]
    assert len(iris.calls) == 1
    assert sender.queue_depth("main") == 1

    await clock.advance(0.2)
    assert len(iris.calls) == 1
    await clock.advance(0.1)
    await second
    assert [c.body["data"] for c in iris.calls] == ["first", "second"]
    assert iris.calls[1].at - iris.calls[0].at == pytest.approx(0.3)
    assert sender.queue_depth("main") == 0


async def test_image_is_followed_by_the_image_gap(
    make_sender: MakeSender, iris: FakeIris, clock: RecordingClock
) -> None:
    sender = await make_sender(text_gap_ms=300, image_gap_ms=5000)
    await sender.send_images(ROOM, [PNG])
    text = spawn(sender.send_text(ROOM, "after the image"))
    await clock.wait_for_sleeps(1)
    assert clock.requested == [pytest.approx(5.0)]
    await clock.advance(4.9)
    assert len(iris.calls) == 1
    await clock.advance(0.1)
    await text
    assert iris.calls[1].at - iris.calls[0].at == pytest.approx(5.0)


async def test_time_already_passed_counts_towards_the_gap(
    make_sender: MakeSender, iris: FakeIris, clock: RecordingClock
) -> None:
    sender = await make_sender(text_gap_ms=300)
    await sender.send_text(ROOM, "first")
    await clock.advance(0.2)
    second = spawn(sender.send_text(ROOM, "second"))
    await clock.wait_for_sleeps(1)
    assert clock.requested == [pytest.approx(0.1)]
    await clock.advance(0.1)
    await second
    assert len(iris.calls) == 2


async def test_zero_gap_sends_back_to_back(
    make_sender: MakeSender, iris: FakeIris, clock: RecordingClock
) -> None:
    sender = await make_sender(text_gap_ms=0)
    await asyncio.gather(*(sender.send_text(ROOM, f"m{i}") for i in range(3)))
    assert [body["data"] for body in iris.bodies] == ["m0", "m1", "m2"]
    assert clock.requested == []


async def test_a_failed_request_is_paced_too(
    make_sender: MakeSender, iris: FakeIris, clock: RecordingClock
) -> None:
    sender = await make_sender(text_gap_ms=300)
    iris.fail_next(status=503, body="busy")
    with pytest.raises(SendError):
        await sender.send_text(ROOM, "first")
    second = spawn(sender.send_text(ROOM, "second"))
    await clock.wait_for_sleeps(1)
    assert len(iris.calls) == 1
    await clock.advance(0.3)
    assert (await second).ok


async def test_replies_jump_ahead_of_waiting_scheduled_sends(
    make_sender: MakeSender, iris: FakeIris, clock: RecordingClock
) -> None:
    sender = await make_sender(text_gap_ms=300)
    await sender.send_text(ROOM, "s1")
    scheduled = [spawn(sender.send_text(ROOM, name)) for name in ("s2", "s3")]
    await clock.wait_for_sleeps(1)
    reply = spawn(sender.send_text(ROOM, "reply", priority=PRIORITY_REPLY))
    for n in (2, 3, 4):
        await clock.wait_for_sleeps(n - 1)  # the worker is parked in the gap
        await clock.advance(0.3)
        await iris.wait_for_calls(n)
    await asyncio.gather(reply, *scheduled)
    assert [body["data"] for body in iris.bodies] == ["s1", "reply", "s2", "s3"]
    assert clock.requested == [pytest.approx(0.3)] * 3


async def test_cancelled_send_is_withdrawn(
    make_sender: MakeSender, iris: FakeIris, clock: RecordingClock
) -> None:
    sender = await make_sender(text_gap_ms=300)
    await sender.send_text(ROOM, "first")
    withdrawn = spawn(sender.send_text(ROOM, "withdrawn"))
    kept = spawn(sender.send_text(ROOM, "kept"))
    await clock.wait_for_sleeps(1)
    withdrawn.cancel()
    await clock.advance(0.3)
    await kept
    assert [body["data"] for body in iris.bodies] == ["first", "kept"]


async def test_each_device_has_its_own_queue(
    session: aiohttp.ClientSession, clock: RecordingClock, iris: FakeIris
) -> None:
    async with FakeIris(clock) as second_device:
        sender = IrisSender(
            session,
            [IrisDevice("a", iris.url), IrisDevice("b", second_device.url)],
            clock,
            room_device=lambda room: "b" if room == OTHER_ROOM else None,
        )
        await sender.start()
        try:
            await sender.send_text(ROOM, "to a")
            await sender.send_text(OTHER_ROOM, "to b")  # not held back by a's gap
            assert iris.bodies == [{"type": "text", "room": ROOM, "data": "to a"}]
            assert second_device.bodies == [{"type": "text", "room": OTHER_ROOM, "data": "to b"}]
            assert clock.requested == []
        finally:
            await sender.close()


async def test_unknown_device_for_a_room_is_permanent(
    session: aiohttp.ClientSession, clock: RecordingClock, iris: FakeIris
) -> None:
    sender = IrisSender(session, [IrisDevice("a", iris.url)], clock, room_device=lambda r: "zz")
    await sender.start()
    try:
        with pytest.raises(SendError, match="zz") as info:
            await sender.send_text(ROOM, "hi")
        assert info.value.retryable is False
        assert info.value.reason == "Iris 기기 설정이 올바르지 않습니다"
        assert iris.calls == []
    finally:
        await sender.close()


def test_devices_must_be_given_and_unique(
    session: aiohttp.ClientSession, clock: RecordingClock
) -> None:
    with pytest.raises(ValueError, match="at least one"):
        IrisSender(session, [], clock)
    with pytest.raises(ValueError, match="unique"):
        IrisSender(session, [IrisDevice("a", "http://x"), IrisDevice("a", "http://y")], clock)


# --- errors ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "body", "retryable"),
    [
        (500, {"status": False, "message": 'For input string: "abc"'}, False),
        (500, {"status": False, "message": "java.lang.NumberFormatException: x"}, False),
        (500, {"status": False, "message": "Failed to convert request body to class X"}, False),
        (500, {"status": False, "message": "Illegal base64 character 2d"}, False),
        (500, {"status": False, "message": "No space left on device"}, True),
        (500, "Internal Server Error", True),
        (502, "Bad Gateway", True),
        (503, "Service Unavailable", True),
        (400, {"status": False, "message": "missing or invalid room"}, False),
        (404, "Not Found", False),
        (408, "Request Timeout", True),
        (429, "Too Many Requests", True),
        (200, {"success": False, "message": "refused"}, False),
    ],
)
async def test_http_errors_are_classified(
    make_sender: MakeSender,
    iris: FakeIris,
    status: int,
    body: Any,
    retryable: bool,
) -> None:
    sender = await make_sender(text_gap_ms=0)
    iris.fail_next(status=status, body=body)
    with pytest.raises(SendError) as info:
        await sender.send_text(ROOM, "hi")
    assert info.value.retryable is retryable
    assert info.value.status == status
    assert info.value.raw == body
    if status == 200:
        assert info.value.failure is Failure.REFUSED
        assert info.value.reason == "Iris가 발송 실패로 답했습니다"
    else:  # people read a short Korean reason; the body stays in the technical detail
        assert info.value.failure is Failure.REJECTED
        assert info.value.reason == f"Iris가 요청을 거절했습니다 (HTTP {status})"
    assert info.value.detail()["body"] == body and info.value.detail()["status"] == status
    assert (await sender.send_text(ROOM, "next")).ok  # one failure does not stop the queue
