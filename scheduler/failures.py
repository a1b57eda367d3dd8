"""Consecutive failures of a schedule: a failed or partial scheduled send counts against it,
enough of them in a row put it into status 'error'; and who hears about a failure or a
refusal (``alert_rooms``)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from scheduler.context import Deps, log
from storage.kbot_models import ScheduleMeta
from storage.models import Schedule
from storage.notices import notify_mode


@dataclass(frozen=True, slots=True)
class Told:
    """Who hears of a schedule's trouble: the rooms, and the campaign the schedule is one
    room of (its rows' alerts are rate limited together: a campaign of 500 rooms failing at
    once is one alert per interval, not 500)."""

    rooms: tuple[str, ...] = ()
    campaign_id: int | None = None


async def count_failure(
    session: AsyncSession, deps: Deps, schedule_id: int, kind: str, *, stop: bool = False
) -> tuple[Told, bool]:
    """Count a failed or partial send of ``kind`` inside the caller's transaction; the rooms
    to alert, and whether the schedule was just put into status 'error'. With ``stop`` (its
    content was unsafe) the schedule goes into 'error' at once, whatever the kind."""
    meta = await session.get(ScheduleMeta, schedule_id, with_for_update=deps.mysql)
    now_error = False
    if stop:
        now_error = await _to_error(session, schedule_id, 0)
    elif kind == "scheduled":
        if meta is None:
            meta = ScheduleMeta(schedule_id=schedule_id, consecutive_failures=0, version=0)
            session.add(meta)
        meta.consecutive_failures = (meta.consecutive_failures or 0) + 1
        if meta.consecutive_failures >= deps.settings.max_consecutive_failures:
            now_error = await _to_error(session, schedule_id, meta.consecutive_failures)
    return _rooms(deps, meta), now_error


async def alert_rooms(session: AsyncSession, deps: Deps, schedule_id: int) -> Told:
    """The rooms told about the schedule's trouble, without counting anything against it."""
    return _rooms(deps, await session.get(ScheduleMeta, schedule_id))


def _rooms(deps: Deps, meta: ScheduleMeta | None) -> Told:
    """The schedule's notify room and the ops room, each once, those not set left out. The
    notify room is told only when the schedule's ``알림`` is 'failures' (the default): with
    'off' it hears nothing, with 'all' the send's result notice (``scheduler.notices``)
    speaks instead, so no failure is told to it twice. The ops room is always told."""
    told = meta is not None and notify_mode(meta.notify) == "failures"
    rooms = [meta.notify_room_id if told and meta is not None else None, deps.ops_room_id]
    campaign_id = meta.campaign_id if meta is not None else None
    return Told(tuple(dict.fromkeys(r for r in rooms if r)), campaign_id)


async def _to_error(session: AsyncSession, schedule_id: int, failures: int) -> bool:
    changed = await session.execute(
        update(Schedule)
        .where(Schedule.id == schedule_id, Schedule.status == "active")
        .values(status="error")
    )
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        return False
    if failures:
        log.error(
            "schedule %d put into status 'error' after %d failed sends", schedule_id, failures
        )
    else:
        log.error(
            "schedule %d put into status 'error': it names an image it may not send", schedule_id
        )
    return True
