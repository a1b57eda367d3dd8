"""When the loop should look again: the earliest due schedule or expiring foreign lease;
and sleeping until then unless woken."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from core.clock import Clock
from core.timeutil import from_local_naive, to_utc_naive
from scheduler.context import Deps
from storage.kbot_models import Occurrence
from storage.models import Schedule


async def next_wake(deps: Deps) -> float | None:
    """Seconds until the earliest active schedule is due or a lease expires (0 when a row
    needs its next time computed); None when nothing is pending."""
    async with deps.sessions() as session:
        nulls = await session.scalar(
            select(func.count())
            .select_from(Schedule)
            .where(Schedule.status == "active", Schedule.next_send_at.is_(None))
        )
        released = await session.scalar(
            select(func.count())
            .select_from(Occurrence)
            .where(Occurrence.state.in_(("pending", "sending")), Occurrence.lease_owner.is_(None))
        )
        if nulls or released:
            return 0.0
        due = await session.scalar(
            select(func.min(Schedule.next_send_at)).where(Schedule.status == "active")
        )
        lease = await session.scalar(
            select(func.min(Occurrence.lease_expires_at)).where(
                Occurrence.state.in_(("pending", "sending")),
                Occurrence.lease_owner != deps.owner,
            )
        )
    now = deps.clock.now()
    waits = []
    if due is not None:
        waits.append((from_local_naive(due, deps.tz) - now).total_seconds())
    if lease is not None:
        waits.append((lease - to_utc_naive(now)).total_seconds() + 0.001)
    return max(0.0, min(waits)) if waits else None


async def sleep_unless(clock: Clock, event: asyncio.Event, seconds: float) -> None:
    """Sleep ``seconds`` on the clock, or less when ``event`` is set."""
    sleeper = asyncio.ensure_future(clock.sleep(seconds))
    waiter = asyncio.ensure_future(event.wait())
    try:
        await asyncio.wait((sleeper, waiter), return_when=asyncio.FIRST_COMPLETED)
    finally:
        for fut in (sleeper, waiter):
            fut.cancel()
