"""Delivery receipts over real HTTP: kbot sends through the iris transport to a fake Iris,
which posts the bot's own echo back to kbot's ``/webhook/iris`` (or stays silent); the log
row's ``api_response``, the API, the chat's ``!스케줄 로그`` and the ``/logs`` page say
확인됨 / 확인 안 됨 / 확인 중, and ``/metrics`` counts the parts. Time is a FakeClock."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from core.config import Config
from tests.support.command_world import BR1_ROOM, BR1_USER, START
from tests.support.echo_app import (
    TEXT,
    Sessions,
    api_log,
    api_response_becomes,
    chat_log_line,
    metric,
    post_echo,
    receipts,
    send_now,
    start,
    states_become,
)
from tests.support.echoes import echo_body, forged
from tests.support.fakes import FakeClock, FakeIris
from tests.support.pages import Site


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


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

    value = await api_response_becomes(sessions, sent["id"], "confirmed")
    assert value["confirmed"] is True
    assert [
        (p["part"], p["kind"], p["device"], p["confirmed"], p["echo_id"]) for p in value["parts"]
    ] == [
        (0, "text", "default", True, text_echo["json"]["id"]),
        (1, "image", "default", True, image_echo["json"]["id"]),
    ]
    assert all(p["latency_ms"] == 0 for p in value["parts"])  # the clock stood still
    assert len(value["responses"]) == 2
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
