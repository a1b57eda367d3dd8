"""A campaign's rows failing together: each failure is logged, and the creator's room hears of
it once per alert interval (``AlertGate`` keys the alerts by campaign), not once per room."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.sender import SendError
from core.alerts import Alert
from core.config import Config
from scheduler.alerts import AlertGate
from storage.kbot_models import Campaign, ScheduleMeta
from tests.support.fakes import FakeClock
from tests.support.sched_support import (
    OTHER_ROOM,
    ROOM,
    START,
    RecordingSender,
    add_schedule,
    logs,
    run,
    scheduler,
)

DUE = START + timedelta(minutes=30)  # 09:30 local


async def test_rooms_of_one_campaign_failing_together_alert_once(
    cfg: Config, sessions: async_sessionmaker[AsyncSession], world: None
) -> None:
    clock = FakeClock(DUE)
    ids = [await add_schedule(sessions, target_room_id=room) for room in (ROOM, OTHER_ROOM)]
    alone = await add_schedule(sessions)
    async with sessions() as s, s.begin():
        campaign = Campaign(
            title="주간 특가", owner_org_id=1, spread_s=0, created_at=datetime(2026, 11, 26)
        )
        s.add(campaign)
        await s.flush()
        for sid in ids:
            s.add(ScheduleMeta(schedule_id=sid, notify_room_id="777", campaign_id=campaign.id))
        s.add(ScheduleMeta(schedule_id=alone, notify_room_id="777"))
    delivered: list[Alert] = []

    async def inbox(alert: Alert) -> None:
        delivered.append(alert)

    gate = AlertGate(inbox, clock, min_interval_s=600)
    sender = RecordingSender(clock)
    sender.errors = [SendError("boom", retryable=False)] * 3
    sched = scheduler(cfg, sessions, sender, clock, notify=gate)
    await run(clock, sched.run_once())

    assert [entry.status for entry in await logs(sessions)] == ["failed"] * 3
    told = sorted((alert.campaign_id or 0, alert.schedule_id or 0) for alert in delivered)
    assert len(told) == 2  # one for the campaign's two rooms, one for the schedule alone
    assert told[0] == (0, alone) and told[1][0] == campaign.id and told[1][1] in ids
    assert {alert.room_id for alert in delivered} == {"777"}
