"""The checks right before a send (seed 7.2 and 7.3): the schedule's content is sendable, the
room is registered, active and inside the creator org's subtree; the room's daily limit is
not reached; and the send gets a start slot at least ``room_min_interval_s`` after the
previous send to that room.

New occurrences are admitted inside the claim that creates them (``admit``), occurrences
held by id (taken over after a crash, or sent now) by ``begin_many``. Either way a batch is
admitted in one transaction: rooms, orgs and each room's history
(today's count and latest start, from the ``scheduler.room_ledger``) are read once, then the
slots are handed out in occurrence order. A slot is reserved by writing the occurrence's
``started_at`` and its ledger row while the room rows are locked (``FOR UPDATE`` on MySQL;
``BEGIN IMMEDIATE`` on SQLite), so workers in several processes queue up for one room instead
of racing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.human import duration
from core.timeutil import from_local_naive, to_utc_naive
from scheduler import room_ledger
from scheduler.bulk import update_rows
from scheduler.context import Deps, in_transaction
from scheduler.held import Held, SendColumns, load_held, load_send_rows
from scheduler.logbook import SKIPPED
from scheduler.parts import PartError, build_parts
from scheduler.rendered import render_batch
from scheduler.room_access import Access
from storage.kbot_models import Occurrence, Room

_OCC = cast(Table, Occurrence.__table__)


class RoomBusy(Exception):
    """A send somebody asked for, not confirmed, would have to wait for the room's next slot
    (``room_min_interval_s`` after the latest send into it): it is not queued."""

    def __init__(self, room_id: str, wait_s: int, queued: bool) -> None:
        super().__init__(f"room {room_id} is free again in {wait_s}s")
        self.room_id = room_id
        self.wait_s = wait_s  # seconds until the room's next free slot
        self.queued = queued  # the latest send into the room has not started yet


@dataclass(frozen=True, slots=True)
class Begun:
    """An occurrence about to be sent: its rows, and either a start slot or a refusal."""

    occ: Held
    row: SendColumns
    slot: datetime | None = None  # aware UTC; None for a resumed send or a refusal
    refusal: str | None = None  # why it is not sent, worded for the log
    stops: bool = False  # the refusal also stops the schedule (unsafe content)
    access: bool = False  # refused because the room or an org is not in force (seed 7.2)


def precheck(deps: Deps, occ: Held, row: SendColumns) -> str | None:
    """Why an occurrence not yet begun must not be sent, from its rows alone."""
    settings = deps.settings
    try:
        build_parts(row)
    except PartError as exc:
        return str(exc)
    length = len(row.message_text or "")
    if length > settings.max_text_length:
        return f"텍스트가 {length}자로 max_text_length={settings.max_text_length}자보다 깁니다."
    if occ.kind != "scheduled":
        return None
    if row.status == "inactive":
        return f"{SKIPPED}스케줄이 꺼져 있습니다."
    late = (deps.clock.now() - from_local_naive(occ.scheduled_at, deps.tz)).total_seconds()
    if late > settings.misfire_grace_s:
        grace = settings.misfire_grace_s
        return (
            f"{SKIPPED}예정 시각보다 {duration(late * 1000)} 늦게 시작되어 보내지 않았습니다 "
            f"(misfire_grace_s={grace}초까지만 늦게 보냄)."
        )
    return None


async def begin_many(deps: Deps, occ_ids: list[int]) -> list[Begun | None]:
    """Load the occurrences and, for each not yet begun, run the checks and reserve a start
    slot, all in one transaction. None for an occurrence that is no longer this worker's."""

    async def work(session: AsyncSession) -> list[Begun | None]:
        return await begin_in(session, deps, occ_ids)

    return await in_transaction(deps, work)


async def begin_in(session: AsyncSession, deps: Deps, occ_ids: list[int]) -> list[Begun | None]:
    """``begin_many`` inside the caller's transaction."""
    mine = [
        occ
        for occ in await load_held(session, occ_ids)
        if occ.lease_owner == deps.owner and occ.state in ("pending", "sending")
    ]
    rows = await load_send_rows(session, {occ.schedule_id for occ in mine})
    held = [(occ, rows[occ.schedule_id]) for occ in mine if occ.schedule_id in rows]
    begun: dict[int, Begun] = {}
    fresh = []
    rendered = await render_batch(session, held, public_url=deps.public_url, now=deps.clock.now())
    for occ, row in sorted(rendered, key=lambda pair: pair[0].id):
        if occ.started_at is not None:  # resumed: its slot was taken before
            begun[occ.id] = Begun(occ, row)
        else:
            fresh.append((occ, row))
    for item in await admit(session, deps, fresh):
        begun[item.occ.id] = item
    reserved = {
        item.occ.id: {"started_at": item.occ.started_at}
        for item in begun.values()
        if item.slot is not None
    }
    await update_rows(session, _OCC, reserved, state="sending", attempts=_OCC.c.attempts + 1)
    await room_ledger.record(session, (begun[i].occ for i in reserved))
    return [begun.get(occ_id) for occ_id in occ_ids]


async def admit(
    session: AsyncSession, deps: Deps, fresh: list[tuple[Held, SendColumns]]
) -> list[Begun]:
    """Check occurrences not yet begun and hand out start slots, in the given order, inside
    the caller's transaction. An admitted occurrence gets its slot as ``started_at``, state
    'sending' and one more attempt on the ``Held``; the caller writes those. The rows are
    rendered already (``scheduler.rendered``): the checks see the text as it is sent."""
    result: list[Begun] = []
    access = await Access.load(session, deps.images, ((o.target_room_id, r) for o, r in fresh))
    checked = []
    for occ, row in fresh:
        room = None if direct_test(occ) else access.refusal(row, occ.target_room_id)
        early = precheck(deps, occ, row)
        refusal = early or room
        unsafe = None if refusal is not None else access.image_refusal(row)
        if refusal is not None or unsafe is not None:
            result.append(
                Begun(
                    occ,
                    row,
                    refusal=refusal or unsafe,
                    stops=unsafe is not None,
                    access=early is None and room is not None,
                )
            )
        else:
            checked.append((occ, row))
    if not checked:
        return result
    room_ids = sorted({occ.target_room_id for occ, _ in checked})
    if deps.mysql:  # one room's senders queue up on its row until this commits
        await session.execute(
            select(Room.id).where(Room.chat_id.in_(room_ids)).order_by(Room.id).with_for_update()
        )
    now = deps.clock.now()
    settings = deps.settings
    history = await room_ledger.history(session, deps, room_ids, now)
    for occ, row in checked:
        sent_today, last = history.get(occ.target_room_id, (0, None))
        if sent_today >= settings.room_daily_limit:
            refusal = (
                f"{SKIPPED}방 {occ.target_room_id}에 오늘 보낼 수 있는 횟수"
                f"(room_daily_limit {settings.room_daily_limit}회)를 다 보냈습니다."
            )
            result.append(Begun(occ, row, refusal=refusal))
            continue
        slot = now
        if last is not None and settings.room_min_interval_s:
            slot = max(now, last + timedelta(seconds=settings.room_min_interval_s))
        history[occ.target_room_id] = (sent_today + 1, slot)
        occ.started_at, occ.state, occ.attempts = to_utc_naive(slot), "sending", occ.attempts + 1
        result.append(Begun(occ, row, slot=slot))
    return result


def direct_test(occ: Held) -> bool:
    """A test send into the 1:1 chat where its admin asked for it (``Scheduler.send_now``
    with ``direct``): only that admin reads the room, so it needs no registration."""
    return occ.kind == "test" and bool((occ.detail or {}).get("direct_chat"))
