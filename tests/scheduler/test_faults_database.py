"""The real app while MariaDB fails under it: connections killed, or (in CI) the server
restarted. kbot recovers by itself and every notice is sent once."""

from __future__ import annotations

import asyncio
import os
import subprocess
import time as time_module
from collections.abc import AsyncIterator
from datetime import datetime, time
from pathlib import Path
from typing import Any

import pymysql
import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.config import Config, load_config
from storage.engine import create_engine, session_factory
from storage.migrate import upgrade
from tests.scheduler import test_faults
from tests.scheduler.test_faults import Client, log_count, ops_world, start, with_faults
from tests.support.fakes import FakeClock, FakeIris
from tests.support.sched_support import add_schedule, logs

# test_faults' clock, found by pytest under this name (iris, ops_iris: tests/conftest.py)
clock = test_faults.clock


@pytest.fixture
def mysql_cfg(mysql_database: str, tmp_path: Path) -> Config:
    data = tmp_path / "data"
    return load_config(
        env={
            "KBOT_DATABASE__URL": mysql_database,
            "KBOT_DATA_DIR": str(data),
            "KBOT_WEB__UPLOAD_DIR": str(data / "images"),
            "KBOT_WEB__SECRET_KEY": "test-secret-key-0123456789",
        }
    )


@pytest.fixture
async def mysql_sessions(mysql_cfg: Config) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(mysql_cfg.database, timezone=mysql_cfg.timezone)
    await upgrade(engine)
    yield session_factory(engine)
    await engine.dispose()


def kill_connections(url: str) -> int:
    """``KILL`` every connection to the test database (kbot's pool), from outside."""
    u = make_url(url)
    admin = pymysql.connect(
        host=u.host or "127.0.0.1",
        port=u.port or 3306,
        user=u.username or "root",
        password=u.password or "",
        autocommit=True,
    )
    try:
        with admin.cursor() as cur:
            cur.execute(
                "SELECT id FROM information_schema.processlist"
                " WHERE db = %s AND id <> CONNECTION_ID()",
                (u.database,),
            )
            ids = [row[0] for row in cur.fetchall()]
            for conn_id in ids:
                cur.execute(f"KILL {int(conn_id)}")
        return len(ids)
    finally:
        admin.close()


NOTICES = [f"공지 {minute}" for minute in range(3)]  # due 09:30, 09:31, 09:32


async def add_notices(sessions: async_sessionmaker[AsyncSession]) -> None:
    for minute, text in enumerate(NOTICES):
        await add_schedule(
            sessions,
            title=text,
            message_text=text,
            schedule_time=time(9, 30 + minute),
            next_send_at=datetime(2026, 12, 1, 9, 30 + minute),
        )


async def assert_each_notice_sent_once(
    sessions: async_sessionmaker[AsyncSession], iris: FakeIris, client: TestClient[Any, Any]
) -> None:
    entries = await logs(sessions)
    assert [(e.status, e.sent_message_text) for e in entries] == [("success", t) for t in NOTICES]
    assert sorted(b["data"] for b in iris.bodies) == NOTICES  # each exactly once
    assert (await client.get("/healthz")).status == 200


@pytest.mark.mysql
async def test_kbot_recovers_by_itself_when_its_database_connections_are_killed(
    mysql_cfg: Config,
    mysql_sessions: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    iris: FakeIris,
    ops_iris: FakeIris,
    aiohttp_client: Client,  # last: the app shuts down before the database goes away
) -> None:
    await ops_world(mysql_sessions, ops_device="ops")
    await add_notices(mysql_sessions)
    client, driver = await start(aiohttp_client, with_faults(mysql_cfg, iris, ops_iris), clock)
    killed = 0
    for minute in range(3):

        async def logged(n: int = minute + 1) -> bool:
            return await log_count(mysql_sessions) == n

        await driver.until(logged, limit_s=120)
        killed += kill_connections(mysql_cfg.database.url)
    assert killed >= 3  # kbot had connections open each time
    await driver.run_for(60)
    await assert_each_notice_sent_once(mysql_sessions, iris, client)
    assert ops_iris.calls == []


# --- MariaDB: the real server restarted while kbot runs (CI only) ----------------------------

RESTART_ENV = "KBOT_TEST_RESTART_MARIADB"
MARIADBD = "/usr/sbin/mariadbd"


def restart_mariadb(url: str) -> None:
    """Stop the server (waiting for its process to exit), start it again and wait until it
    answers (blocking; run it in a thread so kbot keeps running meanwhile)."""
    u = make_url(url)
    where = {"host": u.host or "127.0.0.1", "port": u.port or 3306, "user": u.username or "root"}

    def answers() -> bool:
        try:
            pymysql.connect(password=u.password or "", connect_timeout=1, **where).close()
        except pymysql.err.OperationalError:
            return False
        return True

    subprocess.run(  # returns once the server process has exited
        [
            "start-stop-daemon",
            "--stop",
            "--oknodo",
            "--exec",
            MARIADBD,
            "--retry",
            "TERM/60/KILL/5",
        ],
        check=True,
        timeout=90,
    )
    assert not answers()
    subprocess.run(
        ["start-stop-daemon", "--start", "--oknodo", "--background", "--exec", MARIADBD],
        check=True,
        timeout=30,
    )
    for _ in range(1200):
        if answers():
            return
        time_module.sleep(0.1)
    raise AssertionError("MariaDB did not come back within 120 s")


@pytest.mark.mysql
@pytest.mark.restart
@pytest.mark.skipif(
    not os.environ.get(RESTART_ENV), reason=f"{RESTART_ENV}=1 restarts the shared MariaDB (CI)"
)
async def test_kbot_recovers_by_itself_when_mariadb_restarts(
    mysql_cfg: Config,
    mysql_sessions: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    iris: FakeIris,
    ops_iris: FakeIris,
    aiohttp_client: Client,  # last: the app shuts down before the database goes away
) -> None:
    await ops_world(mysql_sessions, ops_device="ops")
    await add_notices(mysql_sessions)
    client, driver = await start(aiohttp_client, with_faults(mysql_cfg, iris, ops_iris), clock)

    async def logged(n: int) -> bool:
        try:
            return await log_count(mysql_sessions) >= n
        except DBAPIError:  # the test's own pool meets the restart too
            return False

    await driver.until(lambda: logged(1), limit_s=120)
    restart = asyncio.create_task(asyncio.to_thread(restart_mariadb, mysql_cfg.database.url))
    while not restart.done():  # kbot keeps running (and failing to reach the database)
        await driver.step(1)
        await asyncio.sleep(0.05)
    await restart
    await driver.until(lambda: logged(3), limit_s=600)
    await driver.run_for(60)
    await assert_each_notice_sent_once(mysql_sessions, iris, client)
