"""The webhooks' bound on background work: when ``WebhookState.tasks`` is full, new events
are answered 503 "busy" (logged once per burst) and dropped; once work finishes they are
served again."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy.ext.asyncio import AsyncEngine

from kbot.config import Config
from tests.fakes import FakeClock
from tests.test_webhooks import TOKEN, SlowHandler, iris_body, skill_body, start, with_bot
from web import keys
from web.webhook_state import BackgroundTasks

Client = Callable[..., Awaitable[TestClient[Any, Any]]]


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    """SQLite only: the handler here does not touch the database."""
    return f"sqlite+aiosqlite:///{tmp_path}/kbot.db"


async def test_background_tasks_refuse_beyond_the_limit(caplog: pytest.LogCaptureFixture) -> None:
    tasks = BackgroundTasks(limit=2)
    release = asyncio.Event()
    assert not tasks.full()
    tasks.spawn(release.wait(), name="a")
    tasks.spawn(release.wait(), name="b")
    with caplog.at_level(logging.WARNING, logger="kbot.webhooks"):
        assert tasks.full() and tasks.full()
    assert [r.message for r in caplog.records].count(
        "webhooks busy: 2 tasks in flight, refusing new events"
    ) == 1
    release.set()
    await tasks.drain(5)
    assert len(tasks) == 0 and not tasks.full()
    with pytest.raises(ValueError):
        BackgroundTasks(limit=0)


async def test_a_full_webhook_answers_busy_and_drops_the_event(
    aiohttp_client: Client, cfg: Config, engine: AsyncEngine
) -> None:
    handler = SlowHandler()
    client = await start(aiohttp_client, with_bot(cfg), FakeClock(), handler)
    state = client.app[keys.WEBHOOKS]
    state.tasks = BackgroundTasks(limit=1)
    sent = client.app[keys.SENDER].sent  # the dry-run sender's record

    async def post(n: int) -> Any:
        body = iris_body("text_command", message="!느림", _id=f"evt-{n}")
        return await client.post("/webhook/iris", json=body, params={"token": TOKEN})

    first = await post(1)
    assert first.status == 200
    await handler.started.wait()
    busy = await post(2)
    assert busy.status == 503
    assert (await busy.json())["error"]["code"] == "busy"
    skill = await client.post("/webhook/kakao-skill", json=skill_body(), params={"token": TOKEN})
    assert skill.status == 503

    handler.release.set()
    await state.tasks.drain(5)
    assert [r["text"] for r in sent] == ["늦은 답"]  # only the first event was handled
    again = await post(2)  # the refused event was not remembered as seen
    assert again.status == 200
    await state.tasks.drain(5)
    assert len(sent) == 2
