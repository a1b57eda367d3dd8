"""Ending an occurrence: exactly one ``kb_schedule_logs`` row, the occurrence closed, and the
schedule's counters (``last_sent_at``, ``send_count``, consecutive failures) kept.

A log whose ``error_message`` starts with ``"skipped: "`` records an occurrence that was
deliberately not sent (too late, daily room limit, deactivated schedule); those do not count
as failures of the schedule. Every other failed or partial send does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, update
from sqlalchemy.ext.asyncio import AsyncSession

from kbot.timeutil import from_utc_naive, to_local_naive
from scheduler.context import Deps, log
from storage.kbot_models import Occurrence, ScheduleMeta
from storage.models import Schedule, ScheduleLog

SKIPPED = "skipped: "


@dataclass(slots=True)
class Result:
    """How a send ended, filled in as it goes."""

    status: str = "failed"  # success | failed | partial
    error: str | None = None
    responses: list[Any] = field(default_factory=list)
    sent_images: list[dict[str, Any]] = field(default_factory=list)
    text_sent: str | None = None
    parts_done: int = 0

    @property
    def skipped(self) -> bool:
        return self.error is not None and self.error.startswith(SKIPPED)


@dataclass(frozen=True, slots=True)
class Closed:
    log_id: int
    alert_rooms: tuple[str, ...]
    now_error: bool  # the schedule was just put into status 'error'


def make_log(
    row: Schedule,
    occ: Occurrence,
    result: Result,
    *,
    started: datetime,
    completed: datetime,
) -> ScheduleLog:
    """The log row; ``started``/``completed`` are naive local times."""
    return ScheduleLog(
        schedule_id=row.id,
        target_room_id=occ.target_room_id,
        sent_message_text=result.text_sent,
        sent_images={"images": result.sent_images} if result.sent_images else None,
        send_order=row.send_order,
        status=result.status,
        error_message=result.error,
        api_response=result.responses,
        scheduled_at=occ.scheduled_at,
        started_at=started,
        completed_at=completed,
        duration_ms=max(0, int((completed - started).total_seconds() * 1000)),
    )


async def close(
    session: AsyncSession,
    deps: Deps,
    occ: Occurrence,
    row: Schedule,
    result: Result,
    parts_done: int,
) -> Closed | None:
    """Write the log and close ``occ`` inside the caller's transaction; None (and nothing
    written once the caller rolls back) when another worker holds the lease now."""
    completed = deps.local_now()
    started = (
        to_local_naive(from_utc_naive(occ.started_at), deps.tz)
        if occ.started_at is not None
        else completed
    )
    entry = make_log(row, occ, result, started=min(started, completed), completed=completed)
    session.add(entry)
    await session.flush()
    closed = await session.execute(
        update(Occurrence)
        .where(Occurrence.id == occ.id, Occurrence.lease_owner == deps.owner)
        .values(
            state="skipped" if result.skipped else "done",
            log_id=entry.id,
            parts_done=parts_done,
            lease_owner=None,
            lease_expires_at=None,
        )
    )
    if closed.rowcount != 1:  # type: ignore[attr-defined]
        return None
    if result.status != "failed" and occ.kind != "test":
        await session.execute(
            update(Schedule)
            .where(Schedule.id == row.id)
            .values(last_sent_at=completed, send_count=func.coalesce(Schedule.send_count, 0) + 1)
        )
    if result.status == "success" or result.skipped or occ.kind == "test":
        if result.status == "success" and occ.kind == "scheduled":
            await session.execute(
                update(ScheduleMeta)
                .where(ScheduleMeta.schedule_id == row.id, ScheduleMeta.consecutive_failures != 0)
                .values(consecutive_failures=0)
            )
        return Closed(entry.id, (), False)
    meta = await session.get(ScheduleMeta, row.id, with_for_update=deps.mysql)
    now_error = False
    if occ.kind == "scheduled":
        if meta is None:
            meta = ScheduleMeta(schedule_id=row.id, consecutive_failures=0, version=0)
            session.add(meta)
        meta.consecutive_failures = (meta.consecutive_failures or 0) + 1
        if meta.consecutive_failures >= deps.settings.max_consecutive_failures:
            now_error = await _to_error(session, row.id, meta.consecutive_failures)
    rooms = [meta.notify_room_id if meta is not None else None, deps.ops_room_id]
    return Closed(entry.id, tuple(dict.fromkeys(r for r in rooms if r)), now_error)


async def _to_error(session: AsyncSession, schedule_id: int, failures: int) -> bool:
    changed = await session.execute(
        update(Schedule)
        .where(Schedule.id == schedule_id, Schedule.status == "active")
        .values(status="error")
    )
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        return False
    log.error("schedule %d put into status 'error' after %d failed sends", schedule_id, failures)
    return True


def alert_text(row: Schedule, occ: Occurrence, result: Result, closed: Closed) -> str:
    """The Korean alert for a failed or partial send."""
    outcome = "일부만 발송됨" if result.status == "partial" else "발송 실패"
    lines = [
        f"[발송 알림] 스케줄 #{row.id} '{row.title}' {outcome}",
        f"예정 시각: {occ.scheduled_at:%Y-%m-%d %H:%M}",
        f"대상 방: {occ.target_room_id}",
        f"사유: {result.error or '알 수 없음'}",
    ]
    if closed.now_error:
        lines.append("연속 실패로 스케줄이 '오류' 상태가 되어 발송이 중지되었습니다.")
    return "\n".join(lines)
