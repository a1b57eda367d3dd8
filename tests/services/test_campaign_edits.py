"""Editing a campaign: every row in one transaction, the room set refreshed by ``방:`` (rows
added and removed, the removed rows' send log archived first), the times spread again."""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.config import Config
from services.campaigns import CampaignNotFound
from services.errors import Invalid
from services.schedule_form import ScheduleForm
from services.schedule_targets import Targets
from storage import rooms
from storage.kbot_models import AuditEntry, Org, ScheduleMeta
from storage.models import Schedule, ScheduleLog
from tests.services.campaign_world import (
    AG1_TEST,
    BR2_EXTRA,
    DT1_LIVE,
    admin,
    campaign_of,
    campaign_rows,
    campaign_world,
    form,
)
from tests.support.command_world import BR1_ROOM, START, count

NEW_ROOM = "100000000000035"  # a room of BR1 registered after the campaign


async def add_logs(sessions: async_sessionmaker[AsyncSession], schedule_id: int, room: str) -> None:
    async with sessions.begin() as s:
        for day in (2, 20):
            at = datetime(2026, 11, day, 10, 0)
            s.add(
                ScheduleLog(
                    schedule_id=schedule_id,
                    target_room_id=room,
                    status="success",
                    sent_message_text="안녕하세요",
                    scheduled_at=at,
                    started_at=at,
                )
            )


async def test_an_edit_changes_every_row_and_spreads_them_again(
    cfg: Config, sessions: async_sessionmaker[AsyncSession]
) -> None:
    service, _, port = await campaign_world(cfg, sessions)
    dt1 = await admin(sessions, "DT1")
    saved = await service.create(form(org="DT1"), dt1, current_room_id=BR1_ROOM)
    cid = saved.campaign.id
    async with sessions.begin() as s:  # one row has finished (the PHP site may do that)
        row = await s.get(Schedule, saved.rows[0].id)
        assert row is not None
        row.status, row.next_send_at = "completed", None
    edit = ScheduleForm(
        title="새 공지", message_text="{지점명} 새 소식", schedule_time=time(8, 0), spread_s=500
    )
    result = await service.edit(cid, edit, dt1, current_room_id=BR1_ROOM)
    rows = await campaign_rows(sessions, cid)
    assert [room.name for _, room in rows] == DT1_LIVE
    assert [row.schedule_time for row, _ in rows] == [
        time(8, 0),
        time(8, 1, 40),
        time(8, 3, 20),
        time(8, 5),
        time(8, 6, 40),
    ]
    for row, _ in rows:
        assert (row.title, row.message_text, row.status) == (
            "새 공지",
            "{지점명} 새 소식",
            "active",
        )
        assert row.next_send_at is not None and row.next_send_at.time() == row.schedule_time
    campaign = await campaign_of(sessions, cid)
    assert (campaign.title, campaign.base_time, campaign.spread_s) == ("새 공지", time(8, 0), 500)
    assert [row.id for row in result.rows] == [row.id for row, _ in rows]
    assert (result.added, result.removed) == ([], [])
    assert await count(sessions, AuditEntry, AuditEntry.action == "edit") == 5
    assert port.wakes == 2
    # only the spread: the set time stays; the first row, already at 08:00, is not changed
    # and gets no audit entry
    await service.edit(cid, ScheduleForm(spread_s=0), dt1, current_room_id=BR1_ROOM)
    assert {row.schedule_time for row, _ in await campaign_rows(sessions, cid)} == {time(8, 0)}
    assert await count(sessions, AuditEntry, AuditEntry.action == "edit") == 9
    await service.edit(cid, ScheduleForm(description="설명"), dt1, current_room_id=BR1_ROOM)
    assert await count(sessions, AuditEntry, AuditEntry.action == "edit") == 14
    assert {row.schedule_time for row, _ in await campaign_rows(sessions, cid)} == {time(8, 0)}


async def test_rooms_again_refreshes_the_set_and_archives_the_removed_rows_logs(
    cfg: Config, sessions: async_sessionmaker[AsyncSession]
) -> None:
    service, _, _ = await campaign_world(cfg, sessions)
    ag1 = await admin(sessions, "AG1")
    created = await service.create(form(org="AG1", spread_s=300), ag1, current_room_id=BR1_ROOM)
    cid = created.campaign.id
    async with sessions.begin() as s:
        await rooms.add_room(
            s, chat_id=NEW_ROOM, name="BR1 새방", org_code="BR1", at=START, actor="t"
        )
    before = {room.chat_id: row.id for row, room in await campaign_rows(sessions, cid)}
    # the org again: the room registered since is added, nothing else changes
    again = await service.edit(cid, ScheduleForm(room=Targets(org="AG1")), ag1, current_room_id="x")
    assert (again.added, again.removed) == (["BR1 새방"], [])
    rows = await campaign_rows(sessions, cid)
    assert [room.name for _, room in rows] == [
        "AG1 공지방",
        "BR1 새방",
        "BR2 공지방",
        "BR2 상담방",
        "도매까 강남지점 공지방",
    ]
    assert [row.schedule_time for row, _ in rows] == [
        time(10, 0),
        time(10, 1),
        time(10, 2),
        time(10, 3),
        time(10, 4),
    ]
    added = next(row for row, room in rows if room.chat_id == NEW_ROOM)
    assert (added.title, added.message_text, added.created_by_id, added.schedule_type) == (
        "월간 공지",
        "{방이름} 여러분 안녕하세요",
        "AG1",
        "daily",
    )
    assert added.next_send_at is not None and added.status == "active"
    assert {room.chat_id: row.id for row, room in rows if room.chat_id != NEW_ROOM} == before
    assert await service.campaign_ids([added.id]) == {added.id: cid}
    # a list: the rooms not named go, their send log archived first
    await add_logs(sessions, before[BR2_EXTRA], BR2_EXTRA)
    listed = ScheduleForm(room=Targets(rooms=("BR1 새방", "AG1 공지방")))
    smaller = await service.edit(cid, listed, ag1, current_room_id=BR1_ROOM)
    assert smaller.added == []
    assert smaller.removed == ["BR2 공지방", "BR2 상담방", "도매까 강남지점 공지방"]
    rows = await campaign_rows(sessions, cid)
    assert [(room.name, row.schedule_time) for row, room in rows] == [
        ("AG1 공지방", time(10, 0)),
        ("BR1 새방", time(10, 2, 30)),
    ]
    assert await count(sessions, Schedule) == 2
    assert await count(sessions, ScheduleLog) == 0
    files = sorted(p.name for p in (Path(cfg.data_dir) / "archive").iterdir())
    assert files == ["kb_schedule_logs-2026-11.jsonl.gz"]
    assert await count(sessions, AuditEntry, AuditEntry.action == "delete") == 3
    campaign = await campaign_of(sessions, cid)
    assert campaign.target_org_id is None


async def test_a_failed_edit_changes_nothing_and_archives_nothing(
    cfg: Config, sessions: async_sessionmaker[AsyncSession]
) -> None:
    service, _, _ = await campaign_world(cfg, sessions)
    hq = await admin(sessions, "HQ")
    saved = await service.create(form(org="DT1"), hq, current_room_id=BR1_ROOM)
    cid = saved.campaign.id
    await add_logs(sessions, saved.rows[0].id, saved.rows[0].target_room_id)
    limit = cfg.scheduler.max_text_length
    text = "{방이름}" + "가" * (limit - len("AG1 공지방"))  # too long for the longer name
    listed = ("AG1 공지방", "DT2 공지방", "도매까 강남지점 공지방")
    bad = ScheduleForm(room=Targets(rooms=listed), message_text=text)
    with pytest.raises(Invalid) as caught:
        await service.edit(cid, bad, hq, current_room_id=BR1_ROOM)
    assert (
        caught.value.field == "message_text" and "'도매까 강남지점 공지방'" in caught.value.message
    )
    assert not (Path(cfg.data_dir) / "archive").exists()
    assert await count(sessions, ScheduleLog) == 2
    rows = await campaign_rows(sessions, cid)
    assert [room.name for _, room in rows] == DT1_LIVE
    assert {row.message_text for row, _ in rows} == {"{방이름} 여러분 안녕하세요"}
    with pytest.raises(Invalid) as caught:
        await service.edit(
            cid, ScheduleForm(schedule_time=time(23, 50), spread_s=900), hq, current_room_id="x"
        )
    assert caught.value.field == "spread_s"
    assert {row.schedule_time for row, _ in await campaign_rows(sessions, cid)} == {time(10, 0)}


async def test_an_edit_out_of_reach_is_not_found(
    cfg: Config, sessions: async_sessionmaker[AsyncSession]
) -> None:
    service, _, _ = await campaign_world(cfg, sessions)
    saved = await service.create(form(org="DT1"), await admin(sessions, "DT1"), current_room_id="x")
    ag1 = await admin(sessions, "AG1")
    with pytest.raises(CampaignNotFound):
        await service.edit(
            saved.campaign.id, ScheduleForm(title="남의 것"), ag1, current_room_id="x"
        )
    # an org the editor may not reach is refused, naming it, and nothing changes
    dt1 = await admin(sessions, "DT1")
    with pytest.raises(Invalid) as caught:
        await service.edit(
            saved.campaign.id, ScheduleForm(room=Targets(org="DT2")), dt1, current_room_id="x"
        )
    assert "'DT2'" in caught.value.message
    assert len(await campaign_rows(sessions, saved.campaign.id)) == 5
    async with sessions() as s:
        dt1_id = await s.scalar(select(Org.id).where(Org.code == "DT1"))
    assert (await campaign_of(sessions, saved.campaign.id)).target_org_id == dt1_id


async def test_a_once_campaign_spread_ends_each_row_at_its_own_time(
    cfg: Config, sessions: async_sessionmaker[AsyncSession]
) -> None:
    """A once row's window ends at its send time: the spread time, not the set time."""
    service, _, _ = await campaign_world(cfg, sessions)
    hq = await admin(sessions, "HQ")
    once = form(org="AG1", schedule_type="once", schedule_date=date(2026, 11, 30), spread_s=400)
    saved = await service.create(once, hq, current_room_id=BR1_ROOM)
    rows = await campaign_rows(sessions, saved.campaign.id)
    assert [row.valid_until.time() for row, _ in rows] == [
        time(10, 0),
        time(10, 1, 40),
        time(10, 3, 20),
        time(10, 5),
    ]
    assert all(row.next_send_at == row.valid_until for row, _ in rows)
    edit = ScheduleForm(schedule_time=time(11, 0), spread_s=800)
    await service.edit(saved.campaign.id, edit, hq, current_room_id=BR1_ROOM)
    rows = await campaign_rows(sessions, saved.campaign.id)
    assert [row.valid_until.time() for row, _ in rows] == [
        time(11, 0),
        time(11, 3, 20),
        time(11, 6, 40),
        time(11, 10),
    ]
    assert all(row.next_send_at == row.valid_until for row, _ in rows)


async def test_a_test_room_given_on_edit_is_set_on_every_row_also_added_ones(
    cfg: Config, sessions: async_sessionmaker[AsyncSession]
) -> None:
    service, _, _ = await campaign_world(cfg, sessions)
    ag1 = await admin(sessions, "AG1")
    saved = await service.create(form("AG1 공지방"), ag1, current_room_id=BR1_ROOM)
    edit = ScheduleForm(room=Targets(org="AG1"), test_room="AG1 테스트방")
    result = await service.edit(saved.campaign.id, edit, ag1, current_room_id=BR1_ROOM)
    assert len(result.added) == 3
    async with sessions() as s:
        metas = list(await s.scalars(select(ScheduleMeta)))
    assert len(metas) == 4
    assert {(meta.test_room_id, meta.notify_room_id) for meta in metas} == {(AG1_TEST, BR1_ROOM)}
    assert {meta.campaign_id for meta in metas} == {saved.campaign.id}
