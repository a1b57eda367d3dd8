"""What the schedule service answers without changing anything: a schedule (permission-checked),
the schedules an admin may see, their send logs, test rooms and rules rows, and the next send
times of a row. ``ScheduleService`` is built on it; reads use read-only sessions."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from scheduler.rules import Planned
from scheduler.schedule_rule import ExtraColumns
from services import logs as log_queries
from services import schedule_queries as queries
from services import schedule_times as times
from services.errors import Invalid
from services.permissions import Operation, Standing, standing_of, visible
from services.schedule_deps import ScheduleDeps
from storage import schedule_rules as rule_rows
from storage.kbot_models import Admin, Room, ScheduleMeta, ScheduleRule
from storage.models import Schedule, ScheduleLog
from storage.notices import notify_mode


class ScheduleReads:
    def __init__(self, deps: ScheduleDeps) -> None:
        self._deps = deps
        self._read_sessions = deps.read_sessions

    def resumable(self, row: Schedule, extra: ExtraColumns | None = None) -> bool:
        """Whether ``row`` (its rules row ``extra``) can be turned on: it is not active and a
        send time is left."""
        if row.status == "active":
            return False
        try:
            self._deps.next_send(row, extra)
        except Invalid:
            return False
        return True

    def upcoming(
        self, row: Schedule, count: int, extra: ExtraColumns | None = None
    ) -> list[datetime]:
        """The next ``count`` send times of ``row`` (its rules row ``extra``) from now."""
        return times.coming(self._deps, row, count, extra)

    def plan(self, row: Schedule, count: int, extra: ExtraColumns | None = None) -> list[Planned]:
        """``upcoming`` with the times skipped or moved among them (``!스케줄 보기``)."""
        return times.planned(self._deps, row, count, extra)

    async def rules_for(self, schedule_ids: Collection[int]) -> dict[int, ScheduleRule]:
        """The rules rows of those schedules that have one (for ``upcoming`` and labels)."""
        async with self._read_sessions() as s:
            return await rule_rows.load(s, schedule_ids)

    async def test_rooms(self, schedule_ids: Collection[int]) -> dict[int, str]:
        """The test room (chat id) of each of ``schedule_ids`` that has one."""
        if not schedule_ids:
            return {}
        async with self._read_sessions() as s:
            found = await s.execute(
                select(ScheduleMeta.schedule_id, ScheduleMeta.test_room_id).where(
                    ScheduleMeta.schedule_id.in_(list(schedule_ids)),
                    ScheduleMeta.test_room_id.is_not(None),
                )
            )
            return {schedule_id: room for schedule_id, room in found.all() if room}

    async def notify_modes(self, schedule_ids: Collection[int]) -> dict[int, str]:
        """The ``알림`` setting of each of ``schedule_ids`` ('failures' when none is stored or
        the stored value is not one kbot knows)."""
        if not schedule_ids:
            return {}
        async with self._read_sessions() as s:
            found = await s.execute(
                select(ScheduleMeta.schedule_id, ScheduleMeta.notify).where(
                    ScheduleMeta.schedule_id.in_(list(schedule_ids))
                )
            )
            stored = {row.schedule_id: row.notify for row in found.all()}
        return {sid: notify_mode(stored.get(sid)) for sid in schedule_ids}

    async def log_count(self, schedule_id: int) -> int:
        """How many send log rows the schedule has (what deleting it would archive)."""
        async with self._read_sessions() as s:
            query = select(func.count()).where(ScheduleLog.schedule_id == schedule_id)
            return int(await s.scalar(query) or 0)

    async def get(
        self,
        schedule_id: int,
        actor: Admin,
        operation: Operation = Operation.VIEW,
        *,
        standing: Standing | None = None,
    ) -> queries.Found:
        async with self._read_sessions() as s:
            standing = await standing_of(s, actor, standing)
            return await self._load(s, schedule_id, standing, operation)

    async def list_visible(
        self, actor: Admin, *, standing: Standing | None = None, room_id: str | None = None
    ) -> list[tuple[Schedule, Room | None]]:
        """The schedules ``actor`` may see; only those sent to ``room_id`` when given."""
        async with self._read_sessions() as s:
            return await queries.visible(s, await standing_of(s, actor, standing), room_id)

    async def logs(
        self, schedule_id: int, actor: Admin, limit: int = 10, *, standing: Standing | None = None
    ) -> list[tuple[ScheduleLog, str]]:
        """The newest log rows of a schedule ``actor`` may see, with the kind of each send."""
        async with self._read_sessions() as s:
            standing = await standing_of(s, actor, standing)
            await self._load(s, schedule_id, standing, Operation.LOGS)
            where = log_queries.LogFilter(schedule_id=schedule_id)
            rows = await log_queries.list_logs(s, visible(standing), where, offset=0, limit=limit)
            return [(row.log, row.kind) for row in rows]

    async def _load(
        self, s: AsyncSession, schedule_id: int, standing: Standing, operation: Operation
    ) -> queries.Found:
        return await queries.load(s, schedule_id, standing, operation)
