"""The schedule service: every change to ``kb_schedule`` from chat (and later the REST API).

Each method runs in its own transaction, checks permission through ``commands.permissions``,
validates the whole row before writing (a ``CommandError`` leaves nothing saved), records an
audit entry with the row before and after, and wakes the scheduler after a change.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from commands import schedule_checks as checks
from commands import schedule_queries as queries
from commands.form import ScheduleForm
from commands.permissions import Operation, authorize, visible_org_ids
from commands.ports import SchedulerPort, SendResult
from kbot.clock import Clock
from kbot.timeutil import to_local_naive
from scheduler.rules import RuleError, next_occurrence, upcoming
from scheduler.schedule_rule import rule_of
from storage import audit
from storage.kbot_models import Admin, Org, Room, ScheduleMeta
from storage.models import Schedule, ScheduleLog


def actor_label(admin: Admin) -> str:
    return f"admin:{admin.id} ({admin.name})"


class ScheduleService:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        tz: ZoneInfo,
        limits: checks.Limits,
        scheduler: SchedulerPort,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._tz = tz
        self._limits = limits
        self._scheduler = scheduler

    def upcoming(self, row: Schedule, count: int) -> list[datetime]:
        """The next ``count`` send times of ``row`` from now (aware, in the configured zone)."""
        if row.status != "active":
            return []
        try:
            return upcoming(rule_of(row), self._clock.now(), self._tz, count)
        except RuleError:
            return []

    async def create(self, form: ScheduleForm, actor: Admin, *, current_room_id: str) -> Schedule:
        checks.check_required(form)
        async with self._sessions.begin() as s:
            room = await self._target_room(s, actor, form.room or current_room_id)
            org = await s.get(Org, actor.org_id)
            assert org is not None  # authorize() found it
            row = Schedule(
                created_by_type=org.type,
                created_by_id=org.code,
                created_by_mb_id=(actor.mb_id or actor.kakao_user_id)[:50],
                target_room_id=room.chat_id,
                target_room_type=room.room_type,
                send_order="text_first",
                send_interval_seconds=1,
                status="active",
                send_count=0,
            )
            await self._fill(s, row, form, actor)
            s.add(row)
            await s.flush()
            await s.refresh(row)  # server defaults (created_at) for the audit snapshot
            s.add(
                ScheduleMeta(
                    schedule_id=row.id, creator_admin_id=actor.id, notify_room_id=current_room_id
                )
            )
            self._audit(s, actor, "create", row.id, None, audit.snapshot(row))
        self._scheduler.wake()
        return row

    async def edit(
        self, schedule_id: int, form: ScheduleForm, actor: Admin, *, current_room_id: str
    ) -> Schedule:
        async with self._sessions.begin() as s:
            row = (await queries.load(s, schedule_id, actor, Operation.EDIT)).schedule
            before = audit.snapshot(row)
            if form.room is not None:
                room = await self._target_room(s, actor, form.room, Operation.EDIT)
                row.target_room_id = room.chat_id
                if form.room_type is None:
                    row.target_room_type = room.room_type
            if form.status is None and row.status == "completed":
                row.status = "active"  # a finished schedule given a new time runs again
            await self._fill(s, row, form, actor)
            self._audit(s, actor, "edit", row.id, before, audit.snapshot(row))
        self._scheduler.wake()
        return row

    async def toggle(self, schedule_id: int, actor: Admin, *, on: bool) -> Schedule:
        async with self._sessions.begin() as s:
            found = await queries.load(s, schedule_id, actor, Operation.TOGGLE)
            row = found.schedule
            before = audit.snapshot(row)
            if on:
                if found.room is None or not found.room.active:
                    raise checks.error("room", "대상 방이 등록되지 않았거나 비활성 상태입니다.")
                row.status = "active"
                row.next_send_at = self._next_send(row)
            else:
                row.status = "inactive"
            row.updated_at = to_local_naive(self._clock.now(), self._tz).replace(microsecond=0)
            self._audit(s, actor, "on" if on else "off", row.id, before, audit.snapshot(row))
        self._scheduler.wake()
        return row

    async def delete(self, schedule_id: int, actor: Admin) -> Schedule:
        async with self._sessions.begin() as s:
            row = (await queries.load(s, schedule_id, actor, Operation.DELETE)).schedule
            self._audit(s, actor, "delete", row.id, audit.snapshot(row), None)
            await s.delete(row)
        self._scheduler.wake()
        return row

    async def get(
        self, schedule_id: int, actor: Admin, operation: Operation = Operation.VIEW
    ) -> queries.Found:
        async with self._sessions() as s:
            return await queries.load(s, schedule_id, actor, operation)

    async def list_visible(self, actor: Admin) -> list[tuple[Schedule, Room | None]]:
        async with self._sessions() as s:
            return await queries.visible(s, actor)

    async def logs(self, schedule_id: int, actor: Admin, limit: int = 10) -> list[ScheduleLog]:
        async with self._sessions() as s:
            await queries.load(s, schedule_id, actor, Operation.LOGS)
            return await queries.recent_logs(s, schedule_id, limit)

    async def test_send(
        self, schedule_id: int, actor: Admin, *, current_room_id: str
    ) -> tuple[str, SendResult]:
        """Send now to the schedule's test room, else the current room (which the actor must
        be allowed to use); returns that room id and the result."""
        async with self._sessions() as s:
            found = await queries.load(s, schedule_id, actor, Operation.TEST)
            room_id = (found.meta.test_room_id if found.meta else None) or current_room_id
            await self._target_room(s, actor, room_id, Operation.TEST)
        return room_id, await self._scheduler.send_now(schedule_id, kind="test", room_id=room_id)

    async def _target_room(
        self, s: AsyncSession, actor: Admin, raw: str, operation: Operation = Operation.CREATE
    ) -> Room:
        room = await checks.find_room(s, raw, await visible_org_ids(s, actor))
        await authorize(s, actor, operation, room_org_id=room.org_id)
        return room

    async def _fill(self, s: AsyncSession, row: Schedule, form: ScheduleForm, actor: Admin) -> None:
        now_local = to_local_naive(self._clock.now(), self._tz)
        checks.apply(row, form, now_local=now_local)
        if row.id is not None:
            row.updated_at = now_local.replace(microsecond=0)
        if form.image_ids is not None:
            visible = await visible_org_ids(s, actor)
            row.message_images = await checks.images_json(s, form.image_ids, visible, self._limits)
        checks.check_row(row, now_local=now_local, limits=self._limits)
        row.next_send_at = self._next_send(row)

    def _next_send(self, row: Schedule) -> datetime:
        try:
            found = next_occurrence(rule_of(row), self._clock.now(), self._tz)
        except RuleError:
            found = None
        if found is None:
            raise checks.no_send_left()
        return to_local_naive(found, self._tz)

    def _audit(
        self,
        s: AsyncSession,
        actor: Admin,
        action: str,
        schedule_id: int,
        before: dict[str, object] | None,
        after: dict[str, object] | None,
    ) -> None:
        audit.record(
            s,
            at=self._clock.now(),
            actor=actor_label(actor),
            actor_admin_id=actor.id,
            action=action,
            entity="schedule",
            entity_id=schedule_id,
            before=before,
            after=after,
        )
