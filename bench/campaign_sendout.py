"""Campaign send-out: one campaign to R rooms, registered through the real schedule service and
sent by the real scheduler, against the physical limit of its Iris devices.

    python bench/campaign_sendout.py [--rooms 500] [--devices 4] [--gap-ms 100]
        [--db-url sqlite+aiosqlite:///... | mysql+aiomysql://root@127.0.0.1:3306/test]

R live rooms of one org, round-robin over K devices (the rooms' ``device`` column), one
headquarters admin. ``CampaignService.create`` registers ``방: HQ 전체`` with a templated text
(``{지점명} {방이름} ...``, filled per room at send time) due ``--lead-s`` seconds later; the
registration time is printed. Then the scheduler sends the campaign through the real Iris
sender to the fake Iris of ``bench/pacing_bench.py`` (its own process, answering at once), with
``text_gap_ms`` = G per device and no budgets, and the send-out is measured as that bench does:
the bound (R/K - 1) x G, kbot's finish time, the efficiency (bound / finish) and the spacing on
one device. With budgets (``max_per_minute`` etc.) the bound is the budgets' instead: R/K sends
at ``max_per_minute`` a minute take R / (K x max_per_minute) minutes, and kbot waits for them.

The database is new for the run, as in ``pacing_bench.py`` (a MariaDB URL names the server:
the bench creates and drops a database of its own, ``--mysql-db``).
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
from pacing_bench import (
    FIRST_ROOM,
    Figures,
    bench_config,
    database,
    device_names,
    figures,
    serve_iris,
)
from sqlalchemy import func, insert, select
from sqlalchemy.engine import make_url

from bot.iris.build import open_sender
from core.clock import SystemClock
from core.config import Config
from core.timeutil import to_local_naive
from scheduler.service import Scheduler
from services.schedule_checks import Limits
from services.schedule_form import ScheduleForm
from services.schedule_targets import Targets
from services.schedules import ScheduleService
from storage.engine import create_engine, is_mysql, read_sessions, session_factory
from storage.kbot_models import Admin, Org, Room
from storage.migrate import upgrade
from storage.models import ScheduleLog

TEXT = "{지점명} 고객님, {날짜}({요일}) {시간} 특가 안내 ({방이름})"


class _NoScheduler:
    """The service's scheduler port while registering (the scheduler starts afterwards)."""

    def wake(self) -> None:
        pass

    async def send_now(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError


@dataclass(frozen=True)
class Run:
    registration_s: float
    sendout: Figures


async def seed(cfg: Config, rooms: int, devices: int) -> Admin:
    engine = create_engine(cfg.database, timezone=cfg.timezone)
    await upgrade(engine)
    names = device_names(devices)
    async with session_factory(engine)() as s, s.begin():
        s.add(Org(id=1, type="headquarters", code="HQ", name="본사"))
        await s.flush()
        admin = Admin(kakao_user_id="1000", org_id=1, name="벤치")
        s.add(admin)
        await s.execute(
            insert(Room),
            [
                {
                    "chat_id": str(FIRST_ROOM + n),
                    "name": f"지점 {n:05d} 공지방",
                    "org_id": 1,
                    "device": names[n % devices],
                }
                for n in range(rooms)
            ],
        )
    await engine.dispose()
    return admin


async def register(cfg: Config, admin: Admin, due: datetime) -> float:
    """Seconds ``CampaignService.create`` took for ``방: HQ 전체`` due at ``due``."""
    engine = create_engine(cfg.database, timezone=cfg.timezone)
    sessions = session_factory(engine)
    limits = Limits(cfg.scheduler.max_text_length, cfg.web.max_images_per_schedule)
    service = ScheduleService(
        sessions,
        read_sessions(sessions, cfg.database),
        SystemClock(),
        cfg.tz,
        limits,
        _NoScheduler(),
        cfg.data_path / "archive",
        "!",
    )
    local = to_local_naive(due, cfg.tz)
    form = ScheduleForm(
        title="캠페인 발송 벤치",
        room=Targets(org="HQ"),
        schedule_type="once",
        schedule_date=local.date(),
        schedule_time=local.time(),
        send_interval_seconds=0,
        message_text=TEXT,
    )
    started = time.perf_counter()
    await service.campaigns.create(form, admin, current_room_id="")
    took = time.perf_counter() - started
    await engine.dispose()
    return took


async def run(args: argparse.Namespace, db_url: str) -> Run:
    loop = asyncio.get_running_loop()
    conn, child_conn = multiprocessing.Pipe()
    iris = multiprocessing.get_context("spawn").Process(
        target=serve_iris, args=(args.rooms, 0.0, child_conn), daemon=True
    )
    iris.start()
    iris_url: str = await loop.run_in_executor(None, conn.recv)
    cfg = bench_config(db_url, iris_url, args.devices, args.gap_ms)
    admin = await seed(cfg, args.rooms, args.devices)
    due = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=args.lead_s)
    registration = await register(cfg, admin, due)
    if datetime.now(UTC) >= due:
        raise SystemExit(f"registration took {registration:.1f} s: raise --lead-s")
    due_mono = time.monotonic() + (due - datetime.now(UTC)).total_seconds()
    engine = create_engine(cfg.database, timezone=cfg.timezone)
    sessions = session_factory(engine)
    clock = SystemClock()
    async with aiohttp.ClientSession() as http, open_sender(cfg, http, sessions, clock) as opened:
        scheduler = Scheduler(cfg, sessions, opened[0], clock, mysql=is_mysql(engine))
        scheduler.start()
        arrivals: dict[str, list[float]] = await loop.run_in_executor(None, conn.recv)
        await scheduler.drain()
        await scheduler.stop()
    conn.send("stop")
    await loop.run_in_executor(None, iris.join)
    async with sessions() as s:
        query = select(func.count()).where(ScheduleLog.status == "success")
        success = int((await s.execute(query)).scalar_one())
    await engine.dispose()
    return Run(
        registration, figures(arrivals, args.rooms, args.gap_ms / 1000, due_mono, success, 0)
    )


async def main(args: argparse.Namespace) -> None:
    if args.rooms < args.devices or args.devices < 1 or args.gap_ms <= 0:
        raise SystemExit("need --devices >= 1, --rooms >= --devices and --gap-ms > 0")
    async with database(args.db_url, args.mysql_db) as url:
        result = await run(args, url)
        dialect = make_url(url).get_backend_name()
    print(f"{dialect}: campaign of {args.rooms} rooms registered in {result.registration_s:.3f} s")
    print(result.sendout.report(dialect))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rooms", type=int, default=500, help="R (default 500)")
    parser.add_argument("--devices", type=int, default=4, help="K (default 4)")
    parser.add_argument("--gap-ms", type=int, default=100, help="text_gap_ms G (default 100)")
    parser.add_argument(
        "--lead-s", type=int, default=15, help="the campaign is due this long after now"
    )
    parser.add_argument("--db-url", help="default: a SQLite file in a temporary directory")
    parser.add_argument(
        "--mysql-db",
        default="kbot_bench_campaign_sendout",
        help="MySQL/MariaDB: the database the bench creates and drops (default %(default)s)",
    )
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
