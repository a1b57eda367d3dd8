"""``GET /healthz`` through the real composition root."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy.ext.asyncio import AsyncEngine

from core.config import Config
from kbot.bootstrap import init_app
from storage.migrate import SchemaOutOfDate
from tests.support.fakes import FakeClock
from tests.support.waits import wait_until
from web import keys


async def test_healthz_reports_database_and_scheduler(
    cfg: Config, engine: AsyncEngine, aiohttp_client
) -> None:
    clock = FakeClock(datetime(2026, 12, 1, tzinfo=UTC))
    app = await init_app(cfg, clock=clock)
    client = await aiohttp_client(app)
    assert app[keys.SCHEDULER].running
    # the loop's first round beats once it has read the database
    await wait_until(lambda: app[keys.HEARTBEAT].last_beat is not None, "the first beat")
    resp = await client.get("/healthz")
    assert resp.status == 200
    body = await resp.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] is True
    assert body["database"]["backend"] in ("sqlite", "mysql")
    assert body["scheduler"]["ok"] is True

    await app[keys.SCHEDULER].stop()  # the loop no longer beats ...
    await clock.advance(3600)  # ... and an hour passes
    resp = await client.get("/healthz")
    assert resp.status == 503
    assert (await resp.json())["scheduler"]["ok"] is False


async def test_serving_refuses_a_database_that_was_not_upgraded(cfg: Config) -> None:
    app = await init_app(cfg)
    with pytest.raises(SchemaOutOfDate, match="run `kbot db upgrade`"):
        async with TestServer(app):
            pass
