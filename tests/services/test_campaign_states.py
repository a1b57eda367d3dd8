"""Turning a campaign's rows off and on, deleting a campaign (its rows' send log archived
first), and the send log across its rows."""

from __future__ import annotations

import gzip
import json
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.config import Config
from services.campaigns import CampaignNotFound
from storage.kbot_models import AuditEntry, Campaign, Room, ScheduleMeta
from storage.models import Schedule, ScheduleLog
from tests.services.campaign_world import (
    AG1_TEST,
    BR2_EXTRA,
    admin,
    campaign_rows,
    campaign_world,
    form,
)
from tests.support.command_world import BR1_ROOM, ROOMS, count


async def test_off_and_on_act_on_every_row(
    cfg: Config, sessions: async_sessionmaker[AsyncSession]
) -> None:
    service, _, port = await campaign_world(cfg, sessions)
    ag1 = await admin(sessions, "AG1")
    saved = await service.create(form(org="AG1"), ag1, current_room_id=BR1_ROOM)
    cid = saved.campaign.id
    off = await service.toggle(cid, ag1, on=False)
    assert (off.changed, off.total, off.skipped) == (4, 4, 0)
    rows = await campaign_rows(sessions, cid)
    assert {(row.status, row.next_send_at) for row, _ in rows} == {("inactive", None)}
    assert (await service.toggle(cid, ag1, on=False)).changed == 0
    async with sessions.begin() as s:  # one room is deactivated meanwhile
        room = await s.scalar(select(Room).where(Room.chat_id == BR2_EXTRA))
        assert room is not None
        room.active = False
    on = await service.toggle(cid, ag1, on=True)
    assert (on.changed, on.total, on.skipped) == (3, 4, 1)
    rows = await campaign_rows(sessions, cid)
    for row, room in rows:
        if room.chat_id == BR2_EXTRA:
            assert (row.status, row.next_send_at) == ("inactive", None)
        else:
            assert row.status == "active" and row.next_send_at is not None
    assert await count(sessions, AuditEntry, AuditEntry.action.in_(("on", "off"))) == 7
    assert port.wakes == 4
    with pytest.raises(CampaignNotFound):
        await service.toggle(cid, await admin(sessions, "BR1"), on=False)


async def add_log(
    sessions: async_sessionmaker[AsyncSession], schedule_id: int, room: str, day: int
) -> None:
    async with sessions.begin() as s:
        at = datetime(2026, 11, day, 10, 0)
        s.add(
            ScheduleLog(
                schedule_id=schedule_id,
                target_room_id=room,
                status="success",
                sent_message_text=f"{day}일",
                scheduled_at=at,
                started_at=at,
            )
        )


async def test_delete_archives_every_rows_log_then_deletes_rows_and_campaign(
    cfg: Config, sessions: async_sessionmaker[AsyncSession]
) -> None:
    service, _, _ = await campaign_world(cfg, sessions)
    ag1 = await admin(sessions, "AG1")
    saved = await service.create(form(org="AG1"), ag1, current_room_id=BR1_ROOM)
    other = await service.create(
        form("DT1 공지방", "DT2 공지방"), await admin(sessions, "HQ"), current_room_id="x"
    )
    first, second = saved.rows[0], saved.rows[1]
    await add_log(sessions, first.id, first.target_room_id, 2)
    await add_log(sessions, second.id, second.target_room_id, 3)
    await add_log(sessions, other.rows[0].id, other.rows[0].target_room_id, 4)
    with pytest.raises(CampaignNotFound):
        await service.delete(saved.campaign.id, await admin(sessions, "BR1"))
    done = await service.delete(saved.campaign.id, ag1)
    assert (done.rows, done.archived_logs) == (4, 2)
    assert done.archive_files == ["kb_schedule_logs-2026-11.jsonl.gz"]
    archive = Path(cfg.data_dir) / "archive"
    archived = []
    for path in sorted(archive.iterdir()):
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            archived += [json.loads(line)["schedule_id"] for line in fh]
    assert sorted(archived) == sorted([first.id, second.id])
    assert await count(sessions, Campaign) == 1
    assert await count(sessions, Schedule) == 2
    assert await count(sessions, ScheduleMeta) == 2
    assert await count(sessions, ScheduleLog) == 1
    assert await count(sessions, AuditEntry, AuditEntry.action == "delete") == 5
    with pytest.raises(CampaignNotFound):
        await service.get(saved.campaign.id, ag1)


async def test_logs_newest_first_across_the_rows(
    cfg: Config, sessions: async_sessionmaker[AsyncSession]
) -> None:
    service, _, _ = await campaign_world(cfg, sessions)
    ag1 = await admin(sessions, "AG1")
    saved = await service.create(form(org="AG1"), ag1, current_room_id=BR1_ROOM)
    by_room = {row.target_room_id: row.id for row in saved.rows}
    await add_log(sessions, by_room[ROOMS["AG1"]], ROOMS["AG1"], 2)
    await add_log(sessions, by_room[BR1_ROOM], BR1_ROOM, 3)
    await add_log(sessions, by_room[BR1_ROOM], AG1_TEST, 4)  # a test send to the test room
    lines = await service.logs(saved.campaign.id, ag1, limit=10)
    assert [(log.sent_message_text, room.name if room else None) for log, _, room in lines] == [
        ("4일", "AG1 테스트방"),
        ("3일", "도매까 강남지점 공지방"),
        ("2일", "AG1 공지방"),
    ]
    assert [kind for _, kind, _ in lines] == ["scheduled"] * 3
    assert len(await service.logs(saved.campaign.id, ag1, limit=2)) == 2
    with pytest.raises(CampaignNotFound):
        await service.logs(saved.campaign.id, await admin(sessions, "BR1"))
