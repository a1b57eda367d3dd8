"""The devices' safety through the real composition root: /healthz and /metrics show each
device's budget use, waiting requests, hold and pause; a KakaoTalk restriction notice in a
1:1 chat pauses the device whose webhook URL it came through, with one ops alert through the
other device, while the same words typed in a group room pause nothing."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core.config import Config, IrisDeviceConfig
from kbot.bootstrap import init_app
from storage.kbot_models import DeviceState
from tests.support.fakes import FakeClock, FakeIris
from tests.support.waits import wait_until
from web import keys

TOKEN = "safety-token-0123456789"
ROOM = "257378349297847"
OPS_ROOM = "900000000000001"
PLAIN_CHAT = Path(__file__).parents[1] / "fixtures" / "iris" / "plain_chat.json"
NOTICE = "카카오톡 운영정책 위반으로 회원님의 계정에 보호조치가 적용되었습니다."
Client = Any


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def safety_cfg(cfg: Config, iris: FakeIris, ops_iris: FakeIris) -> Config:
    """``default`` (budgeted: 5 a minute, 100 a day) and ``ops`` (no budgets: it overrides
    the inherited ones); the scheduler off."""
    device = cfg.bot.iris.model_copy(
        update={
            "url": iris.url,
            "text_gap_ms": 0,
            "bot_id": iris.bot_id,
            "max_per_minute": 5,
            "max_per_day": 100,
            "breaker_unconfirmed": 3,
            "devices": [
                IrisDeviceConfig(name="ops", url=ops_iris.url, max_per_minute=0, max_per_day=0)
            ],
        }
    )
    bot = cfg.bot.model_copy(
        update={"transport": "iris", "iris": device, "webhook_token": SecretStr(TOKEN)}
    )
    return cfg.model_copy(
        update={
            "bot": bot,
            "scheduler": cfg.scheduler.model_copy(update={"enabled": False}),
            "alerts": cfg.alerts.model_copy(update={"ops_room_id": OPS_ROOM}),
        }
    )


async def start(aiohttp_client: Client, cfg: Config, clock: FakeClock) -> TestClient[Any, Any]:
    app = await init_app(cfg, clock=clock)
    return await aiohttp_client(app)


async def metric(client: TestClient[Any, Any], name: str, **labels: str) -> float | None:
    text = await (await client.get("/metrics")).text()
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and sample.labels == labels:
                return float(sample.value)
    return None


def chat(text: str, *, sender: str, room_name: str, event_id: str) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(PLAIN_CHAT.read_text(encoding="utf-8"))
    body.update(msg=text, sender=sender, room=room_name)
    body["json"].update(message=text, _id=event_id, chat_id="18446744000", user_id="777")
    return body


async def test_healthz_and_metrics_show_each_devices_budget_use(
    cfg: Config,
    engine: AsyncEngine,
    clock: FakeClock,
    iris: FakeIris,
    ops_iris: FakeIris,
    aiohttp_client: Client,  # last: the app stops before the fakes and the database
) -> None:
    client = await start(aiohttp_client, safety_cfg(cfg, iris, ops_iris), clock)
    sender = client.app[keys.SENDER]
    for n in range(3):
        await sender.send_text(ROOM, f"{n}")
    devices = (await (await client.get("/healthz")).json())["devices"]
    assert devices["default"] == {
        "budget": {"minute": {"used": 3, "limit": 5}, "day": {"used": 3, "limit": 100}},
        "waiting": 0,
        "held_s": 0,
        "paused_until": None,
        "pause_reason": None,
        "trips": 0,
    }
    assert devices["ops"]["budget"] == {}

    waiting = [asyncio.create_task(sender.send_text(ROOM, f"more {n}")) for n in range(4)]
    iris_sender = client.app[keys.IRIS]
    await wait_until(lambda: iris_sender.held_s("default") > 0, "the budget to hold")
    devices = (await (await client.get("/healthz")).json())["devices"]
    assert devices["default"]["budget"]["minute"] == {"used": 5, "limit": 5}
    assert devices["default"]["waiting"] == 2 and devices["default"]["held_s"] == 60
    assert await metric(client, "kbot_iris_budget_used", device="default", window="minute") == 5
    assert await metric(client, "kbot_iris_budget_limit", device="default", window="day") == 100
    assert await metric(client, "kbot_iris_held_seconds", device="default") == 60
    assert await metric(client, "kbot_iris_paused_until_seconds", device="default") == 0
    assert await metric(client, "kbot_iris_budget_used", device="ops", window="minute") is None
    assert len(iris.calls) == 5
    for task in waiting:
        task.cancel()


async def test_a_restriction_notice_in_a_direct_chat_pauses_its_device_once(
    cfg: Config,
    sessions: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    iris: FakeIris,
    ops_iris: FakeIris,
    aiohttp_client: Client,
) -> None:
    client = await start(aiohttp_client, safety_cfg(cfg, iris, ops_iris), clock)

    async def post(body: dict[str, Any]) -> None:
        params = {"token": TOKEN, "device": "ops"}
        assert (await client.post("/webhook/iris", json=body, params=params)).status == 200
        await client.app[keys.WEBHOOKS].tasks.drain(5)

    # a member typing the words in a group room, or a member named "카카오톡" in one: nothing
    await post(chat(NOTICE, sender="이직원", room_name="강남지점 공지방", event_id="1"))
    await post(chat(NOTICE, sender="카카오톡", room_name="강남지점 공지방", event_id="2"))
    async with sessions() as s:
        assert await s.get(DeviceState, "ops") is None
    await post(chat(NOTICE, sender="카카오톡", room_name="카카오톡", event_id="3"))
    await wait_until(lambda: len(iris.calls) == 1, "the ops alert")
    await post(chat(NOTICE, sender="카카오톡", room_name="카카오톡", event_id="4"))
    health = await (await client.get("/healthz")).json()
    ops = health["devices"]["ops"]
    assert ops["paused_until"] is not None and ops["trips"] == 1
    assert "보호조치" in ops["pause_reason"]
    [alert] = iris.bodies
    assert alert["room"] == OPS_ROOM and "봇 기기 'ops' 발송 일시정지" in alert["data"]
    assert "카카오톡 이용 제한 안내" in alert["data"]
    assert ops_iris.calls == []
    async with sessions() as s:
        row = await s.get(DeviceState, "ops")
        assert row is not None and row.trips == 1
