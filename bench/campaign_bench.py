"""Campaign registration: how long ``CampaignService.create`` takes for a campaign over every
live room of an org subtree (``방: ORG 전체``) of 500 and of 5,000 rooms, on SQLite and, when
a MariaDB/MySQL server is given, on MariaDB. The promise (issue 16) is under 2 s for 500 rooms
on MariaDB.

    python bench/campaign_bench.py [--rooms 500 5000] [--repeat 3]
        [--mysql mysql+aiomysql://root@127.0.0.1:3306/test]

``--mysql`` (default: ``KBOT_TEST_MYSQL_URL`` when set) names a server: the bench creates a
database of its own there and drops it afterwards. Each size gets its own distributor with
agencies and branches of 10 rooms each; the actor is that distributor's admin (so every room
is permission-checked against a subtree, not waved through as headquarters). The figure is
the median wall time of ``--repeat`` registrations, each a whole transaction (resolve, check
the template per room, write the rows, their meta and audit entries).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from datetime import time as clock_time
from pathlib import Path

import pymysql
from sqlalchemy import insert, select
from sqlalchemy.engine import make_url

from core.clock import SystemClock
from core.config import load_config
from services.campaigns import CampaignService
from services.schedule_checks import Limits
from services.schedule_deps import ScheduleDeps
from services.schedule_form import ScheduleForm
from services.schedule_targets import Targets
from storage.engine import create_engine, read_sessions, session_factory
from storage.kbot_models import Admin, Org, Room
from storage.migrate import upgrade

ROOMS_PER_BRANCH = 10
BRANCHES_PER_AGENCY = 50
FORM = ScheduleForm(
    title="벤치 캠페인",
    schedule_type="daily",
    schedule_time=clock_time(10, 0),
    message_text="{지점명} {방이름} 여러분, 오늘의 공지입니다.",
    spread_s=1800,
)


class NoScheduler:
    """The scheduler port: nothing to wake in a bench."""

    def wake(self) -> None:
        pass

    async def send_now(self, *args: object, **kwargs: object) -> object:
        raise NotImplementedError


async def seed(url: str, sizes: list[int]) -> dict[int, int]:
    """HQ and, per size, a distributor ``DT<size>`` whose subtree has ``size`` live rooms and
    one admin; returns the admin id per size."""
    cfg = load_config(env={"KBOT_DATABASE__URL": url})
    engine = create_engine(cfg.database, timezone=cfg.timezone)
    await upgrade(engine)
    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    admins = {}
    async with session_factory(engine)() as s, s.begin():
        hq = Org(type="headquarters", code="HQ", name="본사", created_at=now)
        s.add(hq)
        await s.flush()
        for size in sizes:
            dt = Org(type="distributor", code=f"DT{size}", name=f"총판{size}", parent_id=hq.id)
            s.add(dt)
            await s.flush()
            branches = -(-size // ROOMS_PER_BRANCH)
            agencies = []
            for a in range(-(-branches // BRANCHES_PER_AGENCY)):
                agency = Org(
                    type="agency", code=f"AG{size}-{a}", name=f"대리점{a}", parent_id=dt.id
                )
                agencies.append(agency)
            s.add_all(agencies)
            await s.flush()
            await s.execute(
                insert(Org),
                [
                    {
                        "type": "branch",
                        "code": f"BR{size}-{b}",
                        "name": f"{b}번 지점",
                        "parent_id": agencies[b // BRANCHES_PER_AGENCY].id,
                        "created_at": now,
                    }
                    for b in range(branches)
                ],
            )
            found = await s.execute(select(Org.code, Org.id).where(Org.code.like(f"BR{size}-%")))
            branch_ids: dict[str, int] = {code: int(org_id) for code, org_id in found.all()}
            await s.execute(
                insert(Room),
                [
                    {
                        "chat_id": f"{size}{n:06d}",
                        "name": f"{n // ROOMS_PER_BRANCH}번 지점 공지방 {n % ROOMS_PER_BRANCH}",
                        "org_id": branch_ids[f"BR{size}-{n // ROOMS_PER_BRANCH}"],
                        "room_type": "live",
                        "created_at": now,
                    }
                    for n in range(size)
                ],
            )
            admin = Admin(kakao_user_id=f"bench{size}", org_id=dt.id, name="벤치", mb_id="bench")
            s.add(admin)
            await s.flush()
            admins[size] = admin.id
    await engine.dispose()
    return admins


async def measure(url: str, sizes: list[int], repeat: int) -> None:
    admins = await seed(url, sizes)
    cfg = load_config(env={"KBOT_DATABASE__URL": url})
    engine = create_engine(cfg.database, timezone=cfg.timezone)
    sessions = session_factory(engine)
    limits = Limits(cfg.scheduler.max_text_length, cfg.web.max_images_per_schedule)
    with tempfile.TemporaryDirectory() as archive:
        deps = ScheduleDeps(
            sessions,
            read_sessions(sessions, cfg.database),
            SystemClock(),
            cfg.tz,
            limits,
            NoScheduler(),
            Path(archive),
            "!",
        )
        service = CampaignService(deps)
        for size in sizes:
            async with sessions() as s:
                actor = await s.get(Admin, admins[size])
            assert actor is not None
            form = ScheduleForm(**{**FORM.given(), "room": Targets(org=f"DT{size}")})
            times = []
            for _ in range(repeat):
                began = time.perf_counter()
                saved = await service.create(form, actor, current_room_id="bench")
                times.append(time.perf_counter() - began)
                assert len(saved.rows) == size
            print(
                f"{engine.dialect.name}: a campaign over {size:,} rooms registered in "
                f"{statistics.median(times):.2f}s (median of {repeat}; "
                f"min {min(times):.2f}s, max {max(times):.2f}s)",
                flush=True,
            )
    await engine.dispose()


@contextmanager
def mysql_database(server: str) -> Iterator[str]:
    """A scratch database on the MariaDB/MySQL server of ``server`` (its URL), dropped after."""
    u = make_url(server)
    admin = pymysql.connect(
        host=u.host or "127.0.0.1",
        port=u.port or 3306,
        user=u.username or "root",
        password=u.password or "",
        charset="utf8mb4",
        autocommit=True,
    )
    name = f"kbot_bench_{uuid.uuid4().hex[:12]}"
    try:
        with admin.cursor() as cur:
            charset = "CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
            cur.execute(f"CREATE DATABASE `{name}` {charset}")
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS `{name}`")
        admin.close()


def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(measure(f"sqlite+aiosqlite:///{tmp}/bench.db", args.rooms, args.repeat))
    if not args.mysql:
        print("mysql: skipped (no --mysql URL and KBOT_TEST_MYSQL_URL is not set)")
        return
    with mysql_database(args.mysql) as url:
        asyncio.run(measure(url, args.rooms, args.repeat))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rooms", type=int, nargs="+", default=[500, 5_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--mysql", default=os.environ.get("KBOT_TEST_MYSQL_URL"))
    main(parser.parse_args())
