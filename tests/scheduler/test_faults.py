"""The real app under faults: Iris failing (HTTP 500), hanging, or down for a while, and (on
MariaDB) the database connections killed, or (in CI) the server restarted, while the
scheduler runs. Sends are retried inside
the grace window, every outcome is logged as it happened, nothing is sent twice, and the ops
room gets one alert per kind of trouble. Time is a FakeClock; only the Iris client's own
timeout (a hanging request) takes real time."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.iris.monitor import CHECK_INTERVAL_S
from core.config import Config, IrisDeviceConfig
from kbot.bootstrap import init_app
from storage.models import Schedule, ScheduleLog
from storage.rooms import add_room
from storage.send_record import responses_of
from tests.support.driver import Driver
from tests.support.fakes import FakeClock, FakeIris
from tests.support.sched_support import ROOM, START, add_schedule, logs, make_world

DUE = START + timedelta(minutes=30)  # 09:30 in Seoul, when add_schedule's row is due
OPS_ROOM = "900000000000001"
HANG_TIMEOUT_S = 0.3  # bot.iris.timeout_s: how long (real time) a hanging request is waited for
TEXT = {"type": "text", "room": ROOM, "data": "안녕하세요"}
Client = Any


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(DUE - timedelta(seconds=2))


def with_faults(
    cfg: Config,
    iris: FakeIris,
    ops_iris: FakeIris,
    *,
    resend_uncertain: bool = False,
    breaker: int = 0,
    **alerts: Any,
) -> Config:
    """Two Iris devices (``default`` for the rooms, ``ops`` for rooms registered on it); the
    breaker is off unless ``breaker`` (tests/bot/test_breaker.py is about it)."""
    iris_cfg = cfg.bot.iris.model_copy(
        update={
            "url": iris.url,
            "text_gap_ms": 0,
            "timeout_s": HANG_TIMEOUT_S,
            "bot_id": iris.bot_id,
            "devices": [IrisDeviceConfig(name="ops", url=ops_iris.url)],
            "breaker_unconfirmed": breaker,
        }
    )
    bot = cfg.bot.model_copy(
        update={
            "transport": "iris",
            "iris": iris_cfg,
            "webhook_token": SecretStr("faults"),
            "resend_uncertain": resend_uncertain,
        }
    )
    scheduler = cfg.scheduler.model_copy(
        update={"room_min_interval_s": 0, "retry_base_s": 2, "misfire_grace_s": 60}
    )
    alert_cfg = cfg.alerts.model_copy(
        update={"ops_room_id": OPS_ROOM, "min_interval_s": 3 * 86400, **alerts}
    )
    return cfg.model_copy(update={"bot": bot, "scheduler": scheduler, "alerts": alert_cfg})


async def ops_world(sessions: async_sessionmaker[AsyncSession], *, ops_device: str | None) -> None:
    """``make_world`` and the ops room, answered by ``ops_device``."""
    await make_world(sessions)
    async with sessions() as s, s.begin():
        await add_room(
            s, chat_id=OPS_ROOM, name="운영", org_code="HQ", device=ops_device, at=START, actor="t"
        )


async def log_count(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as s:
        return int(await s.scalar(select(func.count()).select_from(ScheduleLog)) or 0)


async def sends(client: TestClient[Any, Any]) -> dict[str, float]:
    """``kbot_sends_total`` by status, from ``GET /metrics``."""
    text = await (await client.get("/metrics")).text()
    return {
        s.labels["status"]: s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == "kbot_sends_total"
    }


async def start(
    aiohttp_client: Client, cfg: Config, clock: FakeClock, *irises: FakeIris
) -> tuple[Any, Driver]:
    app = await init_app(cfg, clock=clock)
    client: TestClient[Any, Any] = await aiohttp_client(app)
    driver = Driver(clock, *irises)
    await driver.started(app)
    return client, driver


async def test_iris_errors_are_retried_inside_the_grace_window_and_sent_once(
    cfg: Config,
    sessions: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    iris: FakeIris,
    ops_iris: FakeIris,
    aiohttp_client: Client,  # last: the app shuts down before the database goes away
) -> None:
    await ops_world(sessions, ops_device="ops")
    await add_schedule(sessions)
    iris.fail_next(2, status=500)
    client, driver = await start(aiohttp_client, with_faults(cfg, iris, ops_iris), clock)

    async def logged() -> bool:
        return await log_count(sessions) == 1

    await driver.until(logged)
    await driver.run_for(120)  # and nothing more happens
    [entry] = await logs(sessions)
    assert (entry.status, entry.error_message) == ("success", None)
    assert iris.bodies == [TEXT, TEXT, TEXT]  # two HTTP 500s, then the one that was sent
    assert iris.calls[-1].at - iris.calls[0].at <= 60  # retried inside misfire_grace_s
    assert ops_iris.calls == []  # a send that succeeded raises no alert
    assert await sends(client) == {"success": 1, "failed": 0, "partial": 0}


async def test_a_schedule_failing_every_day_alerts_once_then_once_for_the_error_state(
    cfg: Config,
    sessions: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    iris: FakeIris,
    ops_iris: FakeIris,
    aiohttp_client: Client,  # last: the app shuts down before the database goes away
) -> None:
    await ops_world(sessions, ops_device="ops")
    sid = await add_schedule(sessions)
    iris.fail_next(1000, status=500)  # the rooms' device fails all week
    faults = with_faults(cfg, iris, ops_iris, iris_down_after_s=30 * 86400)
    client, driver = await start(aiohttp_client, faults, clock)
    for day in range(3):
        target = DUE + timedelta(days=day, seconds=-2)
        if (gap := (target - clock.now()).total_seconds()) > 0:
            await driver.step(gap)

        async def logged(n: int = day + 1) -> bool:
            return await log_count(sessions) == n

        await driver.until(logged, limit_s=180)
    entries = await logs(sessions)
    assert [e.status for e in entries] == ["failed"] * 3
    reason = "텍스트: Iris가 요청을 거절했습니다 (HTTP 500)"  # what people read
    assert {e.error_message for e in entries} == {reason}
    assert all(
        "Iris answered HTTP 500" in responses_of(e.api_response)[-1]["error"] for e in entries
    )
    assert len(iris.calls) >= 6 and set(map(str, iris.bodies)) == {str(TEXT)}  # retried daily
    async with sessions() as s:
        row = await s.get(Schedule, sid)
        assert row is not None and row.status == "error"
    alerts = [c.body for c in await ops_iris.wait_for_calls(2)]  # sent after the log row
    assert [a["room"] for a in alerts] == [OPS_ROOM, OPS_ROOM]
    assert f"#{sid}" in alerts[0]["data"] and "발송 실패" in alerts[0]["data"]
    assert f"사유: {reason}" in alerts[0]["data"]
    assert "오류" in alerts[1]["data"]  # day 2's failure was held back; the error state was not
    assert (await sends(client))["failed"] == 3


async def test_a_hanging_iris_is_given_up_on_and_the_send_retried_once_when_resends_are_allowed(
    cfg: Config,
    sessions: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    iris: FakeIris,
    ops_iris: FakeIris,
    aiohttp_client: Client,  # last: the app shuts down before the database goes away
) -> None:
    await ops_world(sessions, ops_device="ops")
    await add_schedule(sessions)
    iris.hang_next(1)
    _, driver = await start(
        aiohttp_client, with_faults(cfg, iris, ops_iris, resend_uncertain=True), clock, iris
    )

    async def arrived() -> bool:
        return len(iris.calls) == 1

    await driver.until(arrived)
    # the request hangs until the client's timeout (real time), then the retry waits on the clock
    await driver.quiet(driver.idle + 1)

    async def logged() -> bool:
        return await log_count(sessions) == 1

    await driver.until(logged)
    await driver.run_for(120)
    [entry] = await logs(sessions)
    assert (entry.status, entry.error_message) == ("success", None)
    assert iris.bodies == [TEXT, TEXT]  # the hung attempt and the retry, nothing after
    assert ops_iris.calls == []


async def test_a_hanging_iris_is_given_up_on_and_not_resent(
    cfg: Config,
    sessions: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    iris: FakeIris,
    ops_iris: FakeIris,
    aiohttp_client: Client,  # last: the app shuts down before the database goes away
) -> None:
    """Iris may have taken a request it never answered: without bot.resend_uncertain the
    part is not sent again, and the log says why in Korean."""
    await ops_world(sessions, ops_device="ops")
    await add_schedule(sessions)
    iris.hang_next(1)
    _, driver = await start(aiohttp_client, with_faults(cfg, iris, ops_iris), clock, iris)

    async def logged() -> bool:
        return await log_count(sessions) == 1

    await driver.until(logged)
    await driver.run_for(120)
    [entry] = await logs(sessions)
    assert entry.status == "failed"
    assert entry.error_message == (
        f"텍스트: Iris가 응답하지 않습니다 ({HANG_TIMEOUT_S:g}초). "
        "전달되었을 수 있어 다시 보내지 않았습니다"
    )
    assert iris.bodies == [TEXT]  # the hung attempt only


async def test_an_iris_outage_is_logged_and_told_to_the_ops_room_once_it_is_back(
    cfg: Config,
    sessions: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    iris: FakeIris,
    ops_iris: FakeIris,
    caplog: pytest.LogCaptureFixture,
    aiohttp_client: Client,  # last: the app shuts down before the database goes away
) -> None:
    await ops_world(sessions, ops_device=None)  # the ops room is behind the same Iris
    iris.config_status = 503
    iris.fail_next(1, status=503)  # the outage alert: Iris is down, so it cannot get through
    faults = with_faults(cfg, iris, ops_iris, iris_down_after_s=60)
    with caplog.at_level(logging.ERROR, logger="kbot"):
        client, driver = await start(aiohttp_client, faults, clock)
        for _ in range(12):  # two minutes down
            await driver.step(CHECK_INTERVAL_S)
    errors = [r.getMessage() for r in caplog.records if r.name == "kbot.iris_monitor"]
    assert len(errors) == 2
    assert "default has not answered GET /config" in errors[0]
    assert "not delivered" in errors[1]
    assert [c.body["room"] for c in iris.calls] == [OPS_ROOM]  # tried once, not again
    health = await client.get("/healthz")
    assert health.status == 200  # an Iris outage does not make kbot unhealthy ...
    assert (await health.json())["iris"]["default"]["ok"] is False  # ... it is reported

    iris.config_status = 200

    async def told() -> bool:
        return len(iris.calls) == 2

    await driver.until(told, step=CHECK_INTERVAL_S)
    for _ in range(12):
        await driver.step(CHECK_INTERVAL_S)
    assert len(iris.calls) == 2  # one summary, no repeats
    summary = iris.calls[1].body
    assert summary["room"] == OPS_ROOM
    assert "'default'가 12/01 09:29부터" in summary["data"]
    assert "지금은 복구되었습니다" in summary["data"]
    assert ops_iris.calls == []


# --- MariaDB: kbot's connections killed while the scheduler runs --------------------------
