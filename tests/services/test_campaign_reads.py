"""Reading a campaign: its rows in spread order, only for an actor who may handle every row;
one row picked by room; schedule ids grouped by campaign."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.config import Config
from services.campaigns import CampaignNotFound
from services.errors import Invalid, NotFound
from services.permissions import Operation
from storage.models import Schedule
from tests.services.campaign_world import BR2_EXTRA, DT1_LIVE, admin, campaign_world, form
from tests.support.command_world import BR1_ROOM, ROOMS


async def test_get_gives_the_rows_in_spread_order_to_who_may_handle_them_all(
    cfg: Config, sessions: async_sessionmaker[AsyncSession]
) -> None:
    service, _, _ = await campaign_world(cfg, sessions)
    dt1 = await admin(sessions, "DT1")
    saved = await service.create(form(org="DT1"), dt1, current_room_id=BR1_ROOM)
    cid = saved.campaign.id
    for code in ("DT1", "HQ"):
        view = await service.get(cid, await admin(sessions, code), Operation.EDIT)
        assert view.campaign.id == cid
        assert [room.name for _, room in view.rows if room] == DT1_LIVE
        assert [row.id for row, _ in view.rows] == [row.id for row in saved.rows]
    for code in ("AG1", "DT2", "BR1"):  # AG1 reaches four of the five rooms: not enough
        with pytest.raises(CampaignNotFound) as caught:
            await service.get(cid, await admin(sessions, code))
        assert caught.value.field == "id"
        assert caught.value.message.startswith(f"C{cid} 캠페인이 없거나 볼 권한이 없습니다.")
    with pytest.raises(NotFound):
        await service.get(cid + 1, await admin(sessions, "HQ"))


async def test_a_row_moved_out_of_reach_or_no_rows_left_hides_the_campaign(
    cfg: Config, sessions: async_sessionmaker[AsyncSession]
) -> None:
    """The PHP site may move a row to another room; it may delete rows."""
    service, _, _ = await campaign_world(cfg, sessions)
    ag1 = await admin(sessions, "AG1")
    saved = await service.create(form(org="AG1"), ag1, current_room_id=BR1_ROOM)
    async with sessions.begin() as s:
        row = await s.get(Schedule, saved.rows[0].id)
        assert row is not None
        row.target_room_id = ROOMS["DT2"]
    with pytest.raises(CampaignNotFound):
        await service.get(saved.campaign.id, ag1)
    assert len((await service.get(saved.campaign.id, await admin(sessions, "HQ"))).rows) == 4
    async with sessions.begin() as s:
        await s.execute(delete(Schedule))
    with pytest.raises(CampaignNotFound):
        await service.get(saved.campaign.id, await admin(sessions, "HQ"))


async def test_row_for_room_by_name_chat_id_or_the_first(
    cfg: Config, sessions: async_sessionmaker[AsyncSession]
) -> None:
    service, _, _ = await campaign_world(cfg, sessions)
    dt1 = await admin(sessions, "DT1")
    saved = await service.create(form(org="DT1"), dt1, current_room_id=BR1_ROOM)
    cid = saved.campaign.id
    row, room = await service.row_for_room(cid, dt1, "BR2 상담방")
    assert row.target_room_id == BR2_EXTRA and room is not None and room.name == "BR2 상담방"
    row, _ = await service.row_for_room(cid, dt1, f" {BR1_ROOM} ")
    assert row.target_room_id == BR1_ROOM
    row, room = await service.row_for_room(cid, dt1, None)
    assert room is not None and room.name == DT1_LIVE[0]
    with pytest.raises(Invalid) as caught:
        await service.row_for_room(cid, dt1, "DT2 공지방")
    assert caught.value.field == "room"
    assert f"'DT2 공지방' 방은 C{cid} 캠페인의 방이 아닙니다" in caught.value.message
    with pytest.raises(CampaignNotFound):
        await service.row_for_room(cid, await admin(sessions, "BR1"), None)


async def test_campaign_ids_group_schedules(
    cfg: Config, sessions: async_sessionmaker[AsyncSession]
) -> None:
    service, _, _ = await campaign_world(cfg, sessions)
    hq = await admin(sessions, "HQ")
    first = await service.create(form(org="AG1"), hq, current_room_id=BR1_ROOM)
    second = await service.create(form("DT1 공지방", "DT2 공지방"), hq, current_room_id=BR1_ROOM)
    async with sessions() as s:
        ids = list(await s.scalars(select(Schedule.id)))
    found = await service.campaign_ids([*ids, 999])
    assert found == {row.id: first.campaign.id for row in first.rows} | {
        row.id: second.campaign.id for row in second.rows
    }
    assert await service.campaign_ids([]) == {}
