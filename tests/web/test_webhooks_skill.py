"""Kakao i Open Builder skill webhook: answers in the body within the platform's limits,
refusals, slow answers by callback, and /healthz next to the webhooks."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.kakao_skill.reply import MAX_QUICK_REPLIES, MAX_TEXT, PROCESSING_TEXT
from core.config import Config
from tests.support.fakes import FakeClock, FakeIris
from tests.web import test_webhooks
from tests.web.test_webhooks import (
    TOKEN,
    Client,
    EchoHandler,
    SlowHandler,
    settle,
    skill_body,
    start,
    with_bot,
)
from web import keys

# test_webhooks' fixtures, found by pytest under these names
db_url, clock, fake_iris = test_webhooks.db_url, test_webhooks.clock, test_webhooks.fake_iris
handler, iris_client = test_webhooks.handler, test_webhooks.iris_client


@pytest.fixture
async def skill_client(
    cfg: Config,
    engine: AsyncEngine,
    clock: FakeClock,
    aiohttp_client: Client,
) -> TestClient[Any, Any]:
    return await start(aiohttp_client, with_bot(cfg), clock, EchoHandler())


async def post_skill(client: TestClient[Any, Any], body: Any) -> Any:
    return await client.post("/webhook/kakao-skill", json=body, headers={"X-Kbot-Token": TOKEN})


def assert_valid_skill_reply(reply: dict[str, Any]) -> list[str]:
    assert reply["version"] == "2.0"
    outputs = reply["template"]["outputs"]
    assert 1 <= len(outputs) <= 3
    texts = [o["simpleText"]["text"] for o in outputs]
    assert all(0 < len(t) <= MAX_TEXT for t in texts)
    assert len(reply["template"].get("quickReplies", [])) <= MAX_QUICK_REPLIES
    return texts


async def test_skill_command_is_answered_in_the_body(skill_client: TestClient[Any, Any]) -> None:
    resp = await post_skill(skill_client, skill_body("!두번"))
    assert resp.status == 200
    reply = await resp.json()
    assert assert_valid_skill_reply(reply) == ["첫째\n\n둘째"]
    assert {q["messageText"] for q in reply["template"]["quickReplies"]} == {
        "!스케줄 목록",
        "!도움말",
    }


async def test_skill_chatter_gets_a_hint(skill_client: TestClient[Any, Any]) -> None:
    reply = await (await post_skill(skill_client, skill_body("안녕하세요"))).json()
    assert assert_valid_skill_reply(reply) == ["명령어는 !도움말 을 입력해 보세요."]


async def test_skill_long_answer_stays_within_limits(skill_client: TestClient[Any, Any]) -> None:
    reply = await (await post_skill(skill_client, skill_body("!" + "긴 줄\n" * 800))).json()
    assert len(assert_valid_skill_reply(reply)) == 3


@pytest.mark.parametrize(
    ("body", "headers", "status"),
    [
        (skill_body(), {}, 401),
        (skill_body(), {"X-Kbot-Token": "wrong"}, 401),
        ({"userRequest": {"utterance": "!ping"}}, {"X-Kbot-Token": TOKEN}, 400),
    ],
)
async def test_skill_refusals(
    skill_client: TestClient[Any, Any], body: Any, headers: dict[str, str], status: int
) -> None:
    resp = await skill_client.post("/webhook/kakao-skill", json=body, headers=headers)
    assert resp.status == status
    assert "error" in await resp.json()


async def test_a_deeply_nested_skill_body_is_400(skill_client: TestClient[Any, Any]) -> None:
    deep = b'{"userRequest": ' * 10_000 + b"{}" + b"}" * 10_000  # 160 kB
    resp = await skill_client.post(
        "/webhook/kakao-skill", data=deep, headers={"X-Kbot-Token": TOKEN}
    )
    assert resp.status == 400
    assert "error" in await resp.json()


async def test_slow_skill_answers_processing_and_finishes_later(
    cfg: Config,
    engine: AsyncEngine,
    clock: FakeClock,
    aiohttp_client: Client,
) -> None:
    slow = SlowHandler()
    client = await start(aiohttp_client, with_bot(cfg), clock, slow)
    state = client.app[keys.WEBHOOKS]
    request = asyncio.create_task(post_skill(client, skill_body("!ping")))
    await asyncio.wait_for(slow.started.wait(), 5)
    await clock.advance(state.skill_timeout_s)
    resp = await asyncio.wait_for(request, 5)
    assert assert_valid_skill_reply(await resp.json()) == [PROCESSING_TEXT]
    assert len(state.tasks) == 1 and not slow.finished  # still running, tracked
    slow.release.set()
    await settle(client)
    assert slow.finished


# --- /healthz --------------------------------------------------------------------------


async def test_healthz_reports_iris_without_failing(
    iris_client: TestClient[Any, Any], fake_iris: FakeIris, clock: FakeClock
) -> None:
    body = await (await iris_client.get("/healthz")).json()
    assert body["iris"]["default"]["ok"] is True
    assert clock.now() == datetime(2026, 12, 1, 0, 0, tzinfo=UTC)
    assert body["iris"]["default"]["last_ok"] == "2026-12-01T09:00:00+09:00"  # local, its offset

    fake_iris.config_status = 500
    await clock.advance(600)
    resp = await iris_client.get("/healthz")
    assert resp.status == 200
    body = await resp.json()
    assert body["status"] == "ok"
    assert body["iris"]["default"]["ok"] is False


async def test_healthz_has_no_iris_section_in_dry_run(skill_client: TestClient[Any, Any]) -> None:
    body = await (await skill_client.get("/healthz")).json()
    assert "iris" not in body
