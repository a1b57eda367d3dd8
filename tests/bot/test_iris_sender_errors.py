"""The Iris sender when things go wrong: HTTP errors classified, timeouts, refused
connections, closing with sends in flight, config health, and the dry run."""

from __future__ import annotations

import asyncio
import logging
import socket

import pytest

from bot.dryrun import DryRunSender
from bot.sender import PRIORITY_REPLY, Failure, SendError
from tests.bot import test_iris_sender
from tests.bot.test_iris_sender import OTHER_ROOM, PNG, ROOM, MakeSender, RecordingClock, spawn
from tests.support.fakes import FakeIris

# test_iris_sender' fixtures, found by pytest under these names
clock = test_iris_sender.clock
iris = test_iris_sender.iris
session = test_iris_sender.session
make_sender = test_iris_sender.make_sender


async def test_iris_own_validation_error_is_permanent(
    make_sender: MakeSender, iris: FakeIris
) -> None:
    """The fake answers a room id too large for a Kotlin Long the way Iris does."""
    sender = await make_sender(text_gap_ms=0)
    iris.fail_next(message='For input string: "99999999999999999999"')
    with pytest.raises(SendError, match="For input string") as info:
        await sender.send_text(ROOM, "hi")
    assert info.value.retryable is False


async def test_timeout_is_retryable(make_sender: MakeSender, iris: FakeIris) -> None:
    sender = await make_sender(text_gap_ms=0, timeout_s=0.2)
    iris.hang_next()
    with pytest.raises(SendError, match="no answer") as info:
        await sender.send_text(ROOM, "hi")
    assert info.value.retryable is True
    assert info.value.status is None
    assert info.value.failure is Failure.TIMEOUT
    assert info.value.reason == "Iris가 응답하지 않습니다 (0.2초)"
    iris.release()
    assert (await sender.send_text(ROOM, "next")).ok


async def test_slow_answer_within_the_timeout_succeeds(
    make_sender: MakeSender, iris: FakeIris
) -> None:
    sender = await make_sender(text_gap_ms=0, timeout_s=2)
    iris.slow_next(delay_s=0.05)
    assert (await sender.send_text(ROOM, "hi")).ok


def _closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


async def test_connection_refused_is_retryable(make_sender: MakeSender) -> None:
    url = _closed_port_url()
    sender = await make_sender(url=url, text_gap_ms=0)
    with pytest.raises(SendError) as info:
        await sender.send_text(ROOM, "hi")
    assert info.value.retryable is True
    assert info.value.status is None
    assert info.value.failure is Failure.UNREACHABLE
    assert info.value.reason == "카카오톡 봇 기기(Iris)에 연결할 수 없습니다"
    detail = info.value.detail()["error"]  # the technical detail: URL and exception
    assert url in detail and "ClientConnectorError" in detail


async def test_close_fails_waiting_and_in_flight_sends(
    make_sender: MakeSender, iris: FakeIris
) -> None:
    sender = await make_sender(text_gap_ms=0)
    iris.hang_next()
    in_flight = spawn(sender.send_text(ROOM, "hanging"))
    await iris.wait_for_calls(1)
    waiting = spawn(sender.send_text(ROOM, "waiting"))
    await asyncio.sleep(0)
    await sender.close()
    for task in (in_flight, waiting):
        with pytest.raises(SendError, match="closed") as info:
            await task
        assert info.value.retryable is True
        assert info.value.reason == "kbot이 종료되는 중이라 보내지 못했습니다"
    with pytest.raises(SendError, match="closed"):
        await sender.send_text(ROOM, "too late")
    assert len(iris.calls) == 1


# --- config / health -------------------------------------------------------------------


async def test_fetch_config_records_health(
    make_sender: MakeSender, iris: FakeIris, clock: RecordingClock
) -> None:
    sender = await make_sender()
    assert sender.last_config_ok == {"main": None}
    config = await sender.fetch_config()
    assert config["bot_id"] == iris.bot_id
    assert sender.last_config_ok == {"main": clock.now()}


async def test_fetch_config_failure_keeps_last_ok(
    make_sender: MakeSender, iris: FakeIris, clock: RecordingClock
) -> None:
    sender = await make_sender()
    await sender.fetch_config("main")
    seen = clock.now()
    await clock.advance(60)
    iris.config_status = 503
    with pytest.raises(SendError) as info:
        await sender.fetch_config("main")
    assert (info.value.status, info.value.retryable) == (503, True)
    assert sender.last_config_ok["main"] == seen
    with pytest.raises(SendError, match="unknown Iris device"):
        await sender.fetch_config("nope")


# --- dry run ---------------------------------------------------------------------------


async def test_dry_run_logs_and_remembers(caplog: pytest.LogCaptureFixture) -> None:
    sender = DryRunSender(keep=2)
    caplog.set_level(logging.INFO, logger="kbot.dryrun")
    text = "첫 줄\n둘째 줄"
    result = await sender.send_text(ROOM, text)
    await sender.send_images(ROOM, [PNG, PNG + b"x"], priority=PRIORITY_REPLY)
    await sender.send_text(OTHER_ROOM, "last")
    assert result.ok
    assert result.raw["dryrun"] is True
    assert [record["room_id"] for record in sender.sent] == [ROOM, OTHER_ROOM]
    assert sender.sent[0] == {
        "dryrun": True,
        "kind": "images",
        "room_id": ROOM,
        "count": 2,
        "sizes": [len(PNG), len(PNG) + 1],
        "priority": PRIORITY_REPLY,
    }
    messages = [r.getMessage() for r in caplog.records if r.name == "kbot.dryrun"]
    assert len(messages) == 3
    assert text in messages[0]
    assert ROOM in messages[0]
    assert "2 image(s)" in messages[1]
    assert str(len(PNG)) in messages[1]


async def test_dry_run_refuses_what_iris_refuses() -> None:
    sender = DryRunSender()
    with pytest.raises(SendError):
        await sender.send_text(ROOM, "")
    with pytest.raises(SendError):
        await sender.send_images(ROOM, [])
    assert sender.sent == []
