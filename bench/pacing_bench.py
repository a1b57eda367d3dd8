"""Pacing proof: with pacing on, kbot reaches the physical limit of its Iris devices.

    python bench/pacing_bench.py [--rooms 400] [--devices 4] [--gap-ms 300] [--iris-delay-ms 0]
        [--db-url sqlite+aiosqlite:///... | mysql+aiomysql://root@127.0.0.1:3306/test]

R rooms (``--rooms``), one text schedule each, all due at the same second, spread
round-robin over K Iris devices (``--devices``) through the rooms' ``device`` column, as
production assigns them. Each device has ``text_gap_ms`` = G (``--gap-ms``), ``jitter_ms`` 0,
no budgets and the breaker off (the fake Iris does not echo, so nothing is ever confirmed).
They are sent by the real ``Scheduler`` through the real sender (``bot.iris.build.open_sender``,
so whatever gates production puts on a device are there too), over HTTP, to a fake Iris in its
own process that answers ``/reply`` at once and records when each request arrived, per device
(each device's URL ends in its own path).

The physical bound: n sends on one device with a gap of G between consecutive ones can finish
no sooner than (n - 1) x G after its first send. Printed: R, K, G, the bound (the largest
over the devices), kbot's finish time (last arrival minus first arrival, per device, the
largest over the devices), efficiency = bound / finish time (the target is >= 0.97), the
spacing between two consecutive requests on one device (min, median, p99, max: the min must
be >= G), the mean spacing minus G (the round trip and kbot's own cost), how late the first
request was, and how many sends were logged ``success``.

A device's gap runs from when it answered (``bot.iris.devices``: Iris answers before it sends),
so each spacing is G plus one round trip plus kbot's wake-up: efficiency is about
G / (G + round trip + ~1 ms). Over loopback the round trip is ~2 ms; ``--iris-delay-ms`` makes
the fake Iris answer that much later, as a phone on Wi-Fi does, to show what that costs.

The database is new for the run: the default is a SQLite file in a temporary directory. A
MySQL/MariaDB URL names the server and credentials only: the bench works in a database of its
own there (``--mysql-db``, default ``kbot_bench_pacing``), dropped and created for the run and
dropped afterwards, never the URL's own database (other people's tests may be using it).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import math
import multiprocessing
import statistics
import tempfile
import time
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection

import aiohttp
import pymysql
from aiohttp import web
from sqlalchemy import func, insert, select
from sqlalchemy.engine import make_url

from bot.iris.build import DEFAULT_DEVICE, open_sender
from core.clock import SystemClock
from core.config import Config
from scheduler.service import Scheduler
from storage.engine import create_engine, is_mysql, session_factory
from storage.kbot_models import Org, Room
from storage.migrate import upgrade
from storage.models import Schedule, ScheduleLog

FIRST_ROOM = 10_000


class PacedIris:
    """Answers ``POST /{device}/reply`` at once (and ``GET /{device}/config``) and records
    the arrival time of every ``/reply`` per device, on the system-wide monotonic clock."""

    def __init__(self, expected: int, delay_s: float = 0.0) -> None:
        self.arrivals: dict[str, list[float]] = defaultdict(list)
        self.all_arrived = asyncio.Event()
        self._expected = expected
        self._delay_s = delay_s
        self._count = 0
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/{device}/reply", self._reply)
        app.router.add_get("/{device}/config", self._config)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _reply(self, request: web.Request) -> web.Response:
        arrived = time.monotonic()  # before reading the body: when the request came
        await request.read()
        self.arrivals[request.match_info["device"]].append(arrived)
        self._count += 1
        if self._count >= self._expected:
            self.all_arrived.set()
        if self._delay_s > 0:
            await asyncio.sleep(self._delay_s)
        return web.json_response({"success": True, "message": "success"})

    async def _config(self, request: web.Request) -> web.Response:
        return web.json_response({"bot_id": 1, "bot_name": "bench"})


def serve_iris(expected: int, delay_s: float, conn: Connection) -> None:
    """The fake Iris's own process (a real device does not share the bot's CPU): sends its
    URL, then the arrivals per device once ``expected`` requests have come."""

    async def run() -> None:
        iris = PacedIris(expected, delay_s)
        await iris.start()
        conn.send(iris.url)
        await iris.all_arrived.wait()
        conn.send(dict(iris.arrivals))
        await asyncio.get_running_loop().run_in_executor(None, conn.recv)  # until told to stop
        await iris.close()

    asyncio.run(run())


def device_names(devices: int) -> list[str]:
    """``[bot.iris]`` is the device "default"; the others are ``[[bot.iris.devices]]``."""
    return [DEFAULT_DEVICE, *(f"d{n}" for n in range(1, devices))]


def bench_config(db_url: str, iris_url: str, devices: int, gap_ms: int) -> Config:
    paced = {
        "text_gap_ms": gap_ms,
        "jitter_ms": 0,
        "max_per_minute": 0,
        "max_per_hour": 0,
        "max_per_day": 0,
        "breaker_unconfirmed": 0,  # the fake Iris never echoes: nothing is ever confirmed
    }
    names = device_names(devices)
    return Config.model_validate(
        {
            "database": {"url": db_url},
            "bot": {
                "transport": "iris",
                "webhook_token": "bench",
                "iris": {
                    "url": f"{iris_url}/{names[0]}",
                    **paced,
                    "devices": [
                        {"name": name, "url": f"{iris_url}/{name}", **paced} for name in names[1:]
                    ],
                },
            },
            "scheduler": {"misfire_grace_s": 3600},
        }
    )


async def seed(cfg: Config, rooms: int, devices: int, due: datetime) -> None:
    """One org, ``rooms`` rooms round-robin over the devices, one text schedule per room, all
    due at ``due``."""
    engine = create_engine(cfg.database, timezone=cfg.timezone)
    await upgrade(engine)
    local_due = due.astimezone(cfg.tz).replace(tzinfo=None)
    names = device_names(devices)
    async with session_factory(engine)() as s, s.begin():
        s.add(Org(id=1, type="headquarters", code="HQ", name="본사"))
        await s.flush()
        await s.execute(
            insert(Room),
            [
                {
                    "chat_id": str(FIRST_ROOM + n),
                    "name": f"r{n}",
                    "org_id": 1,
                    "device": names[n % devices],
                }
                for n in range(rooms)
            ],
        )
        await s.execute(
            insert(Schedule),
            [
                {
                    "title": "pacing",
                    "created_by_type": "headquarters",
                    "created_by_id": "HQ",
                    "created_by_mb_id": "bench",
                    "schedule_type": "daily",
                    "schedule_time": local_due.time(),
                    "valid_from": local_due - timedelta(days=1),
                    "valid_until": local_due + timedelta(days=365),
                    "next_send_at": local_due,
                    "send_interval_seconds": 0,
                    "target_room_id": str(FIRST_ROOM + n),
                    "message_text": f"pacing {n}",
                }
                for n in range(rooms)
            ],
        )
    await engine.dispose()


@dataclass(frozen=True)
class Figures:
    rooms: int
    devices: int
    gap_s: float
    bound_s: float
    finish_s: float
    spacings: list[float]
    first_late_s: float
    logged_success: int
    delay_ms: int

    @property
    def efficiency(self) -> float:
        return self.bound_s / self.finish_s if self.finish_s > 0 else math.nan

    def report(self, dialect: str) -> str:
        gaps = sorted(self.spacings)
        p99 = gaps[max(0, math.ceil(len(gaps) * 0.99) - 1)]
        overhead_ms = 1000 * (statistics.fmean(gaps) - self.gap_s)
        verdict = "OK" if self.efficiency >= 0.97 and gaps[0] >= self.gap_s else "BELOW TARGET"
        return (
            f"{dialect}: R={self.rooms} rooms, K={self.devices} devices, "
            f"G={1000 * self.gap_s:.0f} ms, Iris answers after {self.delay_ms} ms\n"
            f"  bound (R/K - 1) x G      {self.bound_s:.3f} s\n"
            f"  kbot finish (max/device) {self.finish_s:.3f} s\n"
            f"  efficiency               {self.efficiency:.4f}  (target >= 0.97: {verdict})\n"
            f"  spacing on one device    min {1000 * gaps[0]:.1f} ms, "
            f"p50 {1000 * statistics.median(gaps):.1f} ms, p99 {1000 * p99:.1f} ms, "
            f"max {1000 * gaps[-1]:.1f} ms (must be >= {1000 * self.gap_s:.0f} ms)\n"
            f"  mean spacing - G         {overhead_ms:.2f} ms (Iris round trip + kbot's wake-up)\n"
            f"  first request            {self.first_late_s:.3f} s after the due second; "
            f"{self.logged_success} of {self.rooms} logged success"
        )


def figures(
    arrivals: dict[str, list[float]],
    rooms: int,
    gap_s: float,
    due_mono: float,
    success: int,
    delay_ms: int,
) -> Figures:
    bound = finish = 0.0
    spacings: list[float] = []
    for times in arrivals.values():
        times = sorted(times)
        bound = max(bound, (len(times) - 1) * gap_s)
        finish = max(finish, times[-1] - times[0])
        spacings += [b - a for a, b in itertools.pairwise(times)]
    first = min(min(times) for times in arrivals.values())
    return Figures(
        rooms, len(arrivals), gap_s, bound, finish, spacings, first - due_mono, success, delay_ms
    )


@asynccontextmanager
async def database(url: str | None, mysql_db: str) -> AsyncIterator[str]:
    """The database URL for the run: a SQLite file in a temporary directory, or a database of
    the bench's own on the given MySQL/MariaDB server, created empty and dropped afterwards."""
    if url is None or make_url(url).get_backend_name() == "sqlite":
        with tempfile.TemporaryDirectory(prefix="kbot-pacing-") as tmp:
            yield url or f"sqlite+aiosqlite:///{tmp}/kbot.db"
        return
    if not mysql_db.replace("_", "").isalnum():
        raise SystemExit("--mysql-db: letters, digits and _ only")
    parsed = make_url(url)
    server = pymysql.connect(
        host=parsed.host or "127.0.0.1",
        port=parsed.port or 3306,
        user=parsed.username or "root",
        password=parsed.password or "",
        autocommit=True,
    )
    with server, server.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS `{mysql_db}`")
        cur.execute(
            f"CREATE DATABASE `{mysql_db}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
        )
        try:
            yield parsed.set(database=mysql_db).render_as_string(hide_password=False)
        finally:
            cur.execute(f"DROP DATABASE IF EXISTS `{mysql_db}`")


async def run(db_url: str, rooms: int, devices: int, gap_ms: int, delay_ms: int) -> Figures:
    loop = asyncio.get_running_loop()
    conn, child_conn = multiprocessing.Pipe()
    iris = multiprocessing.get_context("spawn").Process(
        target=serve_iris, args=(rooms, delay_ms / 1000, child_conn), daemon=True
    )
    iris.start()
    iris_url: str = await loop.run_in_executor(None, conn.recv)
    cfg = bench_config(db_url, iris_url, devices, gap_ms)
    due = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=3)
    await seed(cfg, rooms, devices, due)
    due_mono = time.monotonic() + (due - datetime.now(UTC)).total_seconds()
    engine = create_engine(cfg.database, timezone=cfg.timezone)
    sessions = session_factory(engine)
    clock = SystemClock()
    async with aiohttp.ClientSession() as http, open_sender(cfg, http, sessions, clock) as opened:
        sender = opened[0]
        scheduler = Scheduler(cfg, sessions, sender, clock, mysql=is_mysql(engine))
        scheduler.start()  # it sleeps until the due second, then claims every room at once
        arrivals: dict[str, list[float]] = await loop.run_in_executor(None, conn.recv)
        await scheduler.drain()
        await scheduler.stop()
    conn.send("stop")
    await loop.run_in_executor(None, iris.join)
    async with sessions() as s:
        query = select(func.count()).where(ScheduleLog.status == "success")
        success = int((await s.execute(query)).scalar_one())
    await engine.dispose()
    return figures(arrivals, rooms, gap_ms / 1000, due_mono, success, delay_ms)


async def main(args: argparse.Namespace) -> None:
    if args.rooms < args.devices or args.devices < 1 or args.gap_ms <= 0:
        raise SystemExit("need --devices >= 1, --rooms >= --devices and --gap-ms > 0")
    async with database(args.db_url, args.mysql_db) as url:
        result = await run(url, args.rooms, args.devices, args.gap_ms, args.iris_delay_ms)
        dialect = make_url(url).get_backend_name()
    print(result.report(dialect))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rooms", type=int, default=400, help="R (default 400)")
    parser.add_argument("--devices", type=int, default=4, help="K (default 4)")
    parser.add_argument("--gap-ms", type=int, default=300, help="text_gap_ms G (default 300)")
    parser.add_argument(
        "--iris-delay-ms",
        type=int,
        default=0,
        help="the fake Iris answers this late (a phone on Wi-Fi); default 0",
    )
    parser.add_argument("--db-url", help="default: a SQLite file in a temporary directory")
    parser.add_argument(
        "--mysql-db",
        default="kbot_bench_pacing",
        help="MySQL/MariaDB: the database the bench creates and drops (default %(default)s)",
    )
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
