"""``storage.engine.ReadSessions``: on SQLite no ``BEGIN`` (a writer is not held up by an open
reader; each statement sees the latest commit), writes keep ``BEGIN IMMEDIATE``; writing in
a read session is refused on both backends; at most ``limit`` are open at once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core.config import load_config
from storage.engine import (
    ReadOnlySessionError,
    ReadSessions,
    create_engine,
    read_sessions,
    session_factory,
)
from storage.kbot_models import Org
from storage.migrate import upgrade
from storage.orgs import OrgSpec, add_org
from tests.support.command_world import START


@pytest.fixture
async def sqlite_engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """A migrated SQLite engine with a short busy timeout, so a lock shows up fast."""
    cfg = load_config(
        env={
            "KBOT_DATABASE__URL": f"sqlite+aiosqlite:///{tmp_path}/kbot.db",
            "KBOT_DATABASE__SQLITE_BUSY_TIMEOUT_MS": "200",
            "KBOT_DATA_DIR": str(tmp_path / "data"),
            "KBOT_WEB__SECRET_KEY": "test-secret-key-0123456789",
        }
    )
    engine = create_engine(cfg.database, timezone=cfg.timezone)
    await upgrade(engine)
    yield engine
    await engine.dispose()


async def test_reads_begin_nothing_and_writes_begin_immediate(sqlite_engine: AsyncEngine) -> None:
    begun: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.startswith("BEGIN"):
            begun.append(statement)

    event.listen(sqlite_engine.sync_engine, "before_cursor_execute", record)
    sessions = session_factory(sqlite_engine)
    async with ReadSessions(sessions, limit=1)() as s:
        await s.scalar(select(Org.id))
    async with sessions() as s:
        await s.scalar(select(Org.id))
    assert begun == ["BEGIN IMMEDIATE"]


async def test_a_writer_is_not_held_up_by_an_open_reader(sqlite_engine: AsyncEngine) -> None:
    sessions = session_factory(sqlite_engine)
    async with ReadSessions(sessions, limit=1)() as reader:
        assert await reader.scalar(select(Org.id)) is None
        async with sessions.begin() as writer:
            spec = OrgSpec(type="headquarters", code="HQ", name="본사")
            await add_org(writer, spec, at=START, actor="test")
        assert await reader.scalar(select(Org.code)) == "HQ"  # the next statement sees it


async def test_a_read_session_refuses_to_write(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    reads = ReadSessions(sessions, limit=1)
    async with reads() as s:
        s.add(Org(type="headquarters", code="HQ", name="본사"))
        with pytest.raises(ReadOnlySessionError):
            await s.flush()
    async with reads() as s:
        with pytest.raises(ReadOnlySessionError):
            await s.execute(insert(Org).values(type="headquarters", code="HQ", name="본사"))
    async with sessions() as s:
        assert await s.scalar(select(func.count()).select_from(Org)) == 0


async def test_no_more_than_limit_sessions_are_open(sqlite_engine: AsyncEngine) -> None:
    reads = ReadSessions(session_factory(sqlite_engine), limit=2)
    release, two_in = asyncio.Event(), asyncio.Event()
    open_now: list[int] = []
    most = 0

    async def reader(n: int) -> None:
        nonlocal most
        async with reads() as s:
            open_now.append(n)
            most = max(most, len(open_now))
            if len(open_now) == 2:
                two_in.set()
            await s.scalar(select(Org.id))
            await release.wait()
            open_now.remove(n)

    tasks = [asyncio.create_task(reader(n)) for n in range(5)]
    await two_in.wait()
    for _ in range(20):  # give the other three every chance to get in
        await asyncio.sleep(0)
    assert len(open_now) == 2
    release.set()
    await asyncio.gather(*tasks)
    assert most == 2 and open_now == []


def test_limit_follows_the_backend(tmp_path: Path) -> None:
    def limit(url: str) -> int:
        cfg = load_config(
            env={
                "KBOT_DATABASE__URL": url,
                "KBOT_DATABASE__POOL_SIZE": "7",
                "KBOT_DATA_DIR": str(tmp_path),
                "KBOT_WEB__SECRET_KEY": "test-secret-key-0123456789",
            }
        )
        engine = create_engine(cfg.database, timezone=cfg.timezone)
        return read_sessions(session_factory(engine), cfg.database).limit

    assert limit(f"sqlite+aiosqlite:///{tmp_path}/x.db") == 2
    assert limit("mysql+aiomysql://u@127.0.0.1/x") == 7
