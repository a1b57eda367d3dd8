"""One request id per event (``core.request_id``): a chat command that fails inside the
command layer logs every line of its event, from the webhook to the reply, with one id, and
the error number in the apology the room reads is that id; each HTTP request gets its own."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from commands.handlers import schedule
from core.config import Config
from core.logs import FORMAT
from core.request_id import NONE, RequestIdFilter
from kbot.bootstrap import init_app
from tests.support.command_world import BR1_ROOM, build_world
from tests.support.fakes import FakeClock, FakeIris
from web import keys
from web.api import schedules as api_schedules

TOKEN = "t0ken"
IRIS_COMMAND = Path(__file__).parents[1] / "fixtures" / "iris" / "text_command.json"
Client = Callable[..., Awaitable[TestClient[Any, Any]]]


@pytest.fixture
async def fake_iris() -> AsyncIterator[FakeIris]:
    async with FakeIris() as fake:
        yield fake


@pytest.fixture
def request_ids(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """``caplog`` with the filter ``core.logs`` puts on the process's log handlers."""
    caplog.handler.addFilter(RequestIdFilter())
    caplog.set_level(logging.INFO)
    return caplog


async def test_a_failed_chat_command_logs_one_id_and_the_apology_names_it(
    cfg: Config,
    sessions: async_sessionmaker[AsyncSession],
    fake_iris: FakeIris,
    request_ids: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    aiohttp_client: Client,  # last: the app stops (and drains its sends) before Iris does
) -> None:
    await build_world(sessions)

    async def broken(*args: object) -> list[str]:
        raise RuntimeError("boom")

    monkeypatch.setattr(schedule, "schedule_list", broken)
    iris = cfg.bot.iris.model_copy(update={"url": fake_iris.url, "text_gap_ms": 0})
    bot = cfg.bot.model_copy(
        update={"transport": "iris", "iris": iris, "webhook_token": SecretStr(TOKEN)}
    )
    scheduler = cfg.scheduler.model_copy(update={"enabled": False})
    app = await init_app(cfg.model_copy(update={"bot": bot, "scheduler": scheduler}))
    client = await aiohttp_client(app)
    request_ids.clear()  # start-up lines belong to no event
    body = json.loads(IRIS_COMMAND.read_text(encoding="utf-8"))  # "!스케줄 목록" in BR1's room
    answer = await client.post("/webhook/iris", json=body, params={"token": TOKEN})
    assert answer.status == 200
    [call] = await fake_iris.wait_for_calls(1)
    await app[keys.WEBHOOKS].tasks.drain(5)
    assert call.body["room"] == BR1_ROOM
    error_id = call.body["data"].rsplit("오류 번호 ", 1)[1].rstrip(")")
    records = [r for r in request_ids.records if r.name != "aiohttp.access"]
    failed = [r for r in records if r.exc_info]
    assert len(failed) == 1 and "boom" in str(failed[0].exc_info)
    assert {r.request_id for r in records} == {error_id}  # type: ignore[attr-defined]
    lines = [logging.Formatter(FORMAT).format(r) for r in records]
    assert all(line.count(error_id) == 1 for line in lines)  # each names it once


async def test_each_http_request_gets_its_own_id(
    cfg: Config,
    sessions: async_sessionmaker[AsyncSession],
    request_ids: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    aiohttp_client: Client,
) -> None:
    async def broken(request: web.Request) -> web.Response:
        logging.getLogger("kbot.test").info("about to fail")
        raise RuntimeError("boom")

    monkeypatch.setattr(api_schedules, "list_schedules", broken)
    client = await aiohttp_client(await init_app(cfg, clock=FakeClock()))
    ids = []
    for _ in range(2):
        request_ids.clear()
        answer = await client.get("/api/schedules")
        assert answer.status == 500
        records = [r for r in request_ids.records if r.name in ("kbot.test", "kbot.api")]
        assert [r.name for r in records] == ["kbot.test", "kbot.api"]  # the handler, the 500
        ids.append({r.request_id for r in records})  # type: ignore[attr-defined]
    [first], [second] = ids
    assert NONE not in (first, second) and first != second
