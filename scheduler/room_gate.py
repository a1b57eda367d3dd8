"""The checks right before a send (seed 7.2 and 7.3): the room is registered, active and
inside the creator org's subtree; the room's daily limit is not reached; and the send gets a
start slot at least ``room_min_interval_s`` after the previous send to that room.

The slot is reserved by writing the occurrence's ``started_at`` while the room row is locked
(``FOR UPDATE`` on MySQL; ``BEGIN IMMEDIATE`` on SQLite), so workers in several processes
queue up for one room instead of racing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from kbot.timeutil import from_utc_naive, to_utc_naive
from scheduler.context import Deps, in_transaction
from scheduler.logbook import SKIPPED
from storage.kbot_models import Occurrence, Org, Room
from storage.models import Schedule
from storage.orgs import is_within


@dataclass(frozen=True, slots=True)
class Begun:
    """An occurrence about to be sent: its rows, and either a start slot or a refusal."""

    occ: Occurrence
    row: Schedule
    slot: datetime | None = None  # aware UTC; None for a resumed send or a refusal
    refusal: str | None = None  # why it is not sent, worded for the log


Precheck = Callable[[Occurrence, Schedule], str | None]


async def room_refusal(session: AsyncSession, row: Schedule, room_id: str) -> str | None:
    """Why ``row`` may not send to ``room_id`` now, or None when it may."""
    room = await session.scalar(select(Room).where(Room.chat_id == room_id))
    if room is None:
        return f"room not registered: {room_id} is not in kbot_rooms"
    if not room.active:
        return f"room deactivated: {room_id}"
    creator = await session.scalar(select(Org).where(Org.code == row.created_by_id))
    if creator is None or not creator.active:
        return f"creator org {row.created_by_id} is unknown or inactive"
    if not await is_within(session, room.org_id, creator.id):
        return f"room {room_id} is outside the creator org {row.created_by_id}"
    return None


async def begin(deps: Deps, occ_id: int, precheck: Precheck) -> Begun | None:
    """Load occurrence ``occ_id`` and, unless it is a resumed send, run ``precheck``, check
    the room and reserve a start slot, all in one transaction. None when the occurrence is
    no longer this worker's to send."""

    async def work(session: AsyncSession) -> Begun | None:
        occ = await session.get(Occurrence, occ_id)
        if occ is None or occ.lease_owner != deps.owner or occ.state not in ("pending", "sending"):
            return None
        row = await session.get(Schedule, occ.schedule_id)
        if row is None:
            return None
        if occ.started_at is not None:
            return Begun(occ, row)
        refusal = precheck(occ, row) or await room_refusal(session, row, occ.target_room_id)
        if refusal is not None:
            return Begun(occ, row, refusal=refusal)
        if deps.mysql:  # one room's senders queue up on its row until this commits
            await session.execute(
                select(Room.id).where(Room.chat_id == occ.target_room_id).with_for_update()
            )
        now = deps.clock.now()
        settings = deps.settings
        sent_today, last = await _room_history(session, deps, occ, now)
        if sent_today >= settings.room_daily_limit:
            return Begun(
                occ,
                row,
                refusal=f"{SKIPPED}room daily limit reached ({settings.room_daily_limit} sends "
                f"to {occ.target_room_id} today)",
            )
        slot = now
        if last is not None and settings.room_min_interval_s:
            slot = max(now, from_utc_naive(last) + timedelta(seconds=settings.room_min_interval_s))
        occ.started_at = to_utc_naive(slot)
        occ.state = "sending"
        occ.attempts += 1
        return Begun(occ, row, slot=slot)

    return await in_transaction(deps, work)


async def _room_history(
    session: AsyncSession, deps: Deps, occ: Occurrence, now: datetime
) -> tuple[int, datetime | None]:
    """Sends to the room begun today (local day), and the latest start there."""
    local_day = now.astimezone(deps.tz).date()
    start = to_utc_naive(datetime.combine(local_day, time(0), tzinfo=deps.tz))
    end = to_utc_naive(datetime.combine(local_day + timedelta(days=1), time(0), tzinfo=deps.tz))
    started = Occurrence.started_at
    today = case((and_(started >= start, started < end), 1), else_=0)
    count, last = (
        await session.execute(
            select(func.coalesce(func.sum(today), 0), func.max(started)).where(
                Occurrence.target_room_id == occ.target_room_id, Occurrence.id != occ.id
            )
        )
    ).one()
    return int(count), last
