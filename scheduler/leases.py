"""Keeping and giving back the leases this worker holds on occurrences, taking over orphaned
ones, and creating the occurrence of a send-now (manual or test send)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import timedelta
from typing import cast

from sqlalchemy import Table, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from scheduler import room_ledger
from scheduler.context import Deps, in_transaction, log
from storage.kbot_models import Occurrence, ScheduleMeta
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


async def create_send_now(deps: Deps, schedule_id: int, kind: str, room_id: str | None) -> int:
    """Insert the occurrence of a manual or test send, leased to this worker; ``LookupError``
    for an unknown schedule. A test send goes to ``room_id``, else the schedule's test room,
    else its target room."""

    async def work(session: AsyncSession) -> int:
        row = await session.get(Schedule, schedule_id)
        if row is None:
            raise LookupError(f"schedule {schedule_id} does not exist")
        room = room_id
        if room is None and kind == "test":
            room = await session.scalar(
                select(ScheduleMeta.test_room_id).where(ScheduleMeta.schedule_id == schedule_id)
            )
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
            target_room_id=room or row.target_room_id,
            state="pending",
            parts_total=0,
            parts_done=0,
            attempts=0,
            lease_owner=deps.owner,
            lease_expires_at=deps.lease_until(),
            created_at=deps.utc_now(),
        )
        session.add(occ)
        await session.flush()
        return occ.id

    for _ in range(SEND_NOW_ATTEMPTS - 1):
        try:
            return await in_transaction(deps, work)
        except IntegrityError:  # a concurrent send-now took the same second: look again
            log.info("send-now of schedule %d raced another for its second; retrying", schedule_id)
    return await in_transaction(deps, work)


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
