"""Reports: how long ``services.reports.build_report`` takes over a month of a network of
branch rooms (a campaign to every room twice a day plus one schedule of each room's own),
with replies, hourly room activity and link clicks, on SQLite and, when a MariaDB/MySQL
server is given, on MariaDB.

    python bench/report_bench.py [--rooms 300] [--days 30] [--repeat 3]
        [--mysql mysql+aiomysql://root@127.0.0.1:3306/test]

``--mysql`` (default: ``KBOT_TEST_MYSQL_URL`` when set) names a server: the bench creates a
database of its own there and drops it afterwards (``bench.campaign_bench.mysql_database``).
Prints, for headquarters (sees everything) and for an admin whose visibility is checked row
by row, the median milliseconds per report and the log rows per second.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import statistics
import tempfile
import time
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from typing import Any

from campaign_bench import mysql_database  # bench/ is the script's directory
from sqlalchemy import insert, select

from core.config import load_config
from services.logs import DateWindow
from services.reports import build_report
from storage.engagement_models import LinkClick, Reply, RoomActivity, ShortLink
from storage.engine import create_engine, session_factory
from storage.kbot_models import Campaign, Org, Room, ScheduleMeta
from storage.migrate import upgrade
from storage.models import Schedule, ScheduleLog

FIRST = date(2026, 10, 1)
START = datetime.combine(date(2026, 1, 1), clock_time())
SEND_HOURS = (9, 18)  # the campaign's two sends a day (local)


def _schedule(n: int, room: str, title: str) -> dict[str, Any]:
    return {
        "title": title,
        "created_by_type": "headquarters",
        "created_by_id": "HQ",
        "created_by_mb_id": "hq",
        "target_room_id": room,
        "target_room_type": "live",
        "message_text": "안내",
        "schedule_type": "daily",
        "schedule_time": clock_time(9),
        "valid_from": START,
        "valid_until": START + timedelta(days=700),
        "status": "active",
        "created_at": START,
        "updated_at": START,
    }


async def seed(url: str, rooms: int, days: int) -> tuple[int, int]:
    """Returns (log rows in the window, the HQ org id)."""
    cfg = load_config(env={"KBOT_DATABASE__URL": url})
    engine = create_engine(cfg.database, timezone=cfg.timezone)
    await upgrade(engine)
    now = START
    chats = [f"9{n:08d}" for n in range(rooms)]
    async with session_factory(engine)() as s, s.begin():
        hq = Org(type="headquarters", code="HQ", name="본사", created_at=now)
        s.add(hq)
        await s.flush()
        await s.execute(
            insert(Room),
            [
                {"chat_id": c, "name": f"{n}번 지점 공지방", "org_id": hq.id, "created_at": now}
                for n, c in enumerate(chats)
            ],
        )
        campaign = Campaign(title="벤치 캠페인", owner_org_id=hq.id, created_at=now)
        s.add(campaign)
        await s.flush()
        rows = [_schedule(n, c, "벤치 캠페인") for n, c in enumerate(chats)]
        rows += [_schedule(n, c, f"{n}번 지점 단독") for n, c in enumerate(chats)]
        await s.execute(insert(Schedule), rows)
        ids = list((await s.scalars(select(Schedule.id).order_by(Schedule.id))).all())
        await s.execute(
            insert(ScheduleMeta),
            [{"schedule_id": i, "campaign_id": campaign.id} for i in ids[:rooms]],
        )
        logs, activity = [], {}
        for day in range(days):
            for n, chat in enumerate(chats):
                for hour in SEND_HOURS:
                    at = datetime.combine(FIRST + timedelta(days=day), clock_time(hour))
                    logs.append(_log(ids[n], chat, at, n + day))
                at = datetime.combine(FIRST + timedelta(days=day), clock_time(12))
                logs.append(_log(ids[rooms + n], chat, at, n))
                for hour in (*SEND_HOURS, 12):
                    utc = at.replace(hour=hour) - timedelta(hours=9)
                    for h in (utc, utc + timedelta(hours=1)):
                        for week in range(5):
                            activity[(chat, h - timedelta(weeks=week))] = (n + day) % 7
        for chunk in range(0, len(logs), 5000):
            await s.execute(insert(ScheduleLog), logs[chunk : chunk + 5000])
        rows_in = [{"room_id": r, "hour": h, "messages": m} for (r, h), m in activity.items()]
        for chunk in range(0, len(rows_in), 5000):
            await s.execute(insert(RoomActivity), rows_in[chunk : chunk + 5000])
        log_ids = list((await s.scalars(select(ScheduleLog.id))).all())
        await s.execute(
            insert(Reply),
            [
                {"reply_id": f"r{i}", "src_echo_id": f"e{i}", "log_id": i, "room_id": chats[0],
                 "replied_at": now}
                for i in log_ids[::7]
            ],
        )  # fmt: skip
        for n, chat in enumerate(chats):
            url = f"https://example.com/{n}"
            digest = hashlib.sha256(url.encode()).hexdigest()
            link = ShortLink(code=f"b{n}", schedule_id=ids[n], room_id=chat, url=url,
                             url_hash=digest, created_at=now)  # fmt: skip
            s.add(link)
            await s.flush()
            clicks = [
                {"link_id": link.id, "visitor": f"v{d}",
                 "clicked_at": datetime.combine(FIRST + timedelta(days=d), clock_time(1))}
                for d in range(days)
            ]  # fmt: skip
            await s.execute(insert(LinkClick), clicks)
    await engine.dispose()
    return len(logs), hq.id


def _log(schedule_id: int, room: str, at: datetime, n: int) -> dict[str, Any]:
    status = "failed" if n % 13 == 0 else "success"
    confirmation = ("confirmed", "unconfirmed", "pending")[n % 3]
    return {
        "schedule_id": schedule_id,
        "target_room_id": room,
        "status": status,
        "api_response": {"confirmation": confirmation},
        "scheduled_at": at,
        "started_at": at + timedelta(seconds=n % 90),
        "created_at": at,
    }


async def measure(url: str, rooms: int, days: int, repeat: int) -> None:
    rows, hq = await seed(url, rooms, days)
    cfg = load_config(env={"KBOT_DATABASE__URL": url})
    engine = create_engine(cfg.database, timezone=cfg.timezone)
    sessions = session_factory(engine)
    window = DateWindow(FIRST, FIRST + timedelta(days=days - 1))
    for who, org_ids in (("headquarters", None), ("an org admin", {hq})):
        times = []
        for _ in range(repeat):
            began = time.perf_counter()
            async with sessions() as s:
                report = await build_report(s, org_ids, window, tz=cfg.tz)
            times.append(time.perf_counter() - began)
        assert sum(r.sends + r.missed for r in report.schedules) == rows
        median = statistics.median(times)
        print(
            f"{engine.dialect.name}: {who}, {rows:,} log rows ({rooms} rooms, {days} days): "
            f"{median * 1000:.0f} ms per report, {rows / median:,.0f} rows/s "
            f"(median of {repeat})",
            flush=True,
        )
    await engine.dispose()


def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/bench.db"
        asyncio.run(measure(url, args.rooms, args.days, args.repeat))
    if not args.mysql:
        print("mysql: skipped (no --mysql URL and KBOT_TEST_MYSQL_URL is not set)")
        return
    with mysql_database(args.mysql) as url:
        asyncio.run(measure(url, args.rooms, args.days, args.repeat))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rooms", type=int, default=300)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--mysql", default=os.environ.get("KBOT_TEST_MYSQL_URL"))
    main(parser.parse_args())
