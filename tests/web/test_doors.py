"""Each door answers for its own URL space, told by the route a request matched
(``web.doors``): JSON errors on the API, also for URLs no route has; the webhooks timed,
unknown ones as "unmatched"; everything else answered as aiohttp answers it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp.test_utils import TestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.config import Config
from kbot.bootstrap import init_app
from tests.support.fakes import FakeClock

Client = Callable[..., Awaitable[TestClient[Any, Any]]]
JSON = "application/json"


async def test_unknown_urls_are_answered_by_the_door_they_belong_to(
    cfg: Config, sessions: async_sessionmaker[AsyncSession], aiohttp_client: Client
) -> None:
    client = await aiohttp_client(await init_app(cfg, clock=FakeClock()))
    for path in ("/api/", "/api/nothing/here"):
        answer = await client.get(path)
        assert (answer.status, answer.content_type) == (404, JSON), path
        assert (await answer.json())["error"]["code"] == "not_found"
    answer = await client.patch("/api/schedules/1")  # the path is known, the method is not
    assert (answer.status, answer.content_type) == (405, JSON)
    assert (await answer.json())["error"]["code"] == "method_not_allowed"
    assert set(answer.headers["Allow"].split(",")) == {"GET", "PUT", "DELETE", "HEAD"}
    for path in ("/nothing/here", "/api", "/images/missing.png"):  # not the API's
        answer = await client.get(path)
        assert (answer.status, answer.content_type) == (404, "text/plain"), path
    assert (await client.post("/webhook/nothing")).status == 404
    assert (await client.get("/webhook/iris")).status == 405
    metrics = await (await client.get("/metrics")).text()
    assert 'kbot_webhook_seconds_count{route="unmatched"} 2.0' in metrics
