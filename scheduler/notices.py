"""Live notices (``알림: 모두``, seed 10.3): a sweep (``Notices.run``, every ``SWEEP_S`` on
the clock) tells a schedule's notify room how each send ended, once its outcome is known (its
confirmation resolved, or it failed or was missed), and a campaign's notify room one summary
per round once the round is done.

A campaign's *round* is the rows' scheduled sends that share one base time: a row's send at
``scheduled_at`` belongs to the round based at ``scheduled_at - offset``, its offset being
how far ``분산:`` put the row's time after the campaign's ``base_time`` (kbot_campaigns). The
round is done when every row of the campaign (created before the round) has a known result
in it, or ``GIVE_UP_S`` after the round's last slot (base + ``spread_s``): the rooms without a
result by then are named as such. Send-now and test sends of campaign rows are no part of
any round and have no notice.

Which message speaks on a failure: with 'all' the notify room gets the result notice (with
the reason) and no failure alert (``scheduler.failures``); the ops room keeps its alert.

Each notice is claimed in ``kbot_notices`` (``storage.notices``) before it is sent, so kbot
processes sharing the database send it once. Notices go through ``Deps.notify`` (the alert
gate) keyed by their claim, so one send's notice never holds back another's."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.alerts import Alert, AlertKind
from core.background import periodically
from scheduler.context import Deps, in_transaction
from scheduler.notice_rounds import RowLog, rounds_of, summary_of
from scheduler.notice_texts import SendResult, result_of, send_text
from storage import notices
from storage.kbot_models import Room, ScheduleMeta
from storage.models import LOG_STATUSES, Schedule, ScheduleLog
from storage.send_kinds import KIND, with_kind

log = logging.getLogger("kbot.notices")
SWEEP_S = 5.0
PRUNE_EVERY_S = 3600.0
LOOKBACK = timedelta(days=1)  # sends older than this get no notice any more

Extra = Callable[[], Awaitable[object]]  # another periodic job run by the sweep (the digest)


@dataclass(frozen=True, slots=True)
class _Pending:
    key: str
    alert: Alert


class Notices:
    def __init__(self, deps: Deps, extra: Extra | None = None) -> None:
        self._deps = deps
        self._extra = extra
        self._pruned_at: float | None = None

    async def run(self) -> None:
        """Sweep every ``SWEEP_S`` on the clock until cancelled; errors are logged."""
        await periodically(self.sweep, SWEEP_S, self._deps.clock, log, "notice sweep")

    async def sweep(self) -> int:
        """Send the notices due now (each claimed first); how many this process sent."""
        deps = self._deps
        sent = 0
        if deps.notify is not None:
            due = await in_transaction(deps, self._due)
            for item in due:
                if await self._claim(item.key):
                    await deps.notify(item.alert)
                    sent += 1
        if self._extra is not None:
            await self._extra()
        await self._prune()
        return sent

    async def _claim(self, key: str) -> bool:
        """Claim ``key`` in its own transaction (committed before the notice is sent)."""
        now = self._deps.utc_now()

        async def work(session: AsyncSession) -> bool:
            return await notices.claim(session, key, now)

        return await in_transaction(self._deps, work)

    async def _due(self, session: AsyncSession) -> list[_Pending]:
        rows = await _rows(session, self._deps.local_now() - LOOKBACK)
        singles = [r for r in rows if r.campaign_id is None and r.kind != "test"]
        campaign = [r for r in rows if r.campaign_id is not None and r.kind == "scheduled"]
        due = [item for r in singles if (item := _send_notice(r)) is not None]
        done = await notices.claimed(session, [item.key for item in due])
        due = [item for item in due if item.key not in done]
        found = await rounds_of(session, campaign)
        taken = await notices.claimed(session, [r.key for r in found])
        now = self._deps.local_now()
        for rnd in found:
            if rnd.key in taken or rnd.notify_room_id is None:
                continue
            text = await summary_of(session, rnd, now)
            if text is not None:
                alert = Alert(
                    AlertKind.CAMPAIGN_RESULT,
                    rnd.notify_room_id,
                    text,
                    campaign_id=rnd.campaign_id,
                    notice=rnd.key,
                )
                due.append(_Pending(rnd.key, alert))
        return due

    async def _prune(self) -> None:
        mono = self._deps.clock.monotonic()
        if self._pruned_at is not None and mono - self._pruned_at < PRUNE_EVERY_S:
            return
        self._pruned_at = mono
        now = self._deps.utc_now()
        gone = await in_transaction(self._deps, lambda s: notices.prune(s, now))
        if gone:
            log.info("pruned %d old notice key(s)", gone)


async def _rows(session: AsyncSession, since: datetime) -> list[RowLog]:
    first = await session.scalar(first_log_since(since))
    if first is None:
        return []
    return [RowLog(*row) for row in (await session.execute(due_logs(since, first))).all()]


def first_log_since(since: datetime) -> Select[int]:
    """The lowest log id scheduled at or after ``since`` (naive local), read from the
    ``(status, scheduled_at)`` index; every later log row has a higher id."""
    return select(func.min(ScheduleLog.id)).where(
        ScheduleLog.status.in_(LOG_STATUSES), ScheduleLog.scheduled_at >= since
    )


def due_logs(since: datetime, first_id: int) -> Select[*tuple[Any, ...]]:
    """The send logs since ``since`` (naive local) of the schedules whose ``알림`` is 'all'.
    ``first_id`` (``first_log_since``) bounds the logs' primary key, so the database reads
    the last day's rows and not every log of those schedules (a daily schedule's years)."""
    return with_kind(
        select(
            ScheduleLog.id,
            ScheduleLog.schedule_id,
            ScheduleLog.target_room_id,
            ScheduleLog.status,
            ScheduleLog.error_message,
            ScheduleLog.api_response,
            ScheduleLog.scheduled_at,
            KIND,
            ScheduleMeta.campaign_id,
            ScheduleMeta.notify_room_id,
            Schedule.title,
            Schedule.status,
            Schedule.schedule_time,
            Room.name,
        )
        .join(ScheduleMeta, ScheduleMeta.schedule_id == ScheduleLog.schedule_id)
        .join(Schedule, Schedule.id == ScheduleLog.schedule_id)
        .outerjoin(Room, Room.chat_id == ScheduleLog.target_room_id)
    ).where(
        ScheduleLog.id >= first_id,
        ScheduleLog.scheduled_at >= since,
        ScheduleMeta.notify == "all",
    )


def _send_notice(row: RowLog) -> _Pending | None:
    result = result_of(row.status, row.error_message, row.api_response)
    if result is None or not row.notify_room_id:
        return None
    sent = SendResult(
        row.schedule_id,
        row.title or "",
        row.scheduled_at,
        row.room_name or row.target_room_id,
        result,
        error=row.error_message,
        now_error=row.schedule_status == "error",
    )
    key = f"send:{row.log_id}"
    alert = Alert(
        AlertKind.SEND_RESULT, row.notify_room_id, send_text(sent), row.schedule_id, notice=key
    )
    return _Pending(key, alert)
