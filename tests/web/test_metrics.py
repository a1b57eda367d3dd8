"""``GET /metrics`` through the real composition root: one registry per app, webhook and
command timings, Iris queue depth, heartbeat age, database errors."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr
from sqlalchemy import event
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.sender import PRIORITY_SCHEDULED
from core.config import Config
from kbot.bootstrap import init_app
from tests.support.fakes import FakeClock, FakeIris
from tests.support.waits import wait_until
from tests.test_e2e import iris_body
from web import keys
from web.ops.metrics import Metrics

Client = Any


async def scrape(
    client: TestClient[Any, Any],
) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    resp = await client.get("/metrics")
    assert resp.status == 200
    assert resp.headers["Content-Type"].startswith("text/plain; version=")
    samples = {}
    for family in text_string_to_metric_families(await resp.text()):
        for s in family.samples:
            samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return samples


async def wait_beat(app: Any) -> None:
    # the loop's first round beats once it has read the database
    await wait_until(lambda: app[keys.HEARTBEAT].last_beat is not None, "the scheduler's beat")


async def test_each_app_has_its_own_registry_with_the_families(
    cfg: Config, engine: AsyncEngine, aiohttp_client: Client
) -> None:
    clock = FakeClock()
    first = await aiohttp_client(await init_app(cfg, clock=clock))
    second = await aiohttp_client(await init_app(cfg, clock=clock))
    resp = await first.post("/webhook/iris", json=iris_body("안녕하세요", _id="m1"))
    assert resp.status == 200
    one, two = await scrape(first), await scrape(second)
    route = (("route", "/webhook/iris"),)
    assert one[("kbot_webhook_seconds_count", route)] == 1
    assert ("kbot_webhook_seconds_count", route) not in two
    for status in ("success", "failed", "partial"):
        assert one[("kbot_sends_total", (("status", status),))] == 0
    for source in ("healthz", "webhook", "scheduler"):
        assert one[("kbot_database_errors_total", (("source", source),))] == 0
    assert one[("kbot_send_lateness_seconds_count", ())] == 0
    assert not any(name.startswith("kbot_iris_") for name, _ in one)  # dry-run transport


async def test_heartbeat_age_follows_the_clock(
    cfg: Config, engine: AsyncEngine, aiohttp_client: Client
) -> None:
    clock = FakeClock()
    app = await init_app(cfg, clock=clock)
    client = await aiohttp_client(app)
    await wait_beat(app)
    await app[keys.SCHEDULER].stop()
    await clock.advance(125)
    age = (await scrape(client))[("kbot_scheduler_heartbeat_age_seconds", ())]
    assert 125 <= age == app[keys.HEARTBEAT].age_s()


async def test_no_heartbeat_gauge_when_the_scheduler_is_disabled(
    cfg: Config, engine: AsyncEngine, aiohttp_client: Client
) -> None:
    off = cfg.model_copy(update={"scheduler": cfg.scheduler.model_copy(update={"enabled": False})})
    client = await aiohttp_client(await init_app(off, clock=FakeClock()))
    assert not any(name.startswith("kbot_scheduler_") for name, _ in await scrape(client))


@pytest.fixture
async def fake_iris() -> AsyncIterator[FakeIris]:
    async with FakeIris() as fake:
        yield fake


async def test_iris_queue_depth_and_config_age_per_device(
    cfg: Config, engine: AsyncEngine, fake_iris: FakeIris, aiohttp_client: Client
) -> None:
    iris = cfg.bot.iris.model_copy(update={"url": fake_iris.url, "text_gap_ms": 0})
    bot = cfg.bot.model_copy(
        update={"transport": "iris", "iris": iris, "webhook_token": SecretStr("t")}
    )
    clock = FakeClock()
    app = await init_app(cfg.model_copy(update={"bot": bot}), clock=clock)
    client = await aiohttp_client(app)
    device = (("device", "default"),)
    # asked at start-up (the bot's id) and by the refresh loop
    await wait_until(lambda: fake_iris.config_calls >= 2, "two Iris config calls")
    before = await scrape(client)
    assert before[("kbot_iris_queue_depth", device)] == 0
    assert before[("kbot_iris_last_ok_age_seconds", device)] == 0
    fake_iris.hang_next(1)
    sends = [
        asyncio.create_task(
            app[keys.SENDER].send_text("1001", f"m{n}", priority=PRIORITY_SCHEDULED)
        )
        for n in range(3)
    ]
    await fake_iris.wait_for_calls(1)  # the first is on the wire, two wait
    await clock.advance(7)
    during = await scrape(client)
    assert during[("kbot_iris_queue_depth", device)] == 2
    assert during[("kbot_iris_last_ok_age_seconds", device)] == 7
    fake_iris.release()
    await asyncio.gather(*sends)
    assert (await scrape(client))[("kbot_iris_queue_depth", device)] == 0


async def test_database_errors_are_counted_by_where_they_were_seen(
    cfg: Config, engine: AsyncEngine, aiohttp_client: Client
) -> None:
    clock = FakeClock()
    app = await init_app(cfg, clock=clock)
    client = await aiohttp_client(app)
    await wait_beat(app)
    sync_engine = app[keys.ENGINE].sync_engine

    def database_gone(*_: Any) -> None:
        raise OperationalError("SELECT", {}, ConnectionError("server has gone away"))

    def errors(samples: dict[Any, float], source: str) -> float:
        return samples[("kbot_database_errors_total", (("source", source),))]

    event.listen(sync_engine, "before_cursor_execute", database_gone)
    try:
        await clock.advance(cfg.scheduler.recheck_interval_s)  # the scheduler's next round

        async def counted() -> bool:
            return bool(errors(await scrape(client), "scheduler"))

        await wait_until(counted, "a scheduler database error counted")
    finally:
        event.remove(sync_engine, "before_cursor_execute", database_gone)
    await app[keys.SCHEDULER].stop()  # from here on only the requests touch the database
    assert errors(await scrape(client), "scheduler") >= 1

    event.listen(sync_engine, "before_cursor_execute", database_gone)
    try:
        assert (await client.get("/healthz")).status == 503
        resp = await client.post("/webhook/iris", json=iris_body("!스케줄 목록", _id="m2"))
        assert resp.status == 200
        await app[keys.WEBHOOKS].tasks.drain(5)
    finally:
        event.remove(sync_engine, "before_cursor_execute", database_gone)
    samples = await scrape(client)
    assert errors(samples, "healthz") == 1
    # the command failed (answered with an apology), and so did the engagement capture's
    # look-up of the room (web.webhooks.engagement), both in the webhook's tasks
    assert errors(samples, "webhook") == 2
    assert samples[("kbot_command_seconds_count", ())] == 1
    assert (await client.get("/healthz")).status == 200  # the database answers again
    assert errors(await scrape(client), "healthz") == 1


def test_send_outcomes_count_by_status_with_their_lateness() -> None:
    metrics = Metrics(FakeClock(), None, lambda: None)
    metrics.observe_send("success", 3.0)
    metrics.observe_send("failed", 700.0)
    metrics.observe_send("success", 0.2)
    get = metrics.registry.get_sample_value
    assert get("kbot_sends_total", {"status": "success"}) == 2
    assert get("kbot_sends_total", {"status": "failed"}) == 1
    assert get("kbot_sends_total", {"status": "partial"}) == 0
    assert get("kbot_send_lateness_seconds_count") == 3
    assert get("kbot_send_lateness_seconds_bucket", {"le": "5.0"}) == 2
    assert get("kbot_send_lateness_seconds_sum") == pytest.approx(703.2)
