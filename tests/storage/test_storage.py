"""Models, migrations and the org subtree query, on SQLite and MariaDB."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest
from sqlalchemy import delete, func, select, text
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from storage import orgs
from storage.errors import Conflict, Invalid, NotFound
from storage.kbot_models import AuditEntry, Org
from storage.migrate import current_revision, head_revision, upgrade
from storage.models import Schedule, ScheduleLog
from tests.support.orgs import add_tree

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
IMAGES = {
    "images": [
        {
            "id": 1,
            "filename": "promotion_20250714_001.jpg",
            "original_name": "7월 프로모션 🎉.jpg",
            "file_path": "/data/bot_images/promotion_20250714_001.jpg",
            "file_url": "https://domain.com/data/bot_images/promotion_20250714_001.jpg",
            "file_size": 245760,
            "mime_type": "image/jpeg",
            "upload_date": "2025-07-14 10:30:00",
        }
    ]
}


def schedule(**over: object) -> Schedule:
    fields: dict[str, object] = {
        "title": "주간 특가 안내 🔥",
        "created_by_type": "branch",
        "created_by_id": "BR001",
        "created_by_mb_id": "kim",
        "target_room_id": "257378349297847",
        "message_text": "이번 주 특가 상품을 안내드립니다 😀\n매장에서 확인하세요!",
        "message_images": IMAGES,
        "schedule_type": "weekly",
        "schedule_time": time(9, 30, 15),
        "schedule_weekdays": frozenset({"monday", "wednesday", "friday"}),
        "valid_from": datetime(2026, 12, 1, 0, 0),
        "valid_until": datetime(2027, 6, 30, 23, 59, 59),
    }
    fields.update(over)
    return Schedule(**fields)


async def test_migration_creates_schema_and_is_idempotent(engine: AsyncEngine) -> None:
    head = head_revision()
    assert head is not None and await current_revision(engine) == head
    await upgrade(engine)
    assert await current_revision(engine) == head


async def test_schedule_round_trip_with_korean_and_emoji(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions.begin() as s:
        row = schedule()
        s.add(row)
    async with sessions() as s:
        got = await s.get(Schedule, row.id)
        assert got is not None
        assert got.title == "주간 특가 안내 🔥"
        assert got.message_text == "이번 주 특가 상품을 안내드립니다 😀\n매장에서 확인하세요!"
        assert got.message_images == IMAGES
        assert got.schedule_weekdays == frozenset({"monday", "wednesday", "friday"})
        assert got.schedule_time == time(9, 30, 15)
        assert got.valid_until == datetime(2027, 6, 30, 23, 59, 59)
        # the seed's column defaults
        assert got.status == "active"
        assert got.target_room_type == "live"
        assert got.send_order == "text_first"
        assert got.send_interval_seconds == 1
        assert got.send_count == 0
        assert got.next_send_at is None
        assert got.created_at is not None


async def test_row_inserted_with_only_seed_columns_gets_seed_defaults(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """What the PHP site does: a plain INSERT naming only some of the seed's columns."""
    async with sessions.begin() as s:
        await s.execute(
            text(
                "INSERT INTO kb_schedule (title, created_by_type, created_by_id, created_by_mb_id,"
                " target_room_id, message_text, schedule_type, schedule_time, schedule_weekdays,"
                " valid_from, valid_until) VALUES (:t, 'agency', 'AG01', 'lee', '123', :m,"
                " 'weekly', '14:30:00', 'tuesday,thursday', '2026-12-01 00:00:00',"
                " '2027-01-01 00:00:00')"
            ),
            {"t": "PHP에서 등록", "m": "안녕하세요 👋"},
        )
    async with sessions() as s:
        got = await s.scalar(select(Schedule).where(Schedule.created_by_id == "AG01"))
        assert got is not None
        assert got.schedule_weekdays == frozenset({"tuesday", "thursday"})
        assert got.schedule_time == time(14, 30)
        assert (got.status, got.send_order, got.target_room_type) == (
            "active",
            "text_first",
            "live",
        )
        assert got.message_text == "안녕하세요 👋"


async def test_log_rows_cascade_with_their_schedule(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions.begin() as s:
        row = schedule()
        s.add(row)
        await s.flush()
        s.add(
            ScheduleLog(
                schedule_id=row.id,
                target_room_id=row.target_room_id,
                sent_message_text=row.message_text,
                sent_images=IMAGES,
                send_order="text_first",
                status="partial",
                error_message="이미지 1장 실패 ⚠️",
                api_response={"success": True, "message": "success"},
                scheduled_at=datetime(2026, 12, 2, 9, 30),
                started_at=datetime(2026, 12, 2, 9, 30, 1),
                completed_at=datetime(2026, 12, 2, 9, 30, 3),
                duration_ms=2000,
            )
        )
    async with sessions() as s:
        log = await s.scalar(select(ScheduleLog))
        assert log is not None
        assert (log.status, log.error_message) == ("partial", "이미지 1장 실패 ⚠️")
        assert log.sent_images == IMAGES
    async with sessions.begin() as s:
        await s.execute(delete(Schedule).where(Schedule.id == row.id))
    async with sessions() as s:
        assert await s.scalar(select(func.count()).select_from(ScheduleLog)) == 0


async def test_bad_enum_value_is_refused(sessions: async_sessionmaker[AsyncSession]) -> None:
    with pytest.raises(StatementError, match="hourly"):
        async with sessions.begin() as s:
            s.add(schedule(schedule_type="hourly"))
    # ... and by the database itself, for writers that bypass the models
    with pytest.raises(DBAPIError):
        async with sessions.begin() as s:
            await s.execute(
                text(
                    "INSERT INTO kb_schedule (title, created_by_type, created_by_id,"
                    " created_by_mb_id, target_room_id, schedule_type, schedule_time, valid_from,"
                    " valid_until) VALUES ('x', 'branch', 'B', 'm', '1', 'hourly', '09:00:00',"
                    " '2026-12-01 00:00:00', '2027-01-01 00:00:00')"
                )
            )


async def build_tree(s: AsyncSession) -> dict[str, Org]:
    """The tests' org tree and BR4, a branch right under a distributor."""
    await add_tree(s, at=NOW)
    await orgs.add_org(
        s, orgs.OrgSpec("branch", "BR4", "총판직영지점", "DT1"), at=NOW, actor="test"
    )
    return {o.code: o for o in await orgs.list_orgs(s)}


async def test_subtree_queries(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions.begin() as s:
        tree = await build_tree(s)
    ids = {code: o.id for code, o in tree.items()}
    inside = {
        "HQ": set(ids),
        "DT1": {"DT1", "AG1", "BR1", "BR2", "BR4"},
        "DT2": {"DT2", "AG2", "BR3"},
        "AG1": {"AG1", "BR1", "BR2"},
        "AG2": {"AG2", "BR3"},
        "BR1": {"BR1"},
        "BR2": {"BR2"},
        "BR3": {"BR3"},
        "BR4": {"BR4"},
    }
    async with sessions() as s:
        for ancestor, members in inside.items():
            assert await orgs.subtree_ids(s, ids[ancestor]) == {ids[m] for m in members}
            for code in ids:
                expected = code in members
                assert await orgs.is_within(s, ids[code], ids[ancestor]) is expected, (
                    code,
                    ancestor,
                )


async def test_org_rules(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions.begin() as s:
        await build_tree(s)
        with pytest.raises(Conflict, match="already exists"):
            await orgs.add_org(s, orgs.OrgSpec("branch", "BR1", "x", "AG1"), at=NOW, actor="t")
        with pytest.raises(Invalid, match="cannot be the parent"):
            await orgs.add_org(s, orgs.OrgSpec("agency", "AGX", "x", "BR1"), at=NOW, actor="t")
        with pytest.raises(NotFound, match="unknown org code 'NOPE'"):
            await orgs.add_org(s, orgs.OrgSpec("branch", "BRX", "x", "NOPE"), at=NOW, actor="t")
        with pytest.raises(Invalid, match="needs --parent"):
            await orgs.add_org(s, orgs.OrgSpec("branch", "BRX", "x"), at=NOW, actor="t")
        audits = await s.scalar(select(func.count()).select_from(AuditEntry))
        assert audits == 9
