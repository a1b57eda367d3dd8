"""Several worker processes on one MariaDB: every occurrence sent exactly once, and a worker
killed with SIGKILL mid-send is taken over without re-sending a confirmed part."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from kbot.config import DatabaseConfig
from storage.engine import create_engine, session_factory
from storage.kbot_models import Org, Room
from storage.migrate import upgrade
from storage.models import Schedule, ScheduleLog

pytestmark = pytest.mark.mysql
ROOT = Path(__file__).resolve().parent.parent
ROOMS = 400


async def _seed(engine: AsyncEngine, schedules: int, **values: object) -> None:
    due = datetime.now(UTC).astimezone(ZoneInfo("Asia/Seoul")).replace(tzinfo=None)
    due = due.replace(microsecond=0) - timedelta(seconds=30)
    async with session_factory(engine)() as s, s.begin():
        s.add(Org(id=1, type="headquarters", code="HQ", name="본사"))
        await s.flush()
        await s.execute(
            insert(Room),
            [{"chat_id": str(1000 + n), "name": f"방{n}", "org_id": 1} for n in range(ROOMS)],
        )
        row = {
            "title": "t",
            "created_by_type": "headquarters",
            "created_by_id": "HQ",
            "created_by_mb_id": "m",
            "schedule_type": "daily",
            "schedule_time": time(due.hour, due.minute, due.second),
            "valid_from": datetime(2026, 1, 1),
            "valid_until": datetime(2030, 1, 1),
            "next_send_at": due,
            "send_interval_seconds": 0,
            **values,
        }
        await s.execute(
            insert(Schedule),
            [
                {**row, "target_room_id": str(1000 + n % ROOMS), "message_text": f"s{n}"}
                for n in range(schedules)
            ],
        )


async def _worker(url: str, out: Path, expected: int, *extra: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.sched_worker", url, str(out), str(expected), *extra, cwd=ROOT
    )


@pytest.fixture
async def mysql_engine(mysql_database: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(DatabaseConfig(url=mysql_database))
    await upgrade(engine)
    yield engine
    await engine.dispose()


async def test_three_workers_send_every_occurrence_exactly_once(
    mysql_database: str, mysql_engine: AsyncEngine, tmp_path: Path
) -> None:
    total = 2000
    await _seed(mysql_engine, total)
    outs = [tmp_path / f"w{n}.txt" for n in range(3)]
    workers = [await _worker(mysql_database, out, total) for out in outs]
    try:
        async with asyncio.timeout(150):  # 60-90 s on a busy 2-core machine
            codes = [await w.wait() for w in workers]
    finally:
        for w in workers:
            if w.returncode is None:
                w.kill()
                await w.wait()
    assert codes == [0, 0, 0]
    lines = [line for out in outs for line in out.read_text().splitlines()]
    sent = Counter(line.split("\t")[1] for line in lines)
    assert len(sent) == total  # none lost
    assert max(sent.values()) == 1  # none twice
    assert all(out.read_text() for out in outs)  # the work was shared
    async with session_factory(mysql_engine)() as s:
        query = select(ScheduleLog.status, func.count()).group_by(ScheduleLog.status)
        statuses = Counter(dict((await s.execute(query)).all()))
    assert statuses == Counter({"success": total})


async def test_a_killed_worker_is_taken_over_without_resending_confirmed_parts(
    mysql_database: str, mysql_engine: AsyncEngine, tmp_path: Path
) -> None:
    parts = ["P1", "P2", "P3"]
    images = []
    for name in parts[1:]:
        path = tmp_path / f"{name}.jpg"
        path.write_bytes(name.encode())
        images.append({"id": name, "file_path": str(path)})
    await _seed(mysql_engine, 1, message_images={"images": images})
    first, second = tmp_path / "first.txt", tmp_path / "second.txt"
    victim = await _worker(mysql_database, first, 1, "--hang-on", "2")
    async with asyncio.timeout(20):
        while "HANG" not in (first.read_text() if first.exists() else ""):  # noqa: ASYNC110
            await asyncio.sleep(0.05)
    os.kill(victim.pid, signal.SIGKILL)
    await victim.wait()
    taker = await _worker(mysql_database, second, 1)
    async with asyncio.timeout(30):
        assert await taker.wait() == 0
    assert first.read_text().splitlines() == ["1000\ts0", "HANG"]
    assert second.read_text().splitlines() == ["1000\tP2", "1000\tP3"]
    async with session_factory(mysql_engine)() as s:
        [entry] = (await s.scalars(select(ScheduleLog))).all()
    assert entry.status == "success"
    assert entry.api_response == [{"pid": victim.pid}, {"pid": taker.pid}, {"pid": taker.pid}]
