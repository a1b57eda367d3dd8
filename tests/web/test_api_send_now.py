"""``POST /api/schedules/{id}/send`` and ``/test`` against the real app and a fake Iris over
HTTP: the answer comes within 15 s of the (fake) clock whatever Iris does, a send not done by
then goes on in the background and is logged when it ends (or when kbot shuts down), errors
people read are Korean, and a room just sent to is not queued again unless confirmed."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.config import Config
from storage.kbot_models import Occurrence, RoomSend
from storage.models import ScheduleLog
from storage.send_record import responses_of
from tests.support.api import Api, make_api
from tests.support.command_world import BR1_ROOM, START
from tests.support.driver import Driver
from tests.support.fakes import FakeClock, FakeIris
from tests.support.sched_support import logs
from tests.support.waits import wait_until
from web import keys

Sessions = async_sessionmaker[AsyncSession]
TEXT = "이번 주 특가 상품을 안내드립니다."


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


def through_iris(cfg: Config, url: str, *, timeout_s: float = 60, **settings: Any) -> Config:
    """``cfg`` sending through the Iris at ``url`` (no pacing); ``settings``: scheduler."""
    iris = cfg.bot.iris.model_copy(
        update={"url": url, "text_gap_ms": 0, "timeout_s": timeout_s, "bot_id": "9900112233"}
    )
    bot = cfg.bot.model_copy(
        update={"transport": "iris", "iris": iris, "webhook_token": SecretStr("t")}
    )
    return cfg.model_copy(
        update={"bot": bot, "scheduler": cfg.scheduler.model_copy(update=settings)}
    )


async def idle(clock: FakeClock, api: Api, *irises: FakeIris) -> Driver:
    """A driver of ``api``'s app, once it is quiet."""
    driver = Driver(clock, *irises)
    await driver.started(api.client.app)
    return driver


async def eventually_logged(sessions: Sessions, n: int) -> list[ScheduleLog]:
    """The log rows once there are ``n`` (bounded real wait for background database work)."""

    async def found() -> list[ScheduleLog] | None:
        rows = await logs(sessions)
        return rows if len(rows) >= n else None

    return await wait_until(found, f"{n} log rows") or []


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


async def test_a_send_iris_does_not_answer_is_pending_after_15_s_and_logged_when_it_ends(
    cfg: Config,
    sessions: Sessions,
    clock: FakeClock,
    iris: FakeIris,
    aiohttp_client: Any,  # last: the app shuts down before the database goes away
) -> None:
    api = await make_api(aiohttp_client, through_iris(cfg, iris.url), sessions, clock)
    created = await api.create()
    driver = await idle(clock, api, iris)
    iris.hang_next(1)
    answer = driver.request(api.call("POST", f"/api/schedules/{created['id']}/send"))
    await iris.wait_for_calls(1)
    await driver.quiet(driver.idle + 1)  # the request waits for the send, on the clock
    await driver.step(14)
    assert not answer.done()  # it waits for the send ...
    await driver.step(1)
    status, body = await asyncio.wait_for(answer, 5)  # ... 15 s at most
    assert status == 200, body
    assert body == {
        "id": created["id"],
        "kind": "manual",
        "room_id": BR1_ROOM,
        "status": "pending",
        "error": "Iris의 응답을 기다리는 중",
        "starts_in_s": None,
    }
    assert await logs(sessions) == []
    iris.release()  # Iris answers at last: the send ends in the background, with its log
    [entry] = await eventually_logged(sessions, 1)
    assert (entry.status, entry.error_message, entry.sent_message_text) == ("success", None, TEXT)
    assert iris.bodies == [{"type": "text", "room": BR1_ROOM, "data": TEXT}]


@pytest.mark.parametrize(
    ("down", "reason", "detail"),
    [
        ("unreachable", "카카오톡 봇 기기(Iris)에 연결할 수 없습니다", "ClientConnectorError"),
        ("http_500", "Iris가 요청을 거절했습니다 (HTTP 500)", "HTTP 500"),
    ],
)
async def test_a_send_iris_refuses_fails_within_15_s_after_two_retries_with_a_korean_reason(
    cfg: Config,
    sessions: Sessions,
    clock: FakeClock,
    iris: FakeIris,
    down: str,
    reason: str,
    detail: str,
    aiohttp_client: Any,  # last: the app shuts down before the database goes away
) -> None:
    url = closed_port_url() if down == "unreachable" else iris.url
    iris.fail_next(10, status=500)
    api = await make_api(aiohttp_client, through_iris(cfg, url, retry_base_s=2), sessions, clock)
    created = await api.create()
    driver = await idle(clock, api, iris)
    answer = driver.request(
        api.call("POST", f"/api/schedules/{created['id']}/test", json={"test_room": BR1_ROOM})
    )
    for _ in range(15):
        await driver.step(1)
        if answer.done():
            break
    status, body = await asyncio.wait_for(answer, 5)
    assert status == 200 and body["status"] == "failed"
    assert body["error"] == f"텍스트: {reason}"  # Korean; no URL, no exception, no body
    if down == "http_500":
        assert len(iris.calls) == 3  # two quick retries (2 s, 4 s), then the answer
    [entry] = await logs(sessions)
    assert entry.error_message == f"텍스트: {reason}"
    responses = responses_of(entry.api_response)
    assert len(responses) == 3 and detail in responses[-1]["error"]
    status, listed = await api.call("GET", f"/api/schedules/{created['id']}/logs")
    assert [item["error_message"] for item in listed["logs"]] == [f"텍스트: {reason}"]


async def test_shutdown_ends_a_send_still_going_on_with_its_log_row(
    cfg: Config,
    sessions: Sessions,
    clock: FakeClock,
    iris: FakeIris,
    aiohttp_client: Any,  # last: the app shuts down before the database goes away
) -> None:
    slow_retry = through_iris(cfg, iris.url, timeout_s=0.2, retry_base_s=100)
    resending = slow_retry.bot.model_copy(update={"resend_uncertain": True})  # timeouts too
    api = await make_api(
        aiohttp_client, slow_retry.model_copy(update={"bot": resending}), sessions, clock
    )
    created = await api.create()
    driver = await idle(clock, api, iris)
    iris.hang_next(1)
    answer = driver.request(api.call("POST", f"/api/schedules/{created['id']}/send"))
    await iris.wait_for_calls(1)
    await driver.quiet(driver.idle + 2)  # the answer's wait, and the retry's (after 0.2 s)
    await driver.step(15)
    status, body = await asyncio.wait_for(answer, 5)
    assert (status, body["status"]) == (200, "pending")
    assert body["error"] == "텍스트: Iris가 응답하지 않습니다 (0.2초), 다시 시도하는 중"
    await api.client.close()  # kbot stops while the send waits for its retry
    [entry] = await logs(sessions)
    assert (entry.status, entry.error_message) == (
        "failed",
        "kbot이 종료되어 발송을 마치지 못했습니다",
    )
    assert [r["failure"] for r in responses_of(entry.api_response)] == ["timeout"]
    assert len(iris.calls) == 1
    async with sessions() as s:
        [occ] = list(await s.scalars(select(Occurrence)))
    assert (occ.state, occ.lease_owner) == ("done", None)  # nobody sends it again later


async def ledger_size(sessions: Sessions) -> int:
    async with sessions() as s:
        return int(await s.scalar(select(func.count()).select_from(RoomSend)) or 0)


async def test_a_room_just_sent_to_is_refused_with_409_unless_the_request_confirms(
    cfg: Config,
    sessions: Sessions,
    clock: FakeClock,
    aiohttp_client: Any,  # last: the app shuts down before the database goes away
) -> None:
    api = await make_api(aiohttp_client, cfg, sessions, clock)  # dry run, 30 s room interval
    driver = await idle(clock, api)
    created = await api.create()
    send, test = (f"/api/schedules/{created['id']}/{what}" for what in ("send", "test"))
    status, body = await api.call("POST", send)
    assert (status, body["status"]) == (200, "success")
    await clock.advance(10)

    response = await api.client.post(send, headers=api.auth("BR1"))
    assert (response.status, response.headers["Retry-After"]) == (409, "20")
    status, body = await api.call("POST", send)
    assert status == 409
    assert body["error"] == {
        "code": "room_busy",
        "message": f"방금 방 {BR1_ROOM}에 보냈습니다. 20초 뒤에 다시 보낼 수 있습니다. "
        "그래도 지금 예약하려면 confirm: true 로 다시 요청해 주세요.",
        "field": "confirm",
    }
    status, body = await api.call("POST", test, json={"test_room": BR1_ROOM})
    assert (status, body["error"]["code"]) == (409, "room_busy")
    assert await ledger_size(sessions) == 1  # nothing was queued

    status, body = await api.call("POST", send, json={"confirm": True})
    assert status == 200 and (body["status"], body["starts_in_s"]) == ("pending", 20)
    status, body = await api.call("POST", test, json={"test_room": BR1_ROOM})
    assert (
        status == 409
        and "이미 차례를 기다리는 발송이 있습니다. 50초 뒤" in body["error"]["message"]
    )
    status, body = await api.call("POST", f"{test}?confirm=true", json={"test_room": BR1_ROOM})
    assert (status, body["kind"], body["starts_in_s"]) == (200, "test", 50)
    status, body = await api.call("POST", f"{send}?confirm=maybe")
    assert (status, body["error"]["field"]) == (400, "confirm")
    status, body = await api.call("POST", send, json={"confirm": "yes"})
    assert (status, body["error"]["field"]) == (422, "confirm")

    await driver.step(20)
    await driver.step(30)
    entries = await eventually_logged(sessions, 3)
    assert [e.status for e in entries] == ["success"] * 3
    sent = api.client.app[keys.SENDER].sent
    assert [record["room_id"] for record in sent] == [BR1_ROOM] * 3
