"""The campaign service tests' world: ``build_world``'s org tree and rooms, plus a test room
and an inactive room inside DT1's subtree and a second live room of BR2, and helpers to read
a campaign's rows back from the database."""

from __future__ import annotations

from dataclasses import replace
from datetime import time

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.config import Config
from services.campaigns import CampaignService
from services.schedule_form import ScheduleForm
from services.schedule_targets import Targets
from storage import admins, rooms
from storage.kbot_models import Admin, Campaign, Room, ScheduleMeta
from storage.models import Schedule
from tests.support.command_world import START, USERS, RecordingScheduler, build_world, context
from tests.support.fakes import FakeClock

BR2_EXTRA = "100000000000016"  # a second live room of BR2
AG1_TEST = "100000000000013"  # a test room of AG1
BR2_OFF = "100000000000026"  # an inactive room of BR2
# DT1's subtree's active live rooms, in (name, chat id) order
DT1_LIVE = ["AG1 공지방", "BR2 공지방", "BR2 상담방", "DT1 공지방", "도매까 강남지점 공지방"]

FORM = ScheduleForm(
    title="월간 공지",
    schedule_type="daily",
    schedule_time=time(10, 0),
    message_text="{방이름} 여러분 안녕하세요",
)


async def campaign_world(
    cfg: Config, sessions: async_sessionmaker[AsyncSession]
) -> tuple[CampaignService, FakeClock, RecordingScheduler]:
    await build_world(sessions)
    async with sessions.begin() as s:
        for chat_id, name, code, kind in (
            (BR2_EXTRA, "BR2 상담방", "BR2", "live"),
            (AG1_TEST, "AG1 테스트방", "AG1", "test"),
            (BR2_OFF, "BR2 옛방", "BR2", "live"),
        ):
            await rooms.add_room(
                s, chat_id=chat_id, name=name, org_code=code, room_type=kind, at=START, actor="t"
            )
        off = await s.scalar(select(Room).where(Room.chat_id == BR2_OFF))
        assert off is not None
        off.active = False
    ctx, clock, port = context(cfg, sessions)
    return ctx.schedules.campaigns, clock, port


async def admin(sessions: async_sessionmaker[AsyncSession], code: str) -> Admin:
    async with sessions() as s:
        return await admins.get_by_kakao_id(s, USERS[code])


def form(*rooms: str, org: str | None = None, **changes: object) -> ScheduleForm:
    return replace(FORM, room=Targets(rooms=rooms, org=org), **changes)  # type: ignore[arg-type]


async def campaign_rows(
    sessions: async_sessionmaker[AsyncSession], campaign_id: int
) -> list[tuple[Schedule, Room]]:
    """The campaign's rows with their rooms, in (room name, chat id) order."""
    async with sessions() as s:
        query = (
            select(Schedule, Room)
            .join(ScheduleMeta, ScheduleMeta.schedule_id == Schedule.id)
            .join(Room, Room.chat_id == Schedule.target_room_id)
            .where(ScheduleMeta.campaign_id == campaign_id)
            .order_by(Room.name, Room.chat_id)
        )
        return [(row, room) for row, room in (await s.execute(query)).all()]


async def campaign_of(sessions: async_sessionmaker[AsyncSession], campaign_id: int) -> Campaign:
    async with sessions() as s:
        found = await s.get(Campaign, campaign_id)
        assert found is not None
        return found
