"""``kbot logs archive``: old ``kb_schedule_logs`` rows move into verified monthly files."""

from __future__ import annotations

import gzip
import json
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from storage import archive
from storage.archive import ArchiveError, archive_logs, parse_month
from storage.models import Schedule, ScheduleLog

TODAY = date(2026, 11, 26)


async def add_logs(
    sessions: async_sessionmaker[AsyncSession], *scheduled: datetime
) -> dict[datetime, int]:
    async with sessions.begin() as s:
        if await s.get(Schedule, 1) is None:
            s.add(
                Schedule(
                    id=1,
                    title="주간 안내",
                    created_by_type="branch",
                    created_by_id="BR001",
                    created_by_mb_id="kim",
                    target_room_id="room-1",
                    schedule_type="daily",
                    schedule_time=time(9, 0),
                    valid_from=datetime(2026, 1, 1),
                    valid_until=datetime(2027, 1, 1),
                )
            )
            await s.flush()
        logs = [
            ScheduleLog(
                schedule_id=1,
                target_room_id="room-1",
                sent_message_text=f"안녕하세요 😀 {at:%m/%d}",
                sent_images={"images": [{"id": 3}]},
                send_order="text_first",
                status="success",
                api_response={"ok": True, "메모": "✅"},
                scheduled_at=at,
                started_at=at,
                completed_at=at.replace(second=2),
                duration_ms=2000,
                created_at=at,
            )
            for at in scheduled
        ]
        s.add_all(logs)
    return {log.scheduled_at: log.id for log in logs}


async def remaining(sessions: async_sessionmaker[AsyncSession]) -> list[datetime]:
    async with sessions() as s:
        rows = await s.scalars(select(ScheduleLog.scheduled_at).order_by(ScheduleLog.id))
        return list(rows)


def read_file(path: Path) -> list[dict[str, Any]]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


SEP_1 = datetime(2026, 9, 1, 0, 0)
SEP_30 = datetime(2026, 9, 30, 23, 59, 59)
OCT_1 = datetime(2026, 10, 1, 0, 0)
OCT_20 = datetime(2026, 10, 20, 9, 0)
NOV_1 = datetime(2026, 11, 1, 0, 0)


async def test_archives_whole_months_before_the_cutoff(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    ids = await add_logs(sessions, OCT_20, SEP_30, NOV_1, SEP_1, OCT_1)
    out = tmp_path / "archive"

    done = await archive_logs(engine, before=date(2026, 11, 1), directory=out, today=TODAY, batch=1)

    assert [(m.month, m.path.name, m.rows) for m in done] == [
        (date(2026, 9, 1), "kb_schedule_logs-2026-09.jsonl.gz", 2),
        (date(2026, 10, 1), "kb_schedule_logs-2026-10.jsonl.gz", 2),
    ]
    september = read_file(out / "kb_schedule_logs-2026-09.jsonl.gz")
    assert [r["id"] for r in september] == sorted([ids[SEP_1], ids[SEP_30]])
    row = next(r for r in september if r["id"] == ids[SEP_30])
    assert row["scheduled_at"] == "2026-09-30T23:59:59"
    assert row["sent_message_text"] == "안녕하세요 😀 09/30"
    assert json.loads(row["api_response"]) == {"ok": True, "메모": "✅"}
    assert row["schedule_id"] == 1 and row["status"] == "success"
    october = read_file(out / "kb_schedule_logs-2026-10.jsonl.gz")
    assert [r["scheduled_at"] for r in october] == ["2026-10-20T09:00:00", "2026-10-01T00:00:00"]
    assert await remaining(sessions) == [NOV_1]
    assert sorted(p.name for p in out.iterdir()) == [
        "kb_schedule_logs-2026-09.jsonl.gz",
        "kb_schedule_logs-2026-10.jsonl.gz",
    ]


async def test_a_second_run_for_an_archived_month_writes_a_new_part(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    out = tmp_path / "archive"
    await add_logs(sessions, OCT_1, OCT_20)
    await archive_logs(engine, before=date(2026, 11, 1), directory=out, today=TODAY)
    first = (out / "kb_schedule_logs-2026-10.jsonl.gz").read_bytes()

    assert await archive_logs(engine, before=date(2026, 11, 1), directory=out, today=TODAY) == []

    late = await add_logs(sessions, datetime(2026, 10, 5, 12, 0))
    done = await archive_logs(engine, before=date(2026, 11, 1), directory=out, today=TODAY)
    assert [(m.path.name, m.rows) for m in done] == [("kb_schedule_logs-2026-10-part2.jsonl.gz", 1)]
    assert [r["id"] for r in read_file(done[0].path)] == list(late.values())
    assert (out / "kb_schedule_logs-2026-10.jsonl.gz").read_bytes() == first
    assert await remaining(sessions) == []


async def test_nothing_is_deleted_when_the_file_does_not_verify(
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await add_logs(sessions, SEP_1, SEP_30)
    real = archive._write_lines

    def lossy(gz: gzip.GzipFile, rows: list[dict[str, Any]]) -> None:
        real(gz, rows[:-1])

    monkeypatch.setattr(archive, "_write_lines", lossy)
    with pytest.raises(ArchiveError, match="holds 1 rows but 2 were selected"):
        await archive_logs(engine, before=date(2026, 10, 1), directory=tmp_path, today=TODAY)
    assert await remaining(sessions) == [SEP_1, SEP_30]


@pytest.mark.parametrize("text", ["2026-13", "2026-1", "26-01", "2026-00", "abc", "2026-01-01"])
def test_bad_months_are_refused(text: str) -> None:
    with pytest.raises(ArchiveError, match="must be a month like 2026-01"):
        parse_month(text)


async def test_only_ended_months_can_be_archived(engine: AsyncEngine, tmp_path: Path) -> None:
    assert parse_month("2026-11") == date(2026, 11, 1)
    assert (
        await archive_logs(engine, before=date(2026, 11, 1), directory=tmp_path, today=TODAY) == []
    )
    with pytest.raises(ArchiveError, match="2026-12 is after the current month 2026-11"):
        await archive_logs(engine, before=date(2026, 12, 1), directory=tmp_path, today=TODAY)


def test_cli_archive(kbot, tmp_path: Path) -> None:
    assert kbot("db", "upgrade")[0] == 0
    code, _, err = kbot("logs", "archive", "--before", "2026-13")
    assert (code, err) == (1, "kbot: error: --before must be a month like 2026-01, not '2026-13'\n")
    code, _, err = kbot("logs", "archive", "--before", "2999-01")
    assert code == 1 and err.count("\n") == 1 and "only months that have ended" in err
    code, out, err = kbot("logs", "archive", "--before", "2026-01")
    assert (code, err) == (0, "")
    assert out == "no send logs scheduled before 2026-01: nothing to archive\n"
    assert (tmp_path / "data" / "archive").is_dir()
    code, _, _ = kbot("logs", "archive", "--before", "2026-01", "--dir", "elsewhere")
    assert code == 0 and (tmp_path / "elsewhere").is_dir()
