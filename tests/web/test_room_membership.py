"""Standby failover through the real composition root: kbot learns which devices are in which
rooms from ``/webhook/iris?token=...&device=NAME`` traffic (real HTTP), a paused device's rooms
that its standby is known to be in go through the standby once, the others wait, are reported
in ``/healthz`` and go out through their own device once it is released. Two fake Iris
devices; a test gate stands in for the breaker's pause."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.iris import build
from bot.iris.client import IrisSender
from bot.iris.devices import GATE_RECHECK_S
from bot.iris.standby import SEEN_WRITE_EVERY_S
from bot.sender import SendResult
from core.config import Config, IrisDeviceConfig
from core.timeutil import to_utc_naive
from storage import room_devices
from tests.support.fakes import FakeClock, FakeIris
from tests.support.gates import HoldGate
from tests.support.sched_support import OTHER_ROOM, ROOM
from tests.support.waits import wait_until
from tests.web.test_webhooks import (
    Client,
    EchoHandler,
    iris_body,
    post_iris,
    settle,
    start,
    with_bot,
)
from web import keys

STRANGER_ROOM = "3003"  # not registered: only the bot's own echo shows the standby is in it


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def a(clock: FakeClock) -> AsyncIterator[FakeIris]:
    async with FakeIris(clock) as fake:
        yield fake


@pytest.fixture
async def b(clock: FakeClock) -> AsyncIterator[FakeIris]:
    async with FakeIris(clock) as fake:
        yield fake


@pytest.fixture
def gate(clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> HoldGate:
    """The gate, put in front of every device of the sender the app builds."""
    gate = HoldGate(clock)

    def sender(*args: Any, gates: Any = (), **kwargs: Any) -> IrisSender:
        return IrisSender(*args, gates=[gate, *gates], **kwargs)

    monkeypatch.setattr(build, "IrisSender", sender)
    return gate


def two_devices(cfg: Config, a: FakeIris, b: FakeIris) -> Config:
    """ "default" on ``a`` with standby "phone2" on ``b``."""
    phone2 = IrisDeviceConfig(name="phone2", url=b.url, text_gap_ms=0)
    update = {"url": a.url, "text_gap_ms": 0, "standby": "phone2", "devices": [phone2]}
    return with_bot(cfg, transport="iris", iris=cfg.bot.iris.model_copy(update=update))


@pytest.fixture
async def client(
    cfg: Config,
    engine: AsyncEngine,
    world: None,
    a: FakeIris,
    b: FakeIris,
    gate: HoldGate,
    clock: FakeClock,
    aiohttp_client: Client,  # last: the app stops before the fakes do
) -> TestClient[Any, Any]:
    return await start(aiohttp_client, two_devices(cfg, a, b), clock, EchoHandler())


async def event(client: TestClient[Any, Any], room: str, n: int, **params: str) -> None:
    resp = await post_iris(client, iris_body("plain_chat", chat_id=room, _id=str(n)), **params)
    assert resp.status == 200
    await settle(client)


async def pairs(sessions: async_sessionmaker[AsyncSession]) -> dict[tuple[str, str], Any]:
    async with sessions() as s:
        rows = await room_devices.all_pairs(s)
    return {(r.room_id, r.device): (r.source, r.seen_at) for r in rows}


async def healthz(client: TestClient[Any, Any]) -> dict[str, Any]:
    resp = await client.get("/healthz")
    body: dict[str, Any] = await resp.json()
    return body["standby"]


async def result(task: asyncio.Task[SendResult]) -> SendResult:
    async with asyncio.timeout(5):  # only guards against a hang
        return await task


async def test_the_standby_takes_the_rooms_it_was_seen_in_and_the_others_wait(
    client: TestClient[Any, Any],
    sessions: async_sessionmaker[AsyncSession],
    a: FakeIris,
    b: FakeIris,
    gate: HoldGate,
    clock: FakeClock,
) -> None:
    await event(client, ROOM, 1, device="phone2")
    echo = iris_body("bot_own_echo", chat_id=STRANGER_ROOM, _id="2")
    assert (await post_iris(client, echo, device="phone2")).status == 200  # the bot's own echo
    await event(client, OTHER_ROOM, 3)  # no device: two are configured, so which one is unknown
    await settle(client)
    at = to_utc_naive(clock.now())
    assert await pairs(sessions) == {
        (ROOM, "phone2"): ("seen", at),
        (STRANGER_ROOM, "phone2"): ("seen", at),
    }
    report = await healthz(client)
    assert report["rooms"] == 2 and report["reach"] == {"default": 2, "phone2": 1}
    assert report["held"] == {} and report["waiting"]["count"] == 0
    assert report["without_standby"]["count"] == 1
    assert report["without_standby"]["rooms"] == [
        {"room_id": OTHER_ROOM, "devices": {"default": "own"}}
    ]

    gate.hold("default", 600)  # the breaker pauses "default"
    sender = client.app[keys.SENDER]
    known = asyncio.create_task(sender.send_text(ROOM, "특가 안내"))
    unknown = asyncio.create_task(sender.send_text(OTHER_ROOM, "특가 안내"))
    assert (await result(known)).device == "phone2"
    assert [body["room"] for body in b.bodies] == [ROOM]
    iris = client.app[keys.IRIS]
    await wait_until(lambda: iris.queue_depth("default") == 1, "the other room waiting")
    assert a.calls == [] and not unknown.done()
    report = await healthz(client)
    assert report["held"] == {"default": {"held_s": 600.0, "standby": "phone2"}}
    assert report["waiting"]["count"] == 1
    assert report["waiting"]["rooms"] == [{"room_id": OTHER_ROOM, "devices": {"default": "own"}}]

    gate.release("default")
    await clock.advance(GATE_RECHECK_S)  # the held queue looks again
    assert (await result(unknown)).device == "default"
    assert [body["room"] for body in a.bodies] == [OTHER_ROOM]
    assert [body["room"] for body in b.bodies] == [ROOM]  # nothing twice
    assert (await healthz(client))["waiting"]["count"] == 0


async def test_each_room_and_device_is_written_at_most_every_few_minutes(
    client: TestClient[Any, Any], sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    first = to_utc_naive(clock.now())
    await event(client, ROOM, 1, device="phone2")
    await clock.advance(60)
    await event(client, ROOM, 2, device="phone2")
    assert (await pairs(sessions))[(ROOM, "phone2")] == ("seen", first)
    await clock.advance(SEEN_WRITE_EVERY_S)
    await event(client, ROOM, 3, device="phone2")
    later = first + timedelta(seconds=60 + SEEN_WRITE_EVERY_S)
    assert (await pairs(sessions))[(ROOM, "phone2")] == ("seen", later)


async def test_an_operator_pair_becomes_seen_once_traffic_shows_it(
    client: TestClient[Any, Any], sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    async with sessions.begin() as s:
        await room_devices.add_operator(s, ROOM, "phone2", at=clock.now() - timedelta(days=1))
    await event(client, ROOM, 1, device="phone2")
    assert (await pairs(sessions))[(ROOM, "phone2")] == ("seen", to_utc_naive(clock.now()))


async def test_an_unknown_device_name_is_warned_once_and_not_recorded(
    client: TestClient[Any, Any],
    sessions: async_sessionmaker[AsyncSession],
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="kbot.standby"):
        await event(client, ROOM, 1, device="phone9")
        await event(client, OTHER_ROOM, 2, device="phone9")
    warned = [r.getMessage() for r in caplog.records if r.name == "kbot.standby"]
    assert len(warned) == 1 and "'phone9'" in warned[0] and "default, phone2" in warned[0]
    assert await pairs(sessions) == {}
    assert client.app[keys.ROOM_REACH].members(ROOM) == {}


async def test_with_one_device_events_without_a_device_name_are_its_own(
    cfg: Config,
    engine: AsyncEngine,
    world: None,
    sessions: async_sessionmaker[AsyncSession],
    a: FakeIris,
    clock: FakeClock,
    aiohttp_client: Client,
) -> None:
    iris = cfg.bot.iris.model_copy(update={"url": a.url})
    client = await start(
        aiohttp_client, with_bot(cfg, transport="iris", iris=iris), clock, EchoHandler()
    )
    await event(client, ROOM, 1)
    assert list(await pairs(sessions)) == [(ROOM, "default")]
