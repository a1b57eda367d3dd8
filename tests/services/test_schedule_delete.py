"""Deleting a schedule keeps its history: the send log is written to the archive (the monthly
format) before the seed's ON DELETE CASCADE erases it, the admin is told so, and no later
schedule ever gets the deleted one's id (SQLite included)."""

from __future__ import annotations

import asyncio
import gzip
import json
import sqlite3
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from commands.router import handle_event
from core.config import Config
from storage.engine import create_engine
from storage.migrate import upgrade
from storage.models import Schedule, ScheduleLog
from tests.support.command_world import BR1_ROOM, build_world, context, event

CREATE = "!스케줄 등록\n제목: {title}\n유형: 매일\n시간: 10:00\n내용:\n안녕하세요"


async def add_logs(sessions: async_sessionmaker[AsyncSession], schedule_id: int) -> None:
    async with sessions.begin() as s:
        for month, day in ((10, 30), (11, 2), (11, 20)):
            at = datetime(2026, month, day, 10, 0)
            s.add(
                ScheduleLog(
                    schedule_id=schedule_id,
                    target_room_id=BR1_ROOM,
                    status="success",
                    sent_message_text="안녕하세요",
                    scheduled_at=at,
                    started_at=at,
                )
            )


async def test_delete_archives_the_send_log_and_never_reuses_the_id(
    cfg: Config, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await build_world(sessions)
    ctx, _, _ = context(cfg, sessions)
    for title in ("첫째", "둘째"):
        await handle_event(ctx, event(CREATE.format(title=title)))
    await add_logs(sessions, 2)
    [ask] = await handle_event(ctx, event("!스케줄 삭제 2")) or []
    assert "발송 기록 3건은 보관 파일로 옮겨 둡니다" in ask
    [done] = await handle_event(ctx, event("!스케줄 삭제 2 확인")) or []
    assert done.startswith("🗑 #2 둘째") and "발송 기록 3건" in done
    archive = Path(cfg.data_dir) / "archive"
    files = sorted(p.name for p in archive.iterdir())
    assert files == ["kb_schedule_logs-2026-10.jsonl.gz", "kb_schedule_logs-2026-11.jsonl.gz"]
    assert all(name in done for name in files)
    with gzip.open(archive / files[1], "rt", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh]
    assert [(r["schedule_id"], r["scheduled_at"][:10]) for r in rows] == [
        (2, "2026-11-02"),
        (2, "2026-11-20"),
    ]
    async with sessions() as s:
        assert await s.scalar(select(ScheduleLog.id)) is None
    [again] = await handle_event(ctx, event(CREATE.format(title="셋째"))) or []
    assert again.startswith("✅ #3 셋째")  # not #2 again
    await handle_event(ctx, event("!스케줄 삭제 3 확인"))
    [fourth] = await handle_event(ctx, event(CREATE.format(title="넷째"))) or []
    assert fourth.startswith("✅ #4 넷째")
    async with sessions() as s:
        assert list(await s.scalars(select(Schedule.id))) == [1, 4]


def test_upgrading_an_existing_sqlite_database_keeps_rows_and_stops_id_reuse(
    tmp_path: Path,
) -> None:
    """Migration 0002 rebuilds three SQLite tables as AUTOINCREMENT; with foreign keys on,
    that rebuild would cascade the logs away, so it must run with them off."""
    url = f"sqlite+aiosqlite:///{tmp_path}/old.db"

    async def at_0001() -> None:
        engine = create_engine(Config(database={"url": url}).database, timezone="Asia/Seoul")
        await upgrade(engine, "0001")
        await engine.dispose()

    asyncio.run(at_0001())
    db = sqlite3.connect(tmp_path / "old.db")
    db.executescript(
        "PRAGMA foreign_keys=ON;"
        "INSERT INTO kb_schedule (title, created_by_type, created_by_id, created_by_mb_id,"
        " target_room_id, schedule_type, schedule_time, valid_from, valid_until) VALUES"
        " ('a', 'branch', 'B', 'm', '1', 'daily', '09:00:00', '2026-01-01', '2027-01-01'),"
        " ('b', 'branch', 'B', 'm', '1', 'daily', '09:00:00', '2026-01-01', '2027-01-01');"
        "INSERT INTO kb_schedule_logs (schedule_id, target_room_id, status, scheduled_at,"
        " started_at) VALUES (1, '1', 'success', '2026-12-01', '2026-12-01');"
    )
    db.commit()
    db.close()
    upgrade_engine = create_engine(Config(database={"url": url}).database, timezone="Asia/Seoul")
    asyncio.run(upgrade(upgrade_engine))
    asyncio.run(upgrade_engine.dispose())
    db = sqlite3.connect(tmp_path / "old.db")
    db.executescript(
        "PRAGMA foreign_keys=ON; DELETE FROM kb_schedule WHERE id = 2;"
        "INSERT INTO kb_schedule (title, created_by_type, created_by_id, created_by_mb_id,"
        " target_room_id, schedule_type, schedule_time, valid_from, valid_until) VALUES"
        " ('c', 'branch', 'B', 'm', '1', 'daily', '09:00:00', '2026-01-01', '2027-01-01');"
    )
    assert db.execute("SELECT id, title FROM kb_schedule").fetchall() == [(1, "a"), (3, "c")]
    assert db.execute("SELECT schedule_id FROM kb_schedule_logs").fetchall() == [(1,)]
    db.close()
