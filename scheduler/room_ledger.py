"""The per-room send ledger (``kbot_room_sends``) behind the room limits of seed 7.3.

Every start slot handed out to a send into a room is one ledger row, written in the
transaction that hands it out; a slot given back (a send released before it began) is
deleted with it. The limits read each room's sends of the local day and its latest start
from here, never from the occurrences: the ledger has no foreign keys, so deleting or
editing a schedule (or SQLite reusing its id) gives a room none of its sends back.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime, time, timedelta
from typing import cast

from sqlalchemy import Table, and_, case, delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.timeutil import from_utc_naive, to_utc_naive
from scheduler.context import Deps
from scheduler.held import Held
from storage.kbot_models import RoomSend

_LEDGER = cast(Table, RoomSend.__table__)
KEEP = timedelta(days=2)  # the limits look back one local day at most


async def record(session: AsyncSession, slots: Iterable[Held]) -> None:
    """Write the slots just handed out (occurrences with their id and ``started_at``)."""
    rows = [
        {
            "room_id": occ.target_room_id,
            "started_at": occ.started_at,
            "kind": occ.kind,
            "schedule_id": occ.schedule_id,
            "occurrence_id": occ.id,
        }
        for occ in slots
        if occ.started_at is not None
    ]
    if rows:
        await session.execute(insert(_LEDGER), rows)


async def give_back(session: AsyncSession, occurrence_ids: Collection[int]) -> None:
    """Delete the slots of occurrences that are released before they began."""
    if occurrence_ids:
        await session.execute(
            delete(_LEDGER).where(_LEDGER.c.occurrence_id.in_(list(occurrence_ids)))
        )


async def history(
    session: AsyncSession, deps: Deps, room_ids: list[str], now: datetime
) -> dict[str, tuple[int, datetime | None]]:
    """Per room: sends begun today (local day), and the latest start (aware UTC) when it
    still matters (less than ``room_min_interval_s`` ago, or reserved for later)."""
    local_day = now.astimezone(deps.tz).date()
    start = to_utc_naive(datetime.combine(local_day, time(0), tzinfo=deps.tz))
    end = to_utc_naive(datetime.combine(local_day + timedelta(days=1), time(0), tzinfo=deps.tz))
    recent = to_utc_naive(now - timedelta(seconds=deps.settings.room_min_interval_s))
    started = _LEDGER.c.started_at
    today = case((and_(started >= start, started < end), 1), else_=0)
    found = await session.execute(
        select(_LEDGER.c.room_id, func.coalesce(func.sum(today), 0), func.max(started))
        .where(_LEDGER.c.room_id.in_(room_ids), started >= min(start, recent))
        .group_by(_LEDGER.c.room_id)
    )
    return {
        room: (int(count), from_utc_naive(last) if last is not None else None)
        for room, count, last in found.all()
    }


async def prune(session: AsyncSession, now: datetime) -> int:
    """Delete rows older than ``KEEP``; how many went."""
    gone = await session.execute(
        delete(_LEDGER).where(_LEDGER.c.started_at < to_utc_naive(now - KEEP))
    )
    return int(gone.rowcount or 0)  # type: ignore[attr-defined]
