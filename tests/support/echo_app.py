"""Driving kbot's real app over HTTP with a fake Iris that echoes (delivery receipts): the
app with the iris transport, sends asked for through the API, echoes posted to the webhook,
and what the log row, the API, the chat and ``/metrics`` then say."""

from __future__ import annotations

from typing import Any

from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.config import Config
from storage.kbot_models import Receipt
from storage.models import ScheduleLog
from storage.send_record import confirmation_of
from tests.support.api import Api, make_api
from tests.support.command_world import BR1_ROOM, BR1_USER, START
from tests.support.driver import Driver
from tests.support.echoes import echo_body
from tests.support.fakes import FakeClock, FakeIris
from tests.support.waits import wait_until
from web import keys

Sessions = async_sessionmaker[AsyncSession]
TOKEN = "echo-token"
TEXT = "이번 주 특가 상품을 안내드립니다."  # the API tests' weekly() message


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

    return await wait_until(reached, f"receipts {expected}") or []


async def api_response_becomes(sessions: Sessions, log_id: int, confirmation: str) -> Any:
    """The log row's ``api_response`` once it records ``confirmation`` (rewritten by the
    process that resolved the last receipt: a bounded real wait)."""

    async def reached() -> Any:
        value = (await log_row(sessions, log_id)).api_response
        return value if confirmation_of(value) == confirmation else None

    return await wait_until(reached, f"log {log_id} {confirmation}")


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


async def deliver(
    api: Api, iris: FakeIris, body: dict[str, Any], *, device: str | None = None
) -> None:
    """``iris`` forwards ``body`` (a member's message or 답장) to kbot's webhook (through the
    URL of ``device``), and kbot has handled it in the background (its activity count
    flushed to the database, as ``EngagementCapture.run`` does every few seconds)."""
    assert await iris.post(body, device=device) == 200
    tasks = api.client.app[keys.WEBHOOKS].tasks
    await wait_until(lambda: len(tasks) == 0, "the event handled")
    await api.client.app[keys.ENGAGEMENT].flush()  # its room activity count written
