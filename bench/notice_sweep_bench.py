"""Live notices: how long one sweep of ``scheduler.notices.Notices`` (every 5 s in every kbot
process) takes over a large send log: ``--schedules`` schedules of their own, each sent daily
for ``--days`` days (2,000 x 500 = a million ``kb_schedule_logs`` rows by default), one in
``--all-every`` of them with ``알림: 모두``, plus a campaign of ``--campaign-rooms`` rows with
``알림: 모두``; on SQLite and, when a MariaDB/MySQL server is given, on MariaDB.

    python bench/notice_sweep_bench.py [--schedules 2000] [--days 500] [--all-every 10]
        [--campaign-rooms 100] [--repeat 5] [--no-sqlite]
        [--mysql mysql+aiomysql://root@127.0.0.1:3306/test]

The first sweep sends the day's notices (to a notify that only counts them); the sweeps after
it find them claimed, as every sweep does in steady state. Prints both, in milliseconds
(median of ``--repeat`` for the steady state), and on MariaDB the plan of the sweep's query.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from typing import Any

from campaign_bench import mysql_database  # bench/ is the script's directory
from sqlalchemy import insert, select

from core.alerts import Alert
from core.config import load_config
from scheduler.context import Deps
from scheduler.image_files import ImageFiles
from scheduler.notices import LOOKBACK, Notices, due_logs, first_log_since
from storage.engine import create_engine, is_mysql, session_factory
from storage.kbot_models import Campaign, Occurrence, Org, Room, ScheduleMeta
from storage.migrate import upgrade
from storage.models import Schedule, ScheduleLog

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)  # 19:00 in Seoul
SEND_AT = clock_time(9)  # each schedule's daily send (local)
CHUNK = 10_000


class FixedClock:
    """Now stands still: every sweep sees the same day."""

    def now(self) -> datetime:
        return NOW

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(0)


def _schedule(n: int, title: str) -> dict[str, Any]:
    start = NOW.replace(tzinfo=None) - timedelta(days=800)
    return {
        "title": title,
        "created_by_type": "headquarters",
        "created_by_id": "HQ",
        "created_by_mb_id": "hq",
        "target_room_id": f"9{n:08d}",
        "target_room_type": "live",
        "message_text": "안내",
        "schedule_type": "daily",
        "schedule_time": SEND_AT,
        "valid_from": start,
        "valid_until": start + timedelta(days=1600),
        "status": "active",
        "created_at": start,
        "updated_at": start,
    }


async def seed(url: str, args: argparse.Namespace) -> int:
    """The rows; returns how many log rows there are."""
    cfg = load_config(env={"KBOT_DATABASE__URL": url})
    engine = create_engine(cfg.database, timezone=cfg.timezone)
    await upgrade(engine)
    at = NOW.replace(tzinfo=None)
    total = args.schedules + args.campaign_rooms
    async with session_factory(engine)() as s, s.begin():
        hq = Org(type="headquarters", code="HQ", name="본사", created_at=at)
        s.add(hq)
        await s.flush()
        rooms = [
            {"chat_id": f"9{n:08d}", "name": f"{n}번 방", "org_id": hq.id, "created_at": at}
            for n in range(total)
        ]
        await s.execute(insert(Room), rooms)
        campaign = Campaign(title="벤치", owner_org_id=hq.id, created_at=at, base_time=SEND_AT)
        s.add(campaign)
        await s.flush()
        titles = [f"{n}번 공지" for n in range(args.schedules)] + ["벤치"] * args.campaign_rooms
        await s.execute(insert(Schedule), [_schedule(n, t) for n, t in enumerate(titles)])
        ids = list((await s.scalars(select(Schedule.id).order_by(Schedule.id))).all())
        metas = []
        for n, schedule_id in enumerate(ids):
            row: dict[str, Any] = {"schedule_id": schedule_id, "notify_room_id": "900000000"}
            if n >= args.schedules:
                row.update(campaign_id=campaign.id, notify="all")
            elif n % args.all_every == 0:
                row["notify"] = "all"
            metas.append(row)
        await s.execute(insert(ScheduleMeta), metas)
    logs = 0
    today = datetime.combine((NOW + timedelta(hours=9)).date(), SEND_AT)
    for day in range(args.days):  # oldest first, as the table grows
        sent = today - timedelta(days=args.days - 1 - day)
        batch = [
            {
                "schedule_id": schedule_id,
                "target_room_id": f"9{n:08d}",
                "status": "failed" if (n + day) % 50 == 0 else "success",
                "api_response": {"confirmation": "confirmed"},
                "scheduled_at": sent,
                "started_at": sent,
                "created_at": sent,
            }
            for n, schedule_id in enumerate(ids)
        ]
        async with session_factory(engine)() as s, s.begin():
            for chunk in range(0, len(batch), CHUNK):
                await s.execute(insert(ScheduleLog), batch[chunk : chunk + CHUNK])
        logs += len(batch)
    async with session_factory(engine)() as s, s.begin():  # the last days' occurrences
        recent = await s.execute(
            select(ScheduleLog.id, ScheduleLog.schedule_id, ScheduleLog.target_room_id,
                   ScheduleLog.scheduled_at)
            .where(ScheduleLog.scheduled_at >= today - timedelta(days=2))
        )  # fmt: skip
        occurrences = [
            {"schedule_id": sid, "scheduled_at": when, "kind": "scheduled",
             "target_room_id": room, "state": "done", "log_id": log_id, "created_at": at}
            for log_id, sid, room, when in recent
        ]  # fmt: skip
        for chunk in range(0, len(occurrences), CHUNK):
            await s.execute(insert(Occurrence), occurrences[chunk : chunk + CHUNK])
    await engine.dispose()
    return logs


async def measure(url: str, args: argparse.Namespace) -> None:
    began = time.perf_counter()
    logs = await seed(url, args)
    seeded_s = time.perf_counter() - began
    cfg = load_config(env={"KBOT_DATABASE__URL": url})
    engine = create_engine(cfg.database, timezone=cfg.timezone)
    sent: list[Alert] = []

    async def notify(alert: Alert) -> None:
        sent.append(alert)

    deps = Deps(
        sessions=session_factory(engine),
        clock=FixedClock(),
        settings=cfg.scheduler,
        tz=cfg.tz,
        owner="bench",
        mysql=is_mysql(engine),
        images=ImageFiles.of(cfg.web),
        notify=notify,
    )
    notices = Notices(deps)
    began = time.perf_counter()
    await notices.sweep()
    first_ms = (time.perf_counter() - began) * 1000
    times = []
    for _ in range(args.repeat):
        began = time.perf_counter()
        again = await notices.sweep()
        times.append((time.perf_counter() - began) * 1000)
        assert again == 0, "a steady-state sweep sent a notice twice"
    name = engine.dialect.name
    print(
        f"{name}: {logs:,} log rows ({seeded_s:.0f} s to seed), {len(sent)} notices: first "
        f"sweep {first_ms:.0f} ms, steady-state sweep {statistics.median(times):.1f} ms "
        f"(median of {args.repeat})",
        flush=True,
    )
    if is_mysql(engine):
        since = deps.local_now() - LOOKBACK
        async with engine.connect() as conn:
            first = await conn.scalar(first_log_since(since))
            for query in (first_log_since(since), due_logs(since, first or 0)):
                compiled = query.compile(
                    engine.sync_engine, compile_kwargs={"render_postcompile": True}
                )
                params = tuple(compiled.params[key] for key in compiled.positiontup or ())
                for row in await conn.exec_driver_sql(f"EXPLAIN {compiled}", params):
                    print(f"  plan: {row.table} type={row.type} key={row.key} rows={row.rows}")
    await engine.dispose()


def main(args: argparse.Namespace) -> None:
    if not args.no_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            asyncio.run(measure(f"sqlite+aiosqlite:///{tmp}/bench.db", args))
    if not args.mysql:
        print("mysql: skipped (no --mysql URL and KBOT_TEST_MYSQL_URL is not set)")
        return
    with mysql_database(args.mysql) as url:
        asyncio.run(measure(url, args))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--schedules", type=int, default=2000)
    parser.add_argument("--days", type=int, default=500)
    parser.add_argument("--all-every", type=int, default=10)
    parser.add_argument("--campaign-rooms", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-sqlite", action="store_true", help="MariaDB only")
    parser.add_argument("--mysql", default=os.environ.get("KBOT_TEST_MYSQL_URL"))
    main(parser.parse_args())
