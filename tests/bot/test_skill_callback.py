"""Kakao skill callbacks: a slow answer to a request with an allowed ``callbackUrl`` is
promised with ``useCallback`` at once and POSTed to that URL when ready (over real HTTP to a
recording server); a URL on another host, or plain http off loopback, is never called."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.events import parse_skill
from bot.kakao_skill.callback import callback_url
from bot.kakao_skill.reply import CALLBACK_TEXT, PROCESSING_TEXT
from core.config import Config
from tests.support.fakes import FakeClock
from tests.web.test_webhooks import SlowHandler, skill_body, start, with_bot
from tests.web.test_webhooks_skill import assert_valid_skill_reply, post_skill
from web import keys

Client = Callable[..., Awaitable[TestClient[Any, Any]]]
Server = Callable[..., Awaitable[TestServer]]


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    """SQLite only: the handler here does not touch the database."""
    return f"sqlite+aiosqlite:///{tmp_path}/kbot.db"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def with_callback(url: str) -> dict[str, Any]:
    body = skill_body("!느림")
    body["userRequest"]["callbackUrl"] = url
    return body


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://bot-api.kakao.com/v1/callback/abc", True),
        ("https://kakao.com/cb", True),
        ("http://bot-api.kakao.com/v1/callback/abc", False),  # not https
        ("https://kakao.com.evil.example/cb", False),
        ("https://evilkakao.com/cb", False),
        ("http://127.0.0.1:8123/cb", False),  # loopback, but not a configured host
        ("not a url", False),
        ("", False),
    ],
)
def test_only_https_urls_on_configured_hosts_are_called_back(url: str, allowed: bool) -> None:
    event = parse_skill(with_callback(url))
    assert callback_url(event, ["kakao.com"]) == (url if allowed else None)


def test_plain_http_is_allowed_for_a_configured_loopback_host() -> None:
    event = parse_skill(with_callback("http://127.0.0.1:8123/cb"))
    assert callback_url(event, ["127.0.0.1"]) == "http://127.0.0.1:8123/cb"
    assert callback_url(dataclasses.replace(event, raw={}), ["127.0.0.1"]) is None


async def test_a_slow_answer_goes_to_the_callback_url(
    aiohttp_server: Server,
    cfg: Config,
    engine: AsyncEngine,
    clock: FakeClock,
    aiohttp_client: Client,
) -> None:
    received: list[dict[str, Any]] = []
    arrived = asyncio.Event()

    async def callback(request: web.Request) -> web.Response:
        received.append(await request.json())
        arrived.set()
        return web.json_response({"status": "SUCCESS"})

    receiver = web.Application()
    receiver.router.add_post("/callback/{key}", callback)
    server = await aiohttp_server(receiver)
    slow = SlowHandler()
    config = with_bot(cfg, skill_callback_hosts=["127.0.0.1"])
    client = await start(aiohttp_client, config, clock, slow)
    state = client.app[keys.WEBHOOKS]

    request = asyncio.ensure_future(
        post_skill(client, with_callback(str(server.make_url("/callback/k1"))))
    )
    await asyncio.wait_for(slow.started.wait(), 5)
    await clock.advance(state.skill_timeout_s)
    promised = await (await asyncio.wait_for(request, 5)).json()
    assert promised == {"version": "2.0", "useCallback": True, "data": {"text": CALLBACK_TEXT}}
    assert received == []

    slow.release.set()
    await asyncio.wait_for(arrived.wait(), 5)
    [reply] = received
    assert assert_valid_skill_reply(reply) == ["늦은 답"]


async def test_a_refused_callback_url_gets_the_processing_answer(
    cfg: Config,
    engine: AsyncEngine,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
    aiohttp_client: Client,
) -> None:
    slow = SlowHandler()
    client = await start(aiohttp_client, with_bot(cfg), clock, slow)
    state = client.app[keys.WEBHOOKS]
    with caplog.at_level(logging.WARNING, logger="kbot.webhooks"):
        request = asyncio.ensure_future(
            post_skill(client, with_callback("https://attacker.example/collect"))
        )
        await asyncio.wait_for(slow.started.wait(), 5)
        await clock.advance(state.skill_timeout_s)
        answer = await (await asyncio.wait_for(request, 5)).json()
    assert assert_valid_skill_reply(answer) == [PROCESSING_TEXT]
    assert any("attacker.example" in r.getMessage() for r in caplog.records)
    slow.release.set()
    await state.tasks.drain(5)
    assert len(state.tasks) == 0  # no callback task was started


async def test_a_redirecting_callback_url_is_not_followed(
    aiohttp_server: Server,
    cfg: Config,
    engine: AsyncEngine,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
    aiohttp_client: Client,
) -> None:
    """The allowed host answers 302 to a host off the allow-list: that host gets nothing and
    the refused redirect is logged."""
    elsewhere: list[str] = []

    async def record(request: web.Request) -> web.Response:
        elsewhere.append(f"{request.method} {request.path}")
        return web.json_response({"status": "SUCCESS"})

    other = web.Application()
    other.router.add_route("*", "/{tail:.*}", record)
    other_server = await aiohttp_server(other)
    target = f"http://localhost:{other_server.port}/collect"  # not 127.0.0.1: another host

    async def redirect(request: web.Request) -> web.Response:
        await request.read()
        raise web.HTTPFound(target)

    receiver = web.Application()
    receiver.router.add_post("/callback/{key}", redirect)
    server = await aiohttp_server(receiver)
    slow = SlowHandler()
    client = await start(
        aiohttp_client, with_bot(cfg, skill_callback_hosts=["127.0.0.1"]), clock, slow
    )
    state = client.app[keys.WEBHOOKS]
    with caplog.at_level(logging.WARNING, logger="kbot.webhooks"):
        request = asyncio.ensure_future(
            post_skill(client, with_callback(str(server.make_url("/callback/k1"))))
        )
        await asyncio.wait_for(slow.started.wait(), 5)
        await clock.advance(state.skill_timeout_s)
        await asyncio.wait_for(request, 5)
        slow.release.set()
        await state.tasks.drain(5)
    assert elsewhere == []
    [warning] = [r.getMessage() for r in caplog.records if "callback" in r.getMessage()]
    assert "302" in warning and f"localhost:{other_server.port}" in warning
