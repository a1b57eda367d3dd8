"""Keeping and giving back the leases this worker holds on occurrences, taking over orphaned
ones, and creating (and admitting) the occurrence of a send-now (manual or test send)."""

from __future__ import annotations

import math
from collections.abc import Collection
from datetime import timedelta
from typing import cast

from sqlalchemy import Table, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from scheduler import room_ledger
from scheduler.context import Deps, in_transaction, log
from scheduler.room_gate import Begun, RoomBusy, begin_in
from storage.kbot_models import Occurrence, Room, ScheduleMeta
from storage.models import Schedule

_OPEN = ("pending", "sending")
_TABLE = cast(Table, Occurrence.__table__)


async def renew(deps: Deps, ids: Collection[int]) -> None:
    if not ids:
        return

    async def work(session: AsyncSession) -> None:
        await session.execute(
            update(Occurrence)
            .where(Occurrence.id.in_(list(ids)), Occurrence.lease_owner == deps.owner)
            .values(lease_expires_at=deps.lease_until())
        )

    await in_transaction(deps, work)


async def release(deps: Deps) -> None:
    """Give back every open occurrence this worker holds, so another takes it over at once.
    One not yet begun also gives back its room slot (it is admitted again by the taker)."""

    async def work(session: AsyncSession) -> None:
        mine = (Occurrence.lease_owner == deps.owner, Occurrence.state.in_(_OPEN))
        unbegun = (Occurrence.parts_done == 0, Occurrence.started_at.is_not(None))
        slots = list(await session.scalars(select(Occurrence.id).where(*mine, *unbegun)))
        await room_ledger.give_back(session, slots)
        await session.execute(
            update(Occurrence)
            .where(*mine, Occurrence.parts_done == 0)
            .values(state="pending", started_at=None)
        )
        await session.execute(
            update(Occurrence).where(*mine).values(lease_owner=None, lease_expires_at=None)
        )

    await in_transaction(deps, work)


SEND_NOW_ATTEMPTS = 5


async def create_send_now(
    deps: Deps,
    schedule_id: int,
    kind: str,
    room_id: str | None,
    *,
    confirmed: bool = False,
    direct: bool = False,
) -> Begun:
    """Insert the occurrence of a manual or test send, leased to this worker, and admit it
    (checks and start slot) in the same transaction. A test send goes to ``room_id``, else
    the schedule's test room, else its target room; ``direct``: ``room_id`` is the 1:1 chat
    of the admin who asked (``room_gate.direct_test``).

    ``LookupError`` for an unknown schedule. ``RoomBusy`` when the room's next free slot is
    later than now and the send is not ``confirmed``: then nothing is written."""

    async def work(session: AsyncSession) -> Begun:
        row = await session.get(Schedule, schedule_id)
        if row is None:
            raise LookupError(f"schedule {schedule_id} does not exist")
        room = room_id
        if room is None and kind == "test":
            room = await session.scalar(
                select(ScheduleMeta.test_room_id).where(ScheduleMeta.schedule_id == schedule_id)
            )
        room = room or row.target_room_id
        if deps.mysql:  # the room's senders queue up here, as in room_gate.admit
            await session.execute(select(Room.id).where(Room.chat_id == room).with_for_update())
        at = deps.local_now().replace(microsecond=0)
        taken = set(
            await session.scalars(
                select(Occurrence.scheduled_at).where(
                    Occurrence.schedule_id == schedule_id,
                    Occurrence.kind == kind,
                    Occurrence.scheduled_at >= at,
                )
            )
        )
        while at in taken:
            at += timedelta(seconds=1)
        occ = Occurrence(
            schedule_id=schedule_id,
            scheduled_at=at,
            kind=kind,
            target_room_id=room,
            state="pending",
            parts_total=0,
            parts_done=0,
            attempts=0,
            lease_owner=deps.owner,
            lease_expires_at=deps.lease_until(),
            detail={"direct_chat": True} if direct and kind == "test" else None,
            created_at=deps.utc_now(),
        )
        session.add(occ)
        await session.flush()
        [begun] = await begin_in(session, deps, [occ.id])
        assert begun is not None  # leased to this worker in this very transaction
        _refuse_unconfirmed_wait(deps, begun, confirmed)
        return begun

    for _ in range(SEND_NOW_ATTEMPTS - 1):
        try:
            return await in_transaction(deps, work)
        except IntegrityError:  # a concurrent send-now took the same second: look again
            log.info("send-now of schedule %d raced another for its second; retrying", schedule_id)
    return await in_transaction(deps, work)


def _refuse_unconfirmed_wait(deps: Deps, begun: Begun, confirmed: bool) -> None:
    """Raise ``RoomBusy`` (rolling the transaction back) when ``begun`` would wait for its
    room's slot and the person did not confirm that."""
    if begun.slot is None or confirmed:
        return
    wait = (begun.slot - deps.clock.now()).total_seconds()
    if wait <= 0:
        return
    interval = timedelta(seconds=deps.settings.room_min_interval_s)
    queued = begun.slot - interval > deps.clock.now()
    raise RoomBusy(begun.occ.target_room_id, math.ceil(wait), queued)


async def take_over(
    session: AsyncSession, deps: Deps, limit: int, exclude: Collection[int]
) -> list[int]:
    """Lease up to ``limit`` orphaned occurrences (expired or released leases, not in
    ``exclude``) to this worker, inside the caller's transaction; their ids."""
    query = (
        select(_TABLE.c.id, _TABLE.c.lease_owner)
        .where(
            _TABLE.c.state.in_(_OPEN),
            or_(_TABLE.c.lease_owner.is_(None), _TABLE.c.lease_expires_at < deps.utc_now()),
        )
        .order_by(_TABLE.c.id)
        .limit(limit + len(exclude))
    )
    if deps.mysql:
        query = query.with_for_update(skip_locked=True)
    taken: list[int] = []
    for occ_id, owner in (await session.execute(query)).all():
        if occ_id in exclude or len(taken) >= limit:
            continue
        if owner is not None:
            log.warning("occurrence %d: lease of %s expired, taking over", occ_id, owner)
        taken.append(occ_id)
    if taken:
        await session.execute(
            update(_TABLE)
            .where(_TABLE.c.id.in_(taken))
            .values(lease_owner=deps.owner, lease_expires_at=deps.lease_until())
        )
    return taken
