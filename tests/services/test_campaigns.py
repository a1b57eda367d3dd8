"""Creating a campaign: one kb_schedule row per target room, all or none, each room
permission-checked, the rows spread over ``분산:`` in a stable order."""

from __future__ import annotations

from datetime import time

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.config import Config
from services.errors import Invalid
from services.permissions import PermissionDenied
from storage.kbot_models import Admin, AuditEntry, Campaign, Org, Room, ScheduleMeta
from storage.models import Schedule
from tests.services.campaign_world import (
    AG1_TEST,
    BR2_EXTRA,
    BR2_OFF,
    DT1_LIVE,
    admin,
    campaign_of,
    campaign_rows,
    campaign_world,
    form,
)
from tests.support.command_world import BR1_ROOM, ROOMS, count


async def nothing_saved(sessions: async_sessionmaker[AsyncSession]) -> None:
    assert await count(sessions, Campaign) == 0
    assert await count(sessions, Schedule) == 0
    assert await count(sessions, ScheduleMeta) == 0


async def test_an_org_campaign_reaches_the_active_live_rooms_of_its_subtree(
    cfg: Config, sessions: async_sessionmaker[AsyncSession]
) -> None:
    service, _, port = await campaign_world(cfg, sessions)
    actor = await admin(sessions, "DT1")
    saved = await service.create(form(org="DT1"), actor, current_room_id=ROOMS["DT1"])
    rows = await campaign_rows(sessions, saved.campaign.id)
    assert [room.name for _, room in rows] == DT1_LIVE
    chat_ids = {room.chat_id for _, room in rows}
    assert AG1_TEST not in chat_ids and BR2_OFF not in chat_ids
    assert {row.id for row in saved.rows} == {row.id for row, _ in rows}
    assert [place.room.name for place in saved.places] == DT1_LIVE
    for row, _ in rows:
        assert (row.created_by_type, row.created_by_id, row.created_by_mb_id) == (
            "distributor",
            "DT1",
            "dt1",
        )
        assert row.target_room_type == "live" and row.status == "active"
        assert row.schedule_time == time(10, 0)
        assert row.next_send_at is not None and row.next_send_at.hour == 10
        assert row.message_text == "{방이름} 여러분 안녕하세요"
    async with sessions() as s:
        metas = list(await s.scalars(select(ScheduleMeta)))
        dt1 = await s.scalar(select(Org.id).where(Org.code == "DT1"))
        audits = await s.scalar(
            select(AuditEntry.id).where(AuditEntry.entity == "schedule").limit(1)
        )
    assert {meta.campaign_id for meta in metas} == {saved.campaign.id}
    assert {meta.notify_room_id for meta in metas} == {ROOMS["DT1"]}
    assert len(metas) == len(rows)
    campaign = await campaign_of(sessions, saved.campaign.id)
    assert (campaign.title, campaign.target_org_id, campaign.owner_org_id) == (
        "월간 공지",
        dt1,
        actor.org_id,
    )
    assert (campaign.creator_admin_id, campaign.spread_s, campaign.base_time) == (
        actor.id,
        0,
        time(10, 0),
    )
    assert audits is not None
    assert await count(sessions, AuditEntry, AuditEntry.entity == "schedule") == len(rows)
    assert port.wakes == 1


async def test_a_campaign_over_named_rooms(
    cfg: Config, sessions: async_sessionmaker[AsyncSession]
) -> None:
    service, _, _ = await campaign_world(cfg, sessions)
    actor = await admin(sessions, "AG1")
    saved = await service.create(
        form(BR2_EXTRA, "도매까 강남지점 공지방", "AG1 공지방"),
        actor,
        current_room_id=ROOMS["AG1"],
    )
    rows = await campaign_rows(sessions, saved.campaign.id)
    assert [room.name for _, room in rows] == ["AG1 공지방", "BR2 상담방", "도매까 강남지점 공지방"]
    assert {row.created_by_id for row, _ in rows} == {"AG1"}
    campaign = await campaign_of(sessions, saved.campaign.id)
    assert campaign.target_org_id is None


@pytest.mark.parametrize(
    ("code", "refs", "org"),
    [
        ("BR1", (BR1_ROOM, "BR2 공지방"), None),  # a room of a sibling branch
        ("DT1", ("DT1 공지방",), "DT2"),  # another distributor's subtree
    ],
)
async def test_a_room_out_of_reach_refuses_the_whole_campaign(
    cfg: Config,
    sessions: async_sessionmaker[AsyncSession],
    code: str,
    refs: tuple[str, ...],
    org: str | None,
) -> None:
    """Out of reach is answered like unknown (ids of other orgs cannot be probed), on the
    ``room`` field, naming what was refused."""
    service, _, _ = await campaign_world(cfg, sessions)
    actor = await admin(sessions, code)
    with pytest.raises(Invalid) as caught:
        await service.create(form(*refs, org=org), actor, current_room_id=BR1_ROOM)
    assert caught.value.field == "room"
    assert ("'BR2 공지방'" if org is None else "'DT2'") in caught.value.message
    assert "권한이 없는" in caught.value.message
    await nothing_saved(sessions)


async def test_an_inactive_admin_is_refused_and_nothing_is_saved(
    cfg: Config, sessions: async_sessionmaker[AsyncSession]
) -> None:
    service, _, _ = await campaign_world(cfg, sessions)
    actor = await admin(sessions, "HQ")
    async with sessions.begin() as s:
        stored = await s.get(Admin, actor.id)
        assert stored is not None
        stored.active = False
    actor.active = False
    with pytest.raises(PermissionDenied):
        await service.create(form(org="DT1"), actor, current_room_id=BR1_ROOM)
    await nothing_saved(sessions)


@pytest.mark.parametrize(
    ("refs", "org", "named"),
    [
        (("DT1 공지방", "없는방"), None, "'없는방'"),
        ((BR1_ROOM, "도매까 강남지점 공지방"), None, "두 번"),
        (("DT1 공지방",), "XX9", "'XX9'"),
        ((), "BR3", "운영 중인 방이 없습니다"),  # BR3's one room is deactivated below
        (("BR2 옛방",), None, "비활성"),
    ],
)
async def test_bad_targets_are_refused_naming_them(
    cfg: Config,
    sessions: async_sessionmaker[AsyncSession],
    refs: tuple[str, ...],
    org: str | None,
    named: str,
) -> None:
    service, _, _ = await campaign_world(cfg, sessions)
    async with sessions.begin() as s:
        br3 = await s.scalar(select(Room).where(Room.chat_id == ROOMS["BR3"]))
        assert br3 is not None
        br3.active = False
    actor = await admin(sessions, "HQ")
    with pytest.raises(Invalid) as caught:
        await service.create(form(*refs, org=org), actor, current_room_id=BR1_ROOM)
    assert caught.value.field == "room"
    assert named in caught.value.message
    await nothing_saved(sessions)


async def test_a_text_too_long_for_one_room_is_refused_naming_the_room(
    cfg: Config, sessions: async_sessionmaker[AsyncSession]
) -> None:
    service, _, _ = await campaign_world(cfg, sessions)
    actor = await admin(sessions, "HQ")
    limit = cfg.scheduler.max_text_length
    text = "{방이름}" + "가" * (limit - len("DT1 공지방"))  # fits every name but the longest
    with pytest.raises(Invalid) as caught:
        await service.create(form(org="DT1", message_text=text), actor, current_room_id=BR1_ROOM)
    assert caught.value.field == "message_text"
    assert "'도매까 강남지점 공지방'" in caught.value.message
    await nothing_saved(sessions)


async def test_spread_rows_over_the_window_in_a_stable_order(
    cfg: Config, sessions: async_sessionmaker[AsyncSession]
) -> None:
    service, _, _ = await campaign_world(cfg, sessions)
    actor = await admin(sessions, "HQ")
    names = ["BR2 공지방", "DT1 공지방", "AG1 공지방", BR2_EXTRA]
    saved = await service.create(
        form(*names, spread_s=600, schedule_time=time(9, 30)), actor, current_room_id=BR1_ROOM
    )
    rows = await campaign_rows(sessions, saved.campaign.id)
    assert [(room.name, row.schedule_time) for row, room in rows] == [
        ("AG1 공지방", time(9, 30)),
        ("BR2 공지방", time(9, 32, 30)),
        ("BR2 상담방", time(9, 35)),
        ("DT1 공지방", time(9, 37, 30)),
    ]
    assert [row.next_send_at.time() for row, _ in rows if row.next_send_at] == [
        row.schedule_time for row, _ in rows
    ]
    assert [row.id for row in saved.rows] == [row.id for row, _ in rows]
    campaign = await campaign_of(sessions, saved.campaign.id)
    assert (campaign.spread_s, campaign.base_time) == (600, time(9, 30))


async def test_a_spread_crossing_midnight_is_refused(
    cfg: Config, sessions: async_sessionmaker[AsyncSession]
) -> None:
    service, _, _ = await campaign_world(cfg, sessions)
    actor = await admin(sessions, "HQ")
    with pytest.raises(Invalid) as caught:
        await service.create(
            form(org="DT1", spread_s=1200, schedule_time=time(23, 45)),
            actor,
            current_room_id=BR1_ROOM,
        )
    assert caught.value.field == "spread_s" and "자정" in caught.value.message
    await nothing_saved(sessions)


async def test_the_test_room_is_set_on_every_row_and_the_title_is_cleaned(
    cfg: Config, sessions: async_sessionmaker[AsyncSession]
) -> None:
    service, _, _ = await campaign_world(cfg, sessions)
    actor = await admin(sessions, "AG1")
    saved = await service.create(
        form(org="AG1", test_room="AG1 테스트방", title=" 월간\u202e 공지 "),
        actor,
        current_room_id=BR1_ROOM,
    )
    async with sessions() as s:
        tests = set(await s.scalars(select(ScheduleMeta.test_room_id)))
    assert tests == {AG1_TEST}
    campaign = await campaign_of(sessions, saved.campaign.id)
    rows = await campaign_rows(sessions, saved.campaign.id)
    assert campaign.title == rows[0][0].title == "월간 공지"
