"""Several worker processes on one MariaDB: every occurrence sent exactly once, and a worker
killed with SIGKILL mid-send (once, or twenty times over) is taken over without re-sending a
part recorded as done and without losing an occurrence."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sys
from collections import Counter
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from core.config import DatabaseConfig
from storage.engine import create_engine, session_factory
from storage.kbot_models import Occurrence, Org, Room
from storage.migrate import upgrade
from storage.models import Schedule, ScheduleLog
from storage.send_record import responses_of
from tests.support.sched_support import image_file
from tests.support.waits import wait_until

pytestmark = pytest.mark.mysql
ROOT = Path(__file__).resolve().parents[2]
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
        sys.executable,
        "-m",
        "tests.support.sched_worker",
        url,
        str(out),
        str(expected),
        *extra,
        cwd=ROOT,
    )


def _images(folder: Path, names: list[str]) -> list[dict[str, Any]]:
    """``message_images`` entries whose files name themselves (the worker writes the name as
    the send's payload); the worker may read images from the folder of its output file."""
    return [image_file(folder, name) for name in names]


def _lines(out: Path) -> list[str]:
    return out.read_text().splitlines() if out.exists() else []


def _sends(out: Path) -> list[tuple[str, str]]:
    """The (room, payload) of every part a worker sent."""
    return [(room, payload) for room, payload in (line.split("\t") for line in _lines(out))]


async def _assert_one_success_log_each(engine: AsyncEngine, schedules: int) -> list[ScheduleLog]:
    async with session_factory(engine)() as s:
        logs = list((await s.scalars(select(ScheduleLog))).all())
    per_schedule = Counter(entry.schedule_id for entry in logs)
    assert len(per_schedule) == schedules  # none lost
    assert set(per_schedule.values()) == {1}  # none logged twice
    assert {entry.status for entry in logs} == {"success"}
    return logs


@pytest.fixture
async def mysql_engine(mysql_database: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(DatabaseConfig(url=mysql_database), timezone="Asia/Seoul")
    await upgrade(engine)
    yield engine
    await engine.dispose()


async def test_three_workers_send_every_occurrence_exactly_once(
    mysql_database: str, mysql_engine: AsyncEngine, tmp_path: Path
) -> None:
    total = 5000
    await _seed(mysql_engine, total)
    outs = [tmp_path / f"w{n}.txt" for n in range(3)]
    workers = [await _worker(mysql_database, out, total) for out in outs]
    try:
        async with asyncio.timeout(100):  # 35-50 s on a busy 2-core machine
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
    await _assert_one_success_log_each(mysql_engine, total)


async def test_a_killed_worker_is_taken_over_without_resending_confirmed_parts(
    mysql_database: str, mysql_engine: AsyncEngine, tmp_path: Path
) -> None:
    images = _images(tmp_path, ["P2", "P3"])
    await _seed(mysql_engine, 1, message_images={"images": images})
    first, second = tmp_path / "first.txt", tmp_path / "second.txt"
    victim = await _worker(mysql_database, first, 1, "--hang-on", "2")
    await wait_until(
        lambda: "HANG" in _lines(first), "the victim to hang", timeout_s=20, poll_s=0.05
    )
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
    assert responses_of(entry.api_response) == [
        {"pid": victim.pid},
        {"pid": taker.pid},
        {"pid": taker.pid},
    ]


async def _send_until(out: Path, parts: int, worker: asyncio.subprocess.Process) -> None:
    """Wait until ``worker`` has sent ``parts`` parts in all."""

    def sent() -> bool:
        if len(_lines(out)) >= parts:
            return True
        assert worker.returncode is None, "the worker ran out of work before it was killed"
        return False

    await wait_until(sent, f"{parts} parts sent", timeout_s=60, poll_s=0.01)


async def _parts_done(engine: AsyncEngine) -> dict[str, int]:
    """Per room (one occurrence each): the parts recorded as done."""
    async with session_factory(engine)() as s:
        rows = await s.execute(select(Occurrence.target_room_id, Occurrence.parts_done))
    return dict(rows.all())


async def test_twenty_kills_mid_send_resend_no_recorded_part_and_lose_nothing(
    mysql_database: str,
    mysql_engine: AsyncEngine,
    tmp_path: Path,
    record_property: Callable[[str, object], None],
) -> None:
    schedules, kills = 80, 20
    names = ["I1", "I2", "I3"]
    await _seed(mysql_engine, schedules, message_images={"images": _images(tmp_path, names)})
    parts = {str(1000 + n): [f"s{n}", *names] for n in range(schedules)}  # room -> its parts
    rng = random.Random(7)
    quick_takeover = ("--lease-s", "2")
    sends: list[list[tuple[str, str]]] = []  # per worker, in order
    recorded: list[dict[str, int]] = []  # per kill: room -> parts_done right after it
    async with asyncio.timeout(90):  # 40-60 s on a busy 2-core machine
        for n in range(kills):
            out = tmp_path / f"victim{n}.txt"
            victim = await _worker(
                mysql_database, out, schedules, *quick_takeover, "--send-delay", "0.04"
            )
            try:
                await _send_until(out, rng.randint(1, 8), victim)
                await asyncio.sleep(rng.uniform(0, 0.04))  # anywhere inside the next send
            finally:
                victim.kill()  # SIGKILL
                await victim.wait()
            assert victim.returncode == -signal.SIGKILL
            sends.append(_sends(out))
            recorded.append(await _parts_done(mysql_engine))
        last = tmp_path / "last.txt"
        finisher = await _worker(mysql_database, last, schedules, *quick_takeover)
        assert await finisher.wait() == 0
    sends.append(_sends(last))

    def index(room: str, payload: str) -> int:
        return parts[room].index(payload)

    resent_recorded = [
        (n, later, room, payload)
        for n, done in enumerate(recorded)
        for later in range(n + 1, len(sends))
        for room, payload in sends[later]
        if index(room, payload) < done.get(room, 0)
    ]
    assert resent_recorded == []
    # sent, but killed before parts_done (or the log, for the last part) recorded it
    unrecorded = [
        [(room, payload) for room, payload in sends[n] if index(room, payload) >= done.get(room, 0)]
        for n, done in enumerate(recorded)
    ]
    for lost_records in unrecorded:  # a part is recorded before the next one is sent
        assert max(Counter(room for room, _ in lost_records).values(), default=0) <= 1
    everything = Counter(send for worker in sends for send in worker)
    assert set(everything) == {(room, part) for room, own in parts.items() for part in own}
    resent = everything - Counter(set(everything))
    # every duplicate is a part whose record the kill prevented (not each such part need be
    # resent: its record's commit may reach the server after the snapshot was read)
    assert resent <= Counter(send for lost_records in unrecorded for send in lost_records)
    record_property("unrecorded_resends", resent.total())
    mid_send = [room for done in recorded for room, count in done.items() if 0 < count < 4]
    assert mid_send  # the kills did land between the parts of occurrences
    assert sends[-1]  # and the last worker still had work to take over
    logs = await _assert_one_success_log_each(mysql_engine, schedules)
    assert {len(responses_of(entry.api_response)) for entry in logs} == {4}
    async with session_factory(mysql_engine)() as s:
        states = Counter((await s.scalars(select(Occurrence.state))).all())
    assert states == Counter({"done": schedules})
