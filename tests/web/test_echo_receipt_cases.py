"""Delivery receipts at their edges, over real HTTP with a fake Iris: KakaoTalk's text
normalisation, a timed-out request not sent again, a failing device, the dry run (nothing to
confirm), and two kbot instances on one database where the echo reaches the other one."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import SecretStr

from core.config import Config
from kbot.bootstrap import init_app
from scheduler.attempts import NOT_RESENT
from storage.send_record import confirmation_of, responses_of
from tests.support.api import make_api
from tests.support.command_world import START
from tests.support.echo_app import (
    TOKEN,
    Sessions,
    api_log,
    api_response_becomes,
    chat_log_line,
    echoing,
    json_command,
    log_row,
    metric,
    receipts,
    send_now,
    start,
    states_become,
)
from tests.support.fakes import FakeClock, FakeIris
from tests.support.waits import wait_until
from web import keys


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


async def test_an_echo_matches_the_text_as_kakaotalk_normalises_it(
    cfg: Config, sessions: Sessions, clock: FakeClock, iris: FakeIris, aiohttp_client: Any
) -> None:
    iris.mode = "echo"
    api, _ = await start(aiohttp_client, cfg, sessions, clock, iris)
    created = await api.create(message_text="첫 줄입니다  \r\n둘째 줄\t\r\n\r\n셋째 줄 ")
    sent = await send_now(api, created["id"])
    [receipt] = await states_become(sessions, "confirmed")
    [call] = iris.calls
    [echo] = iris.echoes
    assert call.body["data"] == "첫 줄입니다  \n둘째 줄\t\n\n셋째 줄"  # the API keeps the blanks
    assert call.body["data"] != echo["msg"]
    assert echo["msg"] == "첫 줄입니다\n둘째 줄\n\n셋째 줄"
    assert receipt.echo_id == echo["json"]["id"]
    assert (await api_log(api, sent["id"]))["confirmed"] is True


async def test_a_request_iris_never_answered_is_not_sent_again(
    cfg: Config, sessions: Sessions, clock: FakeClock, iris: FakeIris, aiohttp_client: Any
) -> None:
    """It may be in the room already: one request, a failed receipt on the device it was
    meant for (the breaker counts it), and a Korean reason in the log."""
    impatient = echoing(cfg, iris)
    device = impatient.bot.iris.model_copy(update={"timeout_s": 0.2})
    impatient = impatient.model_copy(
        update={"bot": impatient.bot.model_copy(update={"iris": device})}
    )
    api = await make_api(aiohttp_client, impatient, sessions, clock)
    created = await api.create()
    iris.hang_next(1)
    status, body = await api.call("POST", f"/api/schedules/{created['id']}/send")
    iris.release()
    assert (status, body["status"]) == (200, "failed")
    assert body["error"] == f"텍스트: Iris가 응답하지 않습니다 (0.2초). {NOT_RESENT}"
    assert len(iris.calls) == 1
    [receipt] = await receipts(sessions)
    assert (receipt.state, receipt.device, receipt.part_index) == ("failed", "default", 0)
    row = await log_row(sessions, body["id"])
    assert [r["failure"] for r in responses_of(row.api_response)] == ["timeout"]
    assert confirmation_of(row.api_response) == "none"  # no part reached Iris for sure


async def test_a_failing_device_leaves_failed_receipts_and_nothing_to_confirm(
    cfg: Config, sessions: Sessions, clock: FakeClock, iris: FakeIris, aiohttp_client: Any
) -> None:
    iris.mode = "fail"
    api, driver = await start(aiohttp_client, cfg, sessions, clock, iris)
    created = await api.create()
    answer = driver.request(api.call("POST", f"/api/schedules/{created['id']}/send"))
    await driver.until(lambda: _done(answer))
    status, body = answer.result()
    assert (status, body["status"]) == (200, "failed")
    assert len(iris.calls) == 3  # a send somebody asked for: two retries
    assert [(r.state, r.device) for r in await receipts(sessions)] == [("failed", "default")] * 3
    item = await api_log(api, body["id"])
    assert (item["confirmed"], item["confirmation"]) == (None, "none")


async def _done(task: Any) -> bool:
    return bool(task.done())


async def test_a_dry_run_says_confirmation_does_not_apply(
    cfg: Config, sessions: Sessions, clock: FakeClock, aiohttp_client: Any
) -> None:
    bot = cfg.bot.model_copy(update={"transport": "dryrun", "webhook_token": SecretStr(TOKEN)})
    api = await make_api(aiohttp_client, cfg.model_copy(update={"bot": bot}), sessions, clock)
    created = await api.create()
    sent = await send_now(api, created["id"])
    assert await receipts(sessions) == []
    row = await log_row(sessions, sent["id"])
    assert confirmation_of(row.api_response) == "not_applicable"
    item = await api_log(api, sent["id"])
    assert (item["confirmed"], item["confirmation"]) == (None, "not_applicable")
    command = json_command(f"!스케줄 로그 {created['id']}", event_id="dry1")
    resp = await api.client.post("/webhook/iris", json=command, params={"token": TOKEN})
    assert resp.status == 200
    dry_run = api.client.app[keys.SENDER]

    def answered() -> str | None:
        texts = [record.get("text", "") for record in dry_run.sent]
        return next((t for t in texts if "로그" in t or "성공" in t), None)

    assert "성공 · 확인 없음(드라이런)" in (await wait_until(answered, "the chat answer") or "")


async def test_an_echo_reaching_another_instance_confirms_the_send_there(
    cfg: Config, sessions: Sessions, clock: FakeClock, iris: FakeIris, aiohttp_client: Any
) -> None:
    """Two kbot instances share the database; Iris's webhook points at the second one."""
    iris.mode = "echo"
    sender = await make_api(aiohttp_client, echoing(cfg, iris), sessions, clock)
    quiet = echoing(cfg, iris).scheduler.model_copy(update={"enabled": False})
    other_cfg = echoing(cfg, iris).model_copy(update={"scheduler": quiet})
    other = await aiohttp_client(await init_app(other_cfg, clock=clock))
    iris.echo_to = str(other.make_url("/webhook/iris").with_query(token=TOKEN))
    created = await sender.create()
    sent = await send_now(sender, created["id"])
    [receipt] = await states_become(sessions, "confirmed")
    value = await api_response_becomes(sessions, sent["id"], "confirmed")
    assert value["parts"][0]["echo_id"] == receipt.echo_id == iris.echoes[0]["json"]["id"]
    assert (await api_log(sender, sent["id"]))["confirmed"] is True
    other_metrics = await (await other.get("/metrics")).text()
    assert "kbot_sends_confirmed_total 1.0" in other_metrics  # counted where it was matched
    assert await metric(sender, "kbot_sends_confirmed_total") == 0
    assert "성공 · 확인됨" in await chat_log_line(sender, iris, created["id"])
