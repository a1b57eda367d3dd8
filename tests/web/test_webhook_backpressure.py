"""The webhooks' bound on background work: when ``WebhookState.tasks`` is full, a new event
waits for room (on the injected clock) and is handled when earlier work ends; only an event
still without room at its deadline is answered 503 "busy" (logged once per burst)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy.ext.asyncio import AsyncEngine

from core.config import Config
from tests.support.fakes import FakeClock
from tests.web.test_webhooks import TOKEN, SlowHandler, iris_body, skill_body, start, with_bot
from web import keys
from web.webhooks.state import BUSY_WAIT_S, BackgroundTasks

Client = Callable[..., Awaitable[TestClient[Any, Any]]]
LOOPS = 1  # the app's own loops parked on the clock here: the engagement flush


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    """SQLite only: the handler here does not touch the database."""
    return f"sqlite+aiosqlite:///{tmp_path}/kbot.db"


async def test_background_tasks_wait_for_room_then_refuse_at_the_deadline(
    caplog: pytest.LogCaptureFixture,
) -> None:
    tasks = BackgroundTasks(limit=2)
    release = asyncio.Event()
    never: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    assert await tasks.room(never)
    tasks.spawn(release.wait(), name="a")
    tasks.spawn(asyncio.sleep(0), name="b")
    waiting = asyncio.ensure_future(tasks.room(never))  # full: waits for "b" to end
    assert await asyncio.wait_for(waiting, 5) is True
    tasks.spawn(release.wait(), name="c")

    done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    done.set_result(None)
    with caplog.at_level(logging.WARNING, logger="kbot.webhooks"):
        assert await tasks.room(done) is False
        assert await tasks.room(done) is False
    assert [r.message for r in caplog.records].count(
        "webhooks busy: 2 tasks in flight, refusing new events"
    ) == 1
    release.set()
    await tasks.drain(5)
    assert len(tasks) == 0 and await tasks.room(done)
    with pytest.raises(ValueError):
        BackgroundTasks(limit=0)


async def test_each_finished_task_lets_in_the_longest_waiting_event() -> None:
    tasks = BackgroundTasks(limit=1)
    never: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    release = [asyncio.Event() for _ in range(3)]
    tasks.spawn(release[0].wait(), name="running")
    admitted: list[str] = []

    async def event(name: str, gate: asyncio.Event) -> None:
        assert await tasks.room(never)
        admitted.append(name)
        tasks.spawn(gate.wait(), name=name)

    first = asyncio.ensure_future(event("first", release[1]))
    await asyncio.sleep(0)
    second = asyncio.ensure_future(event("second", release[2]))
    await asyncio.sleep(0)
    release[0].set()
    await asyncio.wait_for(first, 5)
    assert admitted == ["first"] and not second.done()  # one room, one event let in
    release[1].set()
    await asyncio.wait_for(second, 5)
    assert admitted == ["first", "second"]
    release[2].set()
    await tasks.drain(5)


async def test_a_full_webhook_holds_the_event_until_there_is_room(
    cfg: Config,
    engine: AsyncEngine,
    aiohttp_client: Client,
) -> None:
    handler = SlowHandler()
    clock = FakeClock()
    client = await start(aiohttp_client, with_bot(cfg), clock, handler)
    state = client.app[keys.WEBHOOKS]
    state.tasks = BackgroundTasks(limit=1)
    sent = client.app[keys.SENDER].sent  # the dry-run sender's record

    async def post(n: int) -> Any:
        body = iris_body("text_command", message="!느림", _id=f"evt-{n}")
        return await client.post("/webhook/iris", json=body, params={"token": TOKEN})

    first = await post(1)
    assert first.status == 200
    await handler.started.wait()
    second = asyncio.ensure_future(post(2))
    # no room: it waits, unanswered (the other sleeper: the engagement flush loop)
    await asyncio.wait_for(clock.wait_for_sleepers(1 + LOOPS), 5)
    assert not second.done()
    handler.release.set()
    assert (await asyncio.wait_for(second, 5)).status == 200
    await state.tasks.drain(5)
    assert [r["text"] for r in sent] == ["늦은 답", "늦은 답"]  # both events were handled


async def test_uncounted_tasks_never_take_a_commands_room_but_are_drained() -> None:
    """The observers of every Iris event (receipts, replies, room activity) run uncounted:
    a room's chatter never makes a command wait, and shutdown still waits for them."""
    tasks = BackgroundTasks(limit=1)
    release = asyncio.Event()
    never: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    observers = [tasks.spawn(release.wait(), name=f"o{n}", counted=False) for n in range(5)]
    assert not tasks.full() and len(tasks) == 5
    assert await asyncio.wait_for(tasks.room(never), 1)
    command = tasks.spawn(release.wait(), name="command")
    assert tasks.full()
    release.set()
    await tasks.drain(5)
    assert all(t.done() for t in (*observers, command)) and len(tasks) == 0
    assert not tasks.full()


async def test_a_webhook_still_full_at_its_deadline_answers_busy_and_drops_the_event(
    cfg: Config,
    engine: AsyncEngine,
    aiohttp_client: Client,
) -> None:
    handler = SlowHandler()
    clock = FakeClock()
    client = await start(aiohttp_client, with_bot(cfg), clock, handler)
    state = client.app[keys.WEBHOOKS]
    state.tasks = BackgroundTasks(limit=1)
    sent = client.app[keys.SENDER].sent

    async def post(n: int) -> Any:
        body = iris_body("text_command", message="!느림", _id=f"evt-{n}")
        return await client.post("/webhook/iris", json=body, params={"token": TOKEN})

    assert (await post(1)).status == 200
    await handler.started.wait()
    busy = asyncio.ensure_future(post(2))
    skill = asyncio.ensure_future(
        client.post("/webhook/kakao-skill", json=skill_body(), params={"token": TOKEN})
    )
    # both wait for room on the clock, beside the engagement flush loop
    await asyncio.wait_for(clock.wait_for_sleepers(2 + LOOPS), 5)
    await clock.advance(state.skill_timeout_s)
    assert (await asyncio.wait_for(skill, 5)).status == 503
    assert not busy.done()
    await clock.advance(BUSY_WAIT_S)
    answer = await asyncio.wait_for(busy, 5)
    assert answer.status == 503
    assert (await answer.json())["error"]["code"] == "busy"

    handler.release.set()
    await state.tasks.drain(5)
    assert [r["text"] for r in sent] == ["늦은 답"]  # only the first event was handled
    again = await post(2)  # the refused event was not remembered as seen
    assert again.status == 200
    await state.tasks.drain(5)
    assert len(sent) == 2
