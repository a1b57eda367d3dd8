"""Scheduler throughput: N schedules due at once over R rooms, sent over real HTTP to a fast
fake Iris in its own process (no pacing, no room interval), on SQLite or MariaDB.

    python -m bench.scheduler_bench [--schedules 10000] [--rooms 1000] [--stored 0]
        [--devices 8] [--claim-batch N] [--max-concurrent-sends N]
        [--holiday-policy skip] [--rules]
        [--database sqlite+aiosqlite:///tmp/bench.db | mysql+aiomysql://root@127.0.0.1/bench]

The database is created from scratch (SQLite file removed; a MySQL database must exist and
be empty). ``--stored`` adds that many more schedules, due tomorrow, to measure memory with
a large table. ``--devices`` spreads the rooms round-robin over that many Iris devices (the
rooms' ``device`` column, as production does; every device points at the one fake Iris).
One device takes one request at a time (Iris drops a request that arrives while it is busy,
see ``bot.iris.devices``), which over loopback caps it near 2,000 sends/s: ``--devices 1`` shows
that cap, the default of 8 measures the scheduler instead. ``--holiday-policy`` sets
``scheduler.holiday_policy`` (every schedule's due time is then checked against the holiday
calendar); ``--rules`` gives every schedule a ``kbot_schedule_rules`` row (policy skip and a
large ``횟수``: the batch's rules rows are read and their ``sends_done`` counted). Prints
occurrences/s, lateness
p50/p99 (first arrival at Iris minus due time), the bot process's CPU time per occurrence and
peak RSS.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import resource
import statistics
import time
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path

import aiohttp
from aiohttp import web
from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from bot.iris.client import IrisSender
from bot.iris.devices import IrisDevice
from core.clock import SystemClock
from core.config import load_config
from scheduler.rules import HOLIDAY_POLICIES
from scheduler.schedule_rule import fingerprint
from scheduler.service import Scheduler
from storage.engine import create_engine, is_mysql, session_factory
from storage.kbot_models import Org, Room, ScheduleRule
from storage.migrate import upgrade
from storage.models import Schedule


class FastIris:
    """Answers every ``POST /reply`` at once and records its arrival time."""

    def __init__(self, expected: int) -> None:
        self.arrivals: list[float] = []
        self.all_arrived = asyncio.Event()
        self._expected = expected
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/reply", self._reply)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _reply(self, request: web.Request) -> web.Response:
        await request.read()
        self.arrivals.append(time.time())
        if len(self.arrivals) >= self._expected:
            self.all_arrived.set()
        return web.json_response({"success": True, "message": "success"})


def serve_iris(expected: int, conn: Connection) -> None:
    """The fake Iris's own process (like a real device, it does not share the bot's CPU):
    sends its URL, then the arrival times once ``expected`` requests have come."""

    async def run() -> None:
        iris = FastIris(expected)
        await iris.start()
        conn.send(iris.url)
        await iris.all_arrived.wait()
        conn.send(iris.arrivals)
        await asyncio.get_running_loop().run_in_executor(None, conn.recv)  # until told to stop
        await iris.close()

    asyncio.run(run())


def _cpu_s() -> float:
    """CPU seconds (user and system) this process has used: the bot's cost, which unlike
    the rate does not depend on what else the machine is running."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def device_of(room: int, devices: int) -> str:
    """The Iris device that serves room number ``room`` (round-robin)."""
    return f"d{room % devices}"


async def seed(
    url: str, schedules: int, stored: int, rooms: int, devices: int, due: datetime, rules: bool
) -> None:
    cfg = load_config(env={"KBOT_DATABASE__URL": url})
    engine = create_engine(cfg.database, timezone=cfg.timezone)
    await upgrade(engine)
    local_due = due.astimezone(load_config(env={}).tz).replace(tzinfo=None)
    async with session_factory(engine)() as s, s.begin():
        s.add(Org(id=1, type="headquarters", code="HQ", name="본사"))
        await s.flush()
        await s.execute(
            insert(Room),
            [
                {
                    "chat_id": str(10_000 + n),
                    "name": f"r{n}",
                    "org_id": 1,
                    "device": device_of(n, devices),
                }
                for n in range(rooms)
            ],
        )
        base = {
            "title": "bench",
            "created_by_type": "headquarters",
            "created_by_id": "HQ",
            "created_by_mb_id": "bench",
            "schedule_type": "daily",
            "schedule_time": local_due.time(),
            "valid_from": local_due - timedelta(days=365),
            "valid_until": local_due + timedelta(days=3650),
            "next_send_at": local_due,
            "send_interval_seconds": 0,
        }
        tomorrow = local_due + timedelta(days=1)
        for start in range(0, schedules + stored, 2000):
            await s.execute(
                insert(Schedule),
                [
                    {
                        **base,
                        "target_room_id": str(10_000 + n % rooms),
                        "message_text": f"m{n}",
                        "next_send_at": local_due if n < schedules else tomorrow,
                    }
                    for n in range(start, min(schedules + stored, start + 2000))
                ],
            )
        if rules:
            await add_rules(s, schedules + stored, local_due)
    await engine.dispose()


async def add_rules(s: AsyncSession, count: int, local_due: datetime) -> None:
    """A rules row for each schedule, as the services write it (``make_due`` sets their
    fingerprints again when it moves the rows' time)."""
    rule = {
        "holiday_policy": "skip",
        "max_sends": 1_000_000,
        "seed_fingerprint": None,  # set by make_due
        "updated_at": local_due,
    }
    for start in range(0, count, 2000):
        await s.execute(
            insert(ScheduleRule),
            [{**rule, "schedule_id": n + 1} for n in range(start, min(count, start + 2000))],
        )


async def make_due(url: str, schedules: int, due: datetime) -> None:
    """Point the first ``schedules`` rows at ``due`` (seeding many rows takes a while)."""
    cfg = load_config(env={"KBOT_DATABASE__URL": url})
    engine = create_engine(cfg.database, timezone=cfg.timezone)
    local_due = due.astimezone(load_config(env={}).tz).replace(tzinfo=None)
    async with session_factory(engine)() as s, s.begin():
        await s.execute(
            update(Schedule)
            .where(Schedule.id <= schedules)
            .values(next_send_at=local_due, schedule_time=local_due.time())
        )
        first = await s.get(Schedule, 1)
        assert first is not None
        # every due row has the seed columns of the first: the fingerprint services would write
        await s.execute(update(ScheduleRule).values(seed_fingerprint=fingerprint(first)))
    await engine.dispose()


async def main(args: argparse.Namespace) -> None:
    url, schedules = args.database, args.schedules
    now = datetime.now(UTC)
    await seed(url, schedules, args.stored, args.rooms, args.devices, now, args.rules)
    due = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=2)
    await make_due(url, schedules, due)
    conn, child_conn = multiprocessing.Pipe()
    iris = multiprocessing.get_context("spawn").Process(
        target=serve_iris, args=(schedules, child_conn), daemon=True
    )
    iris.start()
    loop = asyncio.get_running_loop()
    iris_url = await loop.run_in_executor(None, conn.recv)
    cfg = load_config(
        env={
            "KBOT_DATABASE__URL": url,
            "KBOT_SCHEDULER__ROOM_MIN_INTERVAL_S": "0",
            "KBOT_SCHEDULER__ROOM_DAILY_LIMIT": "100000",
            "KBOT_SCHEDULER__MISFIRE_GRACE_S": "3600",
            **{
                f"KBOT_SCHEDULER__{name.upper()}": str(value)
                for name, value in (
                    ("claim_batch", args.claim_batch),
                    ("max_concurrent_sends", args.max_concurrent_sends),
                    ("holiday_policy", args.holiday_policy),
                )
                if value is not None
            },
        }
    )
    engine = create_engine(cfg.database, timezone=cfg.timezone)
    clock = SystemClock()
    async with aiohttp.ClientSession() as http:
        devices = [
            IrisDevice(device_of(n, args.devices), iris_url, 0, 0, 10) for n in range(args.devices)
        ]
        sender = IrisSender(
            http,
            devices,
            clock,
            room_device=lambda room: device_of(int(room) - 10_000, args.devices),
        )
        await sender.start()
        scheduler = Scheduler(cfg, session_factory(engine), sender, clock, mysql=is_mysql(engine))
        await asyncio.sleep(max(0.0, (due - datetime.now(UTC)).total_seconds()))
        began, cpu_began = time.time(), _cpu_s()
        scheduler.start()
        arrivals: list[float] = await loop.run_in_executor(None, conn.recv)
        elapsed, cpu = time.time() - began, _cpu_s() - cpu_began
        await scheduler.drain()
        await scheduler.stop()
        await sender.close()
    conn.send("stop")
    await loop.run_in_executor(None, iris.join)
    async with session_factory(engine)() as s:
        kept, counted = (
            await s.execute(select(func.count(), func.sum(ScheduleRule.sends_done)))
        ).one()
    await engine.dispose()
    lateness = sorted(t - due.timestamp() for t in arrivals)
    p99 = lateness[int(len(lateness) * 0.99) - 1]
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{engine.dialect.name}: {schedules} occurrences over {args.rooms} rooms "
        f"and {args.devices} Iris devices ({args.stored} more stored) in {elapsed:.1f}s = "
        f"{schedules / elapsed:.0f} occurrences/s; lateness p50 {statistics.median(lateness):.2f}s "
        f"p99 {p99:.2f}s; bot CPU {1000 * cpu / schedules:.2f} ms/occurrence; "
        f"peak RSS {rss_mb:.0f} MB; holiday_policy {cfg.scheduler.holiday_policy}, "
        f"rules rows {kept} (sends_done total {counted or 0})"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schedules", type=int, default=10_000)
    parser.add_argument("--rooms", type=int, default=1_000)
    parser.add_argument("--stored", type=int, default=0)
    parser.add_argument("--devices", type=int, default=8)
    parser.add_argument("--claim-batch", type=int)
    parser.add_argument("--max-concurrent-sends", type=int)
    parser.add_argument("--holiday-policy", choices=HOLIDAY_POLICIES)
    parser.add_argument("--rules", action="store_true")
    parser.add_argument("--database", default="sqlite+aiosqlite:////tmp/kbot_bench.db")
    args = parser.parse_args()
    parsed = make_url(args.database)
    if parsed.get_backend_name() == "sqlite" and parsed.database:
        Path(parsed.database).unlink(missing_ok=True)
    asyncio.run(main(args))
