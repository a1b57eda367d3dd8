"""Ending an occurrence: exactly one ``kb_schedule_logs`` row, the occurrence closed, and the
schedule's counters (``last_sent_at``, ``send_count``, consecutive failures) kept.

A log whose ``error_message`` starts with ``"skipped: "`` records an occurrence that was
deliberately not sent (too late, daily room limit, deactivated schedule); those do not count
as failures of the schedule. Nor does a send refused because its room or an org is not in
force (``Result.access``): it is logged 'failed' with its reason, alerted only when the reason
is new (``scheduler.refusals``), and the schedule stays active, so sending resumes by itself
once the room or org is active again. Every other failed or partial send counts.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.timeutil import from_utc_naive, to_local_naive
from scheduler.bulk import insert_ids, update_rows
from scheduler.context import Deps
from scheduler.failures import Told, alert_rooms, count_failure
from scheduler.held import Held, SendColumns
from scheduler.refusals import new_refusals
from storage import receipts
from storage.kbot_models import Occurrence, ScheduleMeta
from storage.models import Schedule, ScheduleLog
from storage.send_record import record

SKIPPED = "건너뜀: "  # a deliberately unsent occurrence; not a failure of the schedule


@dataclass(slots=True)
class Result:
    """How a send ended, filled in as it goes."""

    status: str = "failed"  # success | failed | partial
    error: str | None = None
    responses: list[Any] = field(default_factory=list)
    sent_images: list[dict[str, Any]] = field(default_factory=list)
    text_sent: str | None = None
    parts_done: int = 0
    stops: bool = False  # refused for unsafe content: the schedule is stopped at once
    access: bool = False  # refused: the room or an org is not in force; not a failure

    @property
    def skipped(self) -> bool:
        return self.error is not None and self.error.startswith(SKIPPED)


@dataclass(frozen=True, slots=True)
class Closed:
    log_id: int
    alert_rooms: tuple[str, ...]
    now_error: bool  # the schedule was just put into status 'error'
    campaign_id: int | None = None  # the schedule is one room of this campaign


@dataclass(frozen=True, slots=True)
class Finished:
    """An occurrence whose sending has ended, waiting for its log."""

    occ: Held
    row: SendColumns
    result: Result


def log_values(
    row_id: int,
    send_order: str | None,
    room_id: str,
    scheduled_at: datetime,
    result: Result,
    started: datetime,
    completed: datetime,
    *,
    applicable: bool,
    parts: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The ``kb_schedule_logs`` row; the times are naive local. ``api_response`` has the
    shape ``storage.send_record`` describes: ``parts`` are the parts handed to Iris (their
    receipts), ``applicable`` whether delivery receipts apply (not in a dry run)."""
    return {
        "schedule_id": row_id,
        "target_room_id": room_id,
        "sent_message_text": result.text_sent,
        "sent_images": {"images": result.sent_images} if result.sent_images else None,
        "send_order": send_order,
        "status": result.status,
        "error_message": result.error,
        "api_response": record(result.responses, parts or [], applicable=applicable),
        "scheduled_at": scheduled_at,
        "started_at": started,
        "completed_at": completed,
        "duration_ms": max(0, int((completed - started).total_seconds() * 1000)),
        "created_at": completed,  # local, like every DATETIME of the seed's tables
    }


async def insert_logs(session: AsyncSession, deps: Deps, rows: list[dict[str, Any]]) -> list[int]:
    """Insert the log rows; their ids, in order."""
    table = cast(Table, ScheduleLog.__table__)
    return await insert_ids(session, table, rows, mysql=deps.mysql)


async def close_many(
    session: AsyncSession, deps: Deps, items: list[Finished]
) -> list[Closed | None]:
    """Write the logs and close the occurrences inside the caller's transaction; None for an
    occurrence another worker holds now (nothing is written for it)."""
    occurrences = cast(Table, Occurrence.__table__)
    ids = sorted({item.occ.id for item in items})
    owned_query = select(occurrences.c.id).where(
        occurrences.c.id.in_(ids), occurrences.c.lease_owner == deps.owner
    )
    if deps.mysql:
        owned_query = owned_query.with_for_update()
    owned = set((await session.execute(owned_query)).scalars())
    mine = [item for item in items if item.occ.id in owned]
    completed = deps.local_now()
    parts = {}
    if deps.confirm is not None:  # the receipts' rows wait (MariaDB) until they name the log
        occ_ids = [item.occ.id for item in mine]
        parts = await receipts.parts_by_occurrence(session, occ_ids, lock=deps.mysql)
    rows = [_log_row(deps, item, completed, parts.get(item.occ.id, [])) for item in mine]
    log_ids = await insert_logs(session, deps, rows)
    if parts:
        await receipts.attach_logs(
            session,
            {item.occ.id: log_id for item, log_id in zip(mine, log_ids, strict=True)},
        )
    await update_rows(
        session,
        occurrences,
        {
            item.occ.id: {
                "state": "skipped" if item.result.skipped else "done",
                "log_id": log_id,
                "parts_done": item.result.parts_done,
            }
            for item, log_id in zip(mine, log_ids, strict=True)
        },
        lease_owner=None,
        lease_expires_at=None,
    )
    await _count_sends(session, [i for i in mine if i.result.status != "failed"], completed)
    closed: dict[int, Closed] = {}
    resets = []
    told = await new_refusals(
        session,
        (
            (item.row.id, log_id, item.result.error)
            for item, log_id in zip(mine, log_ids, strict=True)
            if item.result.access and item.occ.kind != "test"
        ),
    )
    for item, log_id in zip(mine, log_ids, strict=True):
        result, kind = item.result, item.occ.kind
        if result.stops:
            told_, now_error = await count_failure(session, deps, item.row.id, kind, stop=True)
            closed[item.occ.id] = Closed(log_id, told_.rooms, now_error, told_.campaign_id)
        elif result.status == "success" or result.skipped or kind == "test":
            if result.status == "success" and kind == "scheduled":
                resets.append(item.row.id)
            closed[item.occ.id] = Closed(log_id, (), False)
        elif result.access:
            told_ = await alert_rooms(session, deps, item.row.id) if log_id in told else Told()
            closed[item.occ.id] = Closed(log_id, told_.rooms, False, told_.campaign_id)
        else:
            told_, now_error = await count_failure(session, deps, item.row.id, kind)
            closed[item.occ.id] = Closed(log_id, told_.rooms, now_error, told_.campaign_id)
    if resets:
        meta = cast(Table, ScheduleMeta.__table__)
        await session.execute(
            update(meta)
            .where(meta.c.schedule_id.in_(resets), meta.c.consecutive_failures != 0)
            .values(consecutive_failures=0)
        )
    return [closed.get(item.occ.id) for item in items]


def _log_row(
    deps: Deps, item: Finished, completed: datetime, parts: list[dict[str, Any]]
) -> dict[str, Any]:
    started_at = item.occ.started_at
    started = (
        to_local_naive(from_utc_naive(started_at), deps.tz) if started_at is not None else completed
    )
    occ = item.occ
    return log_values(
        item.row.id,
        item.row.send_order,
        occ.target_room_id,
        occ.scheduled_at,
        item.result,
        min(started, completed),
        completed,
        applicable=deps.confirm is not None,
        parts=parts,
    )


async def _count_sends(session: AsyncSession, sent: list[Finished], at: datetime) -> None:
    schedules = cast(Table, Schedule.__table__)
    sends = Counter(item.row.id for item in sent if item.occ.kind != "test")
    by_count: dict[int, list[int]] = {}
    for schedule_id, count in sends.items():
        by_count.setdefault(count, []).append(schedule_id)
    for count, ids in by_count.items():
        await session.execute(
            update(schedules)
            .where(schedules.c.id.in_(ids))
            .values(last_sent_at=at, send_count=func.coalesce(schedules.c.send_count, 0) + count)
        )
