"""Rows for the report tests, inserted directly as the PHP site or the scheduler would have
written them (``build_world``'s org tree and rooms): a campaign to BR1, BR2 and BR3's rooms,
a single schedule in BR1's room, replies, hourly room activity and link clicks. The numbers
each report must show are worked out in ``tests/services/test_reports.py``."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.logs import DateWindow
from storage.engagement_models import LinkClick, Reply, RoomActivity, ShortLink
from storage.kbot_models import Campaign, Occurrence, ScheduleMeta
from storage.migrate import sqlite_foreign_keys
from storage.models import ScheduleLog
from storage.orgs import list_orgs
from tests.support.command_world import ROOMS, START, build_world
from tests.support.pages import add_log, add_schedule

WINDOW = DateWindow(date(2026, 11, 20), date(2026, 11, 26))
GONE_SCHEDULE = 424242  # a log row whose schedule the PHP site deleted


@dataclass
class ReportWorld:
    orgs: dict[str, int]
    campaign: int
    schedules: dict[str, int]  # s1 s2 s3 (the campaign's rows), s4 (single)
    logs: dict[str, int]


async def _log(
    sessions: async_sessionmaker[AsyncSession],
    schedule_id: int,
    room: str,
    status: str,
    at: datetime,
    *,
    late_s: int = 0,
    error: str | None = None,
    response: Any = None,
) -> int:
    log_id = await add_log(sessions, schedule_id, room, status, at, error)
    async with sessions.begin() as s:
        values: dict[str, Any] = {"started_at": at + timedelta(seconds=late_s)}
        if response is not None:
            values["api_response"] = response
        await s.execute(update(ScheduleLog).where(ScheduleLog.id == log_id).values(**values))
    return log_id


async def _gone_schedule_log(sessions: async_sessionmaker[AsyncSession]) -> None:
    """A log row of a deleted schedule (the PHP site's tables keep no foreign keys)."""
    engine: Any = sessions.kw["bind"]
    insert = (
        "INSERT INTO kb_schedule_logs (schedule_id, target_room_id, status,"
        " scheduled_at, started_at, created_at) VALUES (?, ?, 'success', ?, ?, ?)"
    )
    at = "2026-11-22 08:00:00"
    values = (GONE_SCHEDULE, ROOMS["BR3"], at, at, at)
    async with engine.connect() as conn:
        # Not a second, blocking sqlite3 connection: it would stall the event loop while a
        # running app's task holds SQLite's write lock, and time out as "database is locked".
        sqlite = engine.dialect.name == "sqlite"
        if sqlite:
            await conn.run_sync(sqlite_foreign_keys, False)
        else:
            await conn.exec_driver_sql("SET FOREIGN_KEY_CHECKS=0")
            insert = insert.replace("?", "%s")
        try:
            await conn.exec_driver_sql(insert, values)
            await conn.commit()
        finally:
            if sqlite:
                await conn.run_sync(sqlite_foreign_keys, True)
            else:
                await conn.exec_driver_sql("SET FOREIGN_KEY_CHECKS=1")


async def build_report_world(
    sessions: async_sessionmaker[AsyncSession], *, world_built: bool = False
) -> ReportWorld:
    """The report rows; ``build_world``'s orgs, rooms and admins first unless ``world_built``
    (``make_api`` and ``make_site`` build them)."""
    if world_built:
        async with sessions() as session:
            orgs = {org.code: org.id for org in await list_orgs(session)}
    else:
        orgs = await build_world(sessions)
    s = {
        "s1": await add_schedule(sessions, "봄 세일 =강남", ROOMS["BR1"]),
        "s2": await add_schedule(sessions, "봄 세일 서초", ROOMS["BR2"]),
        "s3": await add_schedule(sessions, "봄 세일 BR3", ROOMS["BR3"]),
        "s4": await add_schedule(sessions, "단독 공지", ROOMS["BR1"]),
    }
    utc = START.replace(tzinfo=None)
    async with sessions.begin() as session:
        campaign = Campaign(title="봄 세일", owner_org_id=orgs["HQ"], created_at=utc)
        session.add(campaign)
        await session.flush()
        for key in ("s1", "s2", "s3"):
            session.add(ScheduleMeta(schedule_id=s[key], campaign_id=campaign.id))
    br1, day = ROOMS["BR1"], datetime(2026, 11, 25, 9, 0)
    garbage = {"confirmation": 5}
    logs = {
        "a": await _log(sessions, s["s1"], br1, "success", day, late_s=30,
                        response={"confirmation": "confirmed"}),
        "b": await _log(sessions, s["s1"], br1, "success", day - timedelta(days=1) ,
                        late_s=120, response=garbage),
        "c": await _log(sessions, s["s1"], br1, "failed", day - timedelta(days=2),
                        error="skipped: 발송 시각이 지났습니다"),
        "d": await _log(sessions, s["s1"], br1, "success", day + timedelta(days=1), late_s=-10,
                        response={"confirmation": "pending"}),
        "e": await _log(sessions, s["s1"], br1, "success", day + timedelta(days=3)),  # after
        "s2": await _log(sessions, s["s2"], ROOMS["BR2"], "partial", day, late_s=10,
                         response={"confirmation": "unconfirmed"}),
        "s3": await _log(sessions, s["s3"], ROOMS["BR3"], "failed", day, error="Iris 오류"),
        "s4": await _log(sessions, s["s4"], br1, "success", day + timedelta(hours=1), late_s=5,
                         response={"confirmation": "confirmed"}),
        "s4-test": await _log(sessions, s["s4"], br1, "success", day + timedelta(hours=2)),
        "s4-old": await _log(sessions, s["s4"], br1, "success", datetime(2026, 11, 19, 9)),
    }  # fmt: skip
    await _gone_schedule_log(sessions)
    async with sessions.begin() as session:
        if session.get_bind().dialect.name == "sqlite":  # MariaDB's JSON column refuses it
            await session.execute(
                text("UPDATE kb_schedule_logs SET api_response = 'not json{' WHERE id = :id"),
                {"id": logs["c"]},
            )
        session.add(
            Occurrence(
                schedule_id=s["s4"],
                scheduled_at=day + timedelta(hours=2),
                kind="test",
                target_room_id=br1,
                state="done",
                log_id=logs["s4-test"],
                created_at=utc,
            )
        )
        for n, log in enumerate(["a", "a", "s4", "s4-test"]):
            session.add(
                Reply(
                    reply_id=f"r{n}",
                    src_echo_id=f"e{n}",
                    log_id=logs[log],
                    schedule_id=None,
                    room_id=br1,
                    replied_at=datetime(2026, 11, 25, 0, 30),
                )
            )
        activity = {
            datetime(2026, 11, 1, 0): 1,  # BR1's first counted hour
            datetime(2026, 11, 25, 0): 5,
            datetime(2026, 11, 25, 1): 3,
            datetime(2026, 11, 18, 0): 2,
            datetime(2026, 11, 11, 0): 1,
        }
        for hour, messages in activity.items():
            session.add(RoomActivity(room_id=br1, hour=hour, messages=messages))
        links = {}
        for key in ("s1", "s4"):
            url = f"https://example.com/{key}"
            link = ShortLink(
                code=f"c{key}",
                schedule_id=s[key],
                room_id=br1,
                url=url,
                url_hash=hashlib.sha256(url.encode()).hexdigest(),
                created_at=utc,
            )
            session.add(link)
            await session.flush()
            links[key] = link.id
        clicks = [
            ("s1", datetime(2026, 11, 25, 0, 10)),  # -> a
            ("s1", datetime(2026, 11, 24, 5, 0)),  # -> b
            ("s1", datetime(2026, 11, 26, 3, 0)),  # -> d
            ("s1", datetime(2026, 11, 20, 0, 0)),  # before every send of the window
            ("s1", datetime(2026, 11, 28, 2, 0)),  # -> e, after the window
            ("s1", datetime(2026, 12, 5, 0, 0)),  # more than 7 days after e
            ("s4", datetime(2026, 11, 25, 1, 30)),  # -> s4
        ]
        for n, (key, at) in enumerate(clicks):
            session.add(LinkClick(link_id=links[key], clicked_at=at, visitor=f"v{n}"))
    return ReportWorld(orgs, campaign.id, s, logs)
