"""A campaign with a rule beyond the seed (issue 18): one rules row per kb_schedule row,
written in bulk, with each row's seed form (monthly -> daily) and fingerprint; the spread
moves every time of a row; an edit keeps them per row and a plain edit drops them."""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.config import Config
from scheduler.rules import MonthDay
from scheduler.schedule_rule import fingerprint
from storage.kbot_models import ScheduleRule
from tests.services.campaign_world import BR2_EXTRA, admin, campaign_rows, campaign_world, form
from tests.support.command_world import ROOMS


async def rules(sessions: async_sessionmaker[AsyncSession]) -> dict[int, ScheduleRule]:
    async with sessions() as s:
        return {rule.schedule_id: rule for rule in await s.scalars(select(ScheduleRule))}


async def test_a_monthly_campaign_spread_over_two_rooms(
    cfg: Config, sessions: async_sessionmaker[AsyncSession]
) -> None:
    service, _, _ = await campaign_world(cfg, sessions)
    actor = await admin(sessions, "BR2")
    monthly = form(
        ROOMS["BR2"],
        BR2_EXTRA,
        schedule_type="monthly",
        month_day=MonthDay(last=True),
        schedule_time=time(9),
        times=(time(9), time(18)),
        spread_s=600,
        max_sends=5,
    )
    saved = await service.create(monthly, actor, current_room_id=ROOMS["BR2"])
    rows = await campaign_rows(sessions, saved.campaign.id)
    stored = await rules(sessions)
    assert sorted(stored) == sorted(row.id for row, _ in rows)
    starts = sorted(row.schedule_time for row, _ in rows)
    assert starts == [time(9), time(9, 5)]  # the spread moves the first time ...
    for row, _ in rows:
        rule = stored[row.id]
        assert row.schedule_type == "daily" and rule.kind == "monthly" and rule.month_last
        assert rule.max_sends == 5 and rule.seed_fingerprint == fingerprint(row)
        second = "18:05" if row.schedule_time == time(9, 5) else "18:00"
        assert rule.times == f"{row.schedule_time:%H:%M},{second}"  # ... and the others
        assert row.next_send_at == datetime(
            2026, 11, 30, row.schedule_time.hour, row.schedule_time.minute
        )

    await service.edit(
        saved.campaign.id,
        form(ROOMS["BR2"], BR2_EXTRA, title="새 제목", schedule_time=None),
        actor,
        current_room_id="",
    )
    assert {k: v.times for k, v in (await rules(sessions)).items()} == {
        k: v.times for k, v in stored.items()
    }
    await service.edit(
        saved.campaign.id,
        form(ROOMS["BR2"], BR2_EXTRA, schedule_type="daily", schedule_time=None, max_sends=0),
        actor,
        current_room_id="",
    )
    after = await rules(sessions)
    assert all(rule.kind is None and rule.max_sends is None for rule in after.values())
    assert all(rule.times for rule in after.values())  # several times a day stay
