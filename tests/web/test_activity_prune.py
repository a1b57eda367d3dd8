"""The webhook's room activity loop (``EngagementCapture.run``) deletes activity hours past
their keep time at once and then every ``PRUNE_EVERY_S`` of clock time, whichever transport
kbot sends with (it once ran with the Iris receipts only). Time is a FakeClock."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime, timedelta

from sqlalchemy import select

from core.timeutil import to_utc_naive
from storage import engagement
from storage.engagement_models import RoomActivity
from tests.support.command_world import ROOMS, START
from tests.support.echo_app import Sessions
from tests.support.fakes import FakeClock
from web.webhooks.engagement import FLUSH_S, PRUNE_EVERY_S, EngagementCapture

ROOM = ROOMS["BR1"]
KEEP = timedelta(days=engagement.ACTIVITY_KEEP_DAYS)


async def _add(sessions: Sessions, hour: datetime) -> None:
    async with sessions.begin() as s:
        s.add(RoomActivity(room_id=ROOM, hour=hour, messages=3))


async def _hours(sessions: Sessions) -> set[datetime]:
    async with sessions() as s:
        return set(await s.scalars(select(RoomActivity.hour)))


async def test_old_activity_is_pruned_at_start_and_then_hourly(sessions: Sessions) -> None:
    clock = FakeClock(START)
    now = to_utc_naive(START).replace(minute=0, second=0)
    old, recent = now - KEEP - timedelta(hours=1), now - KEEP + timedelta(hours=2)
    await _add(sessions, old)
    await _add(sessions, recent)
    capture = EngagementCapture(sessions, clock, None)
    loop = asyncio.create_task(capture.run())
    try:
        await clock.wait_for_sleepers(1)
        assert await _hours(sessions) == {recent}
        await _add(sessions, old)  # written again (by a backup's restore, say)
        await clock.advance(FLUSH_S)  # the next rounds only flush
        await clock.wait_for_sleepers(1)
        assert await _hours(sessions) == {old, recent}
        await clock.advance(PRUNE_EVERY_S)
        await clock.wait_for_sleepers(1)
        assert await _hours(sessions) == {recent}
    finally:
        loop.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await loop
