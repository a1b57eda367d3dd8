"""Delivery receipts over real HTTP: kbot sends through the iris transport to a fake Iris,
which posts the bot's own echo back to kbot's ``/webhook/iris`` (or stays silent); the log
row's ``api_response``, the API, the chat's ``!스케줄 로그`` and the ``/logs`` page say
확인됨 / 확인 안 됨 / 확인 중, and ``/metrics`` counts the parts. Time is a FakeClock."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.config import Config
from storage.kbot_models import Receipt
from storage.models import ScheduleLog
from tests.support.api import Api, make_api
from tests.support.command_world import BR1_ROOM, BR1_USER, START
from tests.support.driver import Driver
from tests.support.echoes import echo_body, forged
from tests.support.fakes import FakeClock, FakeIris
from tests.support.pages import Site
from tests.support.waits import wait_until
from web import keys

Sessions = async_sessionmaker[AsyncSession]
TOKEN = "echo-token"
TEXT = "이번 주 특가 상품을 안내드립니다."


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
async def iris(clock: FakeClock) -> AsyncIterator[FakeIris]:
    async with FakeIris(clock) as fake:
        yield fake


def echoing(cfg: Config, iris: FakeIris) -> Config:
    """``cfg`` sending through ``iris`` without pacing, receipts due after 30 s."""
    device = cfg.bot.iris.model_copy(
        update={"url": iris.url, "text_gap_ms": 0, "image_gap_ms": 0, "bot_id": iris.bot_id}
    )
    bot = cfg.bot.model_copy(
        update={
            "transport": "iris",
            "iris": device,
            "webhook_token": SecretStr(TOKEN),
            "confirm_timeout_s": 30,
            "replies_per_sender_per_minute": 1000,
            "replies_per_room_per_minute": 1000,
        }
    )
    scheduler = cfg.scheduler.model_copy(update={"room_min_interval_s": 0})
    return cfg.model_copy(update={"bot": bot, "scheduler": scheduler})


async def start(
    aiohttp_client: Any, cfg: Config, sessions: Sessions, clock: FakeClock, iris: FakeIris
) -> tuple[Api, Driver]:
    api = await make_api(aiohttp_client, echoing(cfg, iris), sessions, clock)
    iris.echo_to = webhook_url(api)
    driver = Driver(clock, iris)
    await driver.started(api.client.app)
    return api, driver


def webhook_url(api: Api) -> str:
    return str(api.client.make_url("/webhook/iris").with_query(token=TOKEN))


async def send_now(api: Api, schedule_id: int) -> dict[str, Any]:
    status, body = await api.call("POST", f"/api/schedules/{schedule_id}/send")
    assert status == 200 and body["status"] == "success", body
    return dict(body)


async def receipts(sessions: Sessions) -> list[Receipt]:
    async with sessions() as s:
        return list(await s.scalars(select(Receipt).order_by(Receipt.id)))


async def states_become(sessions: Sessions, *expected: str) -> list[Receipt]:
    """The receipts once their states are ``expected`` (the echo is handled in the
    background: a bounded real wait)."""

    async def reached() -> list[Receipt] | None:
        rows = await receipts(sessions)
        return rows if tuple(r.state for r in rows) == expected else None

    return await wait_until(reached, f"receipts {expected}")


async def log_row(sessions: Sessions, log_id: int) -> ScheduleLog:
    async with sessions() as s:
        row = await s.get(ScheduleLog, log_id)
    assert row is not None
    return row


async def api_log(api: Api, log_id: int) -> dict[str, Any]:
    status, body = await api.call("GET", "/api/logs/send")
    assert status == 200
    [item] = [item for item in body["logs"] if item["id"] == log_id]
    return dict(item)


async def chat_log_line(api: Api, iris: FakeIris, schedule_id: int) -> str:
    """The bot's answer to ``!스케줄 로그 ID`` typed in BR1's room."""
    before = len(iris.calls)
    body = json_command(f"!스케줄 로그 {schedule_id}", event_id=f"cmd{before}")
    resp = await api.client.post("/webhook/iris", json=body, params={"token": TOKEN})
    assert resp.status == 200
    calls = await iris.wait_for_calls(before + 1)
    return str(calls[before].body["data"])


def json_command(text: str, *, event_id: str) -> dict[str, Any]:
    body = echo_body(BR1_ROOM, bot_id=BR1_USER, at=START, text=text)
    body["json"]["_id"] = event_id
    body["json"]["v"] = body["json"]["v"].replace('"isMine": true', '"isMine": false')
    body["sender"] = "김지점장"
    return body


async def post_echo(api: Api, body: dict[str, Any]) -> None:
    """Post an echo as Iris does and wait until kbot has handled it in the background."""
    resp = await api.client.post("/webhook/iris", json=body, params={"token": TOKEN})
    assert resp.status == 200
    tasks = api.client.app[keys.WEBHOOKS].tasks
    await wait_until(lambda: len(tasks) == 0, "the echo handled")


async def metric(api: Api, name: str) -> float:
    text = await (await api.client.get("/metrics")).text()
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    raise AssertionError(f"{name} not in /metrics")


async def test_an_echoed_text_and_image_are_confirmed_with_their_echo_ids_everywhere(
    cfg: Config, sessions: Sessions, clock: FakeClock, iris: FakeIris, aiohttp_client: Any
) -> None:
    iris.mode = "echo"
    api, _ = await start(aiohttp_client, cfg, sessions, clock, iris)
    image_id = await api.upload(1)
    created = await api.create(
        image_ids=[image_id], send_order="text_first", send_interval_seconds=0
    )
    sent = await send_now(api, created["id"])
    text_receipt, image_receipt = await states_become(sessions, "confirmed", "confirmed")
    text_echo, image_echo = iris.echoes
    assert (text_receipt.kind, text_receipt.echo_id) == ("text", text_echo["json"]["id"])
    assert (image_receipt.kind, image_receipt.echo_id) == ("image", image_echo["json"]["id"])
    assert {text_receipt.device, image_receipt.device} == {"default"}
    assert text_receipt.log_id == image_receipt.log_id == sent["id"]

    async def rewritten() -> ScheduleLog | None:
        row = await log_row(sessions, sent["id"])
        return row if row.api_response["confirmation"] == "confirmed" else None

    row = await wait_until(rewritten, "the log row rewritten as confirmed")
    assert row.api_response["confirmed"] is True
    assert [
        (p["part"], p["kind"], p["device"], p["confirmed"], p["echo_id"])
        for p in row.api_response["parts"]
    ] == [
        (0, "text", "default", True, text_echo["json"]["id"]),
        (1, "image", "default", True, image_echo["json"]["id"]),
    ]
    assert all(p["latency_ms"] == 0 for p in row.api_response["parts"])  # the clock stood still
    assert len(row.api_response["responses"]) == 2
    item = await api_log(api, sent["id"])
    assert (item["confirmed"], item["confirmation"]) == (True, "confirmed")
    assert "성공 · 확인됨" in await chat_log_line(api, iris, created["id"])
    site = Site(api.client, cfg, sessions, clock)
    await site.login("BR1")
    status, page = await site.get("/logs")
    assert status == 200 and '<span class="badge confirmation">확인됨</span>' in page
    assert await metric(api, "kbot_sends_confirmed_total") == 2
    assert await metric(api, "kbot_send_confirm_seconds_count") == 2
    assert await metric(api, "kbot_sends_unconfirmed_total") == 0


async def test_a_silent_device_leaves_the_send_unconfirmed_and_a_late_echo_upgrades_it(
    cfg: Config,
    sessions: Sessions,
    clock: FakeClock,
    iris: FakeIris,
    aiohttp_client: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    api, driver = await start(aiohttp_client, cfg, sessions, clock, iris)  # silent
    created = await api.create()
    sent = await send_now(api, created["id"])
    [receipt] = await states_become(sessions, "pending")
    item = await api_log(api, sent["id"])
    assert (item["confirmed"], item["confirmation"]) == (None, "pending")
    assert "성공 · 확인 중" in await chat_log_line(api, iris, created["id"])

    await driver.step(29)
    await states_become(sessions, "pending")  # not yet: confirm_timeout_s is 30
    await driver.step(2)
    await states_become(sessions, "unconfirmed")
    item = await api_log(api, sent["id"])
    assert (item["confirmed"], item["confirmation"]) == (False, "unconfirmed")
    assert item["api_response"]["parts"][0]["confirmed"] is False
    assert "성공 · 확인 안 됨" in await chat_log_line(api, iris, created["id"])
    assert await metric(api, "kbot_sends_unconfirmed_total") == 1

    late = echo_body(BR1_ROOM, bot_id=iris.bot_id, at=clock.now(), text=TEXT)
    with caplog.at_level(logging.INFO, logger="kbot.receipts"):
        await post_echo(api, late)
        [receipt] = await states_become(sessions, "confirmed")
    assert receipt.echo_id == late["json"]["id"]
    assert any("late echo" in r.getMessage() for r in caplog.records)
    item = await api_log(api, sent["id"])
    assert (item["confirmed"], item["confirmation"]) == (True, "confirmed")
    assert item["api_response"]["parts"][0]["latency_ms"] == 31_000
    assert await metric(api, "kbot_sends_confirmed_total") == 1


async def test_duplicate_forged_foreign_and_failed_photo_echoes_confirm_nothing(
    cfg: Config, sessions: Sessions, clock: FakeClock, iris: FakeIris, aiohttp_client: Any
) -> None:
    api, _ = await start(aiohttp_client, cfg, sessions, clock, iris)  # silent: echoes by hand
    image_id = await api.upload(2)
    created = await api.create(
        image_ids=[image_id], send_order="text_first", send_interval_seconds=0
    )
    await send_now(api, created["id"])
    first = echo_body(BR1_ROOM, bot_id=iris.bot_id, at=clock.now(), text=TEXT)
    await post_echo(api, first)
    await states_become(sessions, "confirmed", "pending")
    await send_now(api, created["id"])  # the same text again: two more receipts
    await states_become(sessions, "confirmed", "pending", "pending", "pending")

    await post_echo(api, first)  # Iris forwarding the same message twice
    await post_echo(api, forged(first, user_id=BR1_USER))  # "isMine" from a member
    other_room = echo_body("18999999999999999", bot_id=iris.bot_id, at=clock.now(), text=TEXT)
    await post_echo(api, other_room)  # a room kbot never sent to
    no_upload = echo_body(BR1_ROOM, bot_id=iris.bot_id, at=clock.now(), image_url=None)
    await post_echo(api, no_upload)  # a photo whose upload failed
    assert [r.state for r in await receipts(sessions)] == [
        "confirmed",
        "pending",
        "pending",
        "pending",
    ]
    photo = echo_body(BR1_ROOM, bot_id=iris.bot_id, at=clock.now())
    await post_echo(api, photo)  # the oldest image waiting is confirmed
    await states_become(sessions, "confirmed", "confirmed", "pending", "pending")
    assert await metric(api, "kbot_sends_confirmed_total") == 2
