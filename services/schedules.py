"""The schedule service: every change to ``kb_schedule`` from chat, the REST API and the web
pages (its reads are ``services.schedule_reads``).

Each method runs in its own transaction (reads in a read-only session), checks permission
through ``services.permissions`` on the actor's ``Standing`` (the caller's, when it passes one:
the chat path's identity cache; else read in that transaction),
validates the whole row before writing (a ``ServiceError`` leaves nothing saved), records an
audit entry with the row before and after, and wakes the scheduler after a change.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.clock import Clock
from core.timeutil import to_local_naive
from scheduler.rules import HolidayPolicy
from scheduler.schedule_rule import fingerprint
from services import schedule_checks as checks
from services import schedule_queries as queries
from services import schedule_rules as rules
from services.campaigns import CampaignService
from services.errors import Invalid
from services.message_text import check_text, resolve_template
from services.permissions import Operation, Standing, standing_of, visible
from services.ports import NO_CALENDARS, HolidayCalendars, SchedulerPort
from services.schedule_deps import ScheduleDeps
from services.schedule_form import ScheduleForm
from services.schedule_pauses import SchedulePauses
from services.schedule_preview import Preview, preview
from services.schedule_reads import ScheduleReads
from services.schedule_values import NO_ROOM
from storage import audit
from storage import schedule_rules as rule_rows
from storage.archive import archive_schedule
from storage.engine import ReadSessions
from storage.kbot_models import Admin, Org, Room, ScheduleMeta
from storage.models import Schedule


@dataclass(frozen=True, slots=True)
class Toggled:
    schedule: Schedule
    changed: bool  # False: it was already active (on) or inactive (off), nothing was written


@dataclass(frozen=True, slots=True)
class Deleted:
    schedule: Schedule
    archived_logs: int  # log rows written to the archive before the delete
    archive_files: list[str]  # their files' names, in the archive directory


def single_room(form: ScheduleForm) -> str | None:
    """The one room ``form`` names (None: not given); several rooms or an org are a campaign,
    which ``services.campaigns`` saves, not a single schedule (nor is ``분산:``)."""
    if form.room is None:
        return None
    room = form.room.single
    if room is None:
        raise Invalid(
            "room",
            "이 스케줄은 한 방으로 보내는 스케줄이라 방을 하나만 적을 수 있습니다. 여러 방으로 "
            "보내려면 새로 등록해 캠페인으로 만들어 주세요.",
        )
    return room


class ScheduleService(ScheduleReads):
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        read_sessions: ReadSessions,
        clock: Clock,
        tz: ZoneInfo,
        limits: checks.Limits,
        scheduler: SchedulerPort,
        archive_dir: Path,
        prefix: str,
        holidays: HolidayCalendars = NO_CALENDARS,
        *,
        holiday_policy: HolidayPolicy = "send",
    ) -> None:
        super().__init__(
            ScheduleDeps(
                sessions,
                read_sessions,
                clock,
                tz,
                limits,
                scheduler,
                archive_dir,
                prefix,
                holidays,
                holiday_policy,
            )
        )
        self._archive_dir = archive_dir
        self._prefix = prefix
        self._sessions = sessions
        self._clock = clock
        self._tz = tz
        self._limits = limits
        self._scheduler = scheduler
        self.campaigns = CampaignService(self._deps)
        self.pauses = SchedulePauses(self._deps)

    async def create(
        self,
        form: ScheduleForm,
        actor: Admin,
        *,
        current_room_id: str,
        standing: Standing | None = None,
    ) -> Schedule:
        checks.check_required(form)
        async with self._sessions.begin() as s:
            standing = await standing_of(s, actor, standing)
            room = await queries.usable_room(
                s, standing, single_room(form) or current_room_id, prefix=self._prefix
            )
            org = await s.get(Org, actor.org_id)
            assert org is not None  # kbot_admins.org_id is a foreign key
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
            form = await resolve_template(s, form, actor, prefix=self._prefix)
            values = rules.merged(rules.PLAIN, form)
            await self._fill(s, row, form, standing, values)
            await self._check_text(s, form, room)
            test_room = await self._form_test_room(s, standing, form)
            s.add(row)
            await s.flush()
            await s.refresh(row)  # server defaults for the audit snapshot
            await self._write_rules(s, row, values)
            s.add(
                ScheduleMeta(
                    schedule_id=row.id,
                    creator_admin_id=actor.id,
                    notify_room_id=current_room_id,
                    test_room_id=test_room or None,
                    notify=form.notify,
                )
            )
            after = audit.snapshot(row) | rules.audit_columns(values)
            self._audit(s, actor, "create", row.id, None, after)
        self._scheduler.wake()
        return row

    async def edit(
        self,
        schedule_id: int,
        form: ScheduleForm,
        actor: Admin,
        *,
        current_room_id: str,
        standing: Standing | None = None,
    ) -> Schedule:
        async with self._sessions.begin() as s:
            standing = await standing_of(s, actor, standing)
            found = await self._load(s, schedule_id, standing, Operation.EDIT)
            form = await resolve_template(s, form, actor, prefix=self._prefix)
            room = found.room
            row = found.schedule
            before = audit.snapshot(row) | rules.audit_columns(rules.values_of(found.rule))
            test_room = await self._form_test_room(s, standing, form)
            if test_room is not None or form.notify is not None:
                meta = found.meta or ScheduleMeta(schedule_id=row.id)
                if test_room is not None:
                    meta.test_room_id = test_room or None
                if form.notify is not None:
                    meta.notify = form.notify
                s.add(meta)
            if form.room is not None or form.spread_s:
                room = await queries.usable_room(
                    s,
                    standing,
                    single_room(form) or "",
                    Operation.EDIT,
                    prefix=self._prefix,
                )
                row.target_room_id = room.chat_id
                if form.room_type is None:
                    row.target_room_type = room.room_type
            if form.status is None and row.status == "completed":
                row.status = "active"  # a finished schedule given a new time runs again
            values = rules.merged(rules.values_of(found.rule), form)
            await self._fill(s, row, form, standing, values)
            await self._write_rules(s, row, values)
            if form.message_text is not None or form.room is not None:
                await self._check_text(s, row, room)
            after = audit.snapshot(row) | rules.audit_columns(values)
            self._audit(s, actor, "edit", row.id, before, after)
        self._scheduler.wake()
        return row

    async def preview(
        self, form: ScheduleForm, actor: Admin, operation: Operation = Operation.CREATE
    ) -> Preview:
        """What saving ``form`` (complete) would send, with the same checks and nothing
        written (``services.schedule_preview``); ``operation`` EDIT for an edit's rooms."""
        return await preview(self._deps, form, actor, operation)

    async def toggle(
        self, schedule_id: int, actor: Admin, *, on: bool, standing: Standing | None = None
    ) -> Toggled:
        """Turn the schedule on (active, next send computed again) or off (inactive); one
        already so is left as it is."""
        async with self._sessions.begin() as s:
            standing = await standing_of(s, actor, standing)
            found = await self._load(s, schedule_id, standing, Operation.TOGGLE)
            row = found.schedule
            resumed = await self.pauses.resume(s, row, found.rule, actor) if on else None
            extra = resumed or found.rule
            if row.status == ("active" if on else "inactive"):
                if resumed is not None:
                    row.next_send_at = self._deps.next_send(row, extra)
                return Toggled(row, changed=resumed is not None)
            before = audit.snapshot(row)
            if on:
                if found.room is None or not found.room.active:
                    raise queries.RoomGone()
                row.status = "active"
                row.next_send_at = self._deps.next_send(row, extra)
            else:
                row.status = "inactive"
                row.next_send_at = None  # one truth for every door: no next send
            row.updated_at = to_local_naive(self._clock.now(), self._tz).replace(microsecond=0)
            self._audit(s, actor, "on" if on else "off", row.id, before, audit.snapshot(row))
        self._scheduler.wake()
        return Toggled(row, changed=True)

    async def delete(
        self, schedule_id: int, actor: Admin, *, standing: Standing | None = None
    ) -> Deleted:
        """Delete the schedule after writing its send log to the archive (the seed's
        ``ON DELETE CASCADE`` takes the log rows with it)."""
        async with self._read_sessions() as s:
            standing = await standing_of(s, actor, standing)
            await self._load(s, schedule_id, standing, Operation.DELETE)
        engine = self._sessions.kw["bind"]
        archived = await archive_schedule(engine, schedule_id, directory=self._archive_dir)
        async with self._sessions.begin() as s:
            row = (await self._load(s, schedule_id, standing, Operation.DELETE)).schedule
            self._audit(s, actor, "delete", row.id, audit.snapshot(row), None)
            await s.delete(row)
        self._scheduler.wake()
        return Deleted(row, sum(a.rows for a in archived), [a.path.name for a in archived])

    async def _form_test_room(
        self, s: AsyncSession, standing: Standing, form: ScheduleForm
    ) -> str | None:
        """The test room's chat id the form sets (``NO_ROOM`` to remove it), or None when the
        form leaves it alone."""
        if form.test_room is None or form.test_room == NO_ROOM:
            return form.test_room
        return (await queries.test_room(s, standing, form.test_room, prefix=self._prefix)).chat_id

    async def _fill(
        self,
        s: AsyncSession,
        row: Schedule,
        form: ScheduleForm,
        standing: Standing,
        values: rules.RuleValues,
    ) -> None:
        now_local = to_local_naive(self._clock.now(), self._tz)
        checks.apply(row, rules.seed_type(form), now_local=now_local)
        # written here in the configured zone (the database's CURRENT_TIMESTAMP may be UTC)
        row.updated_at = now_local.replace(microsecond=0)
        if row.id is None:
            row.created_at = row.updated_at
        if form.image_ids is not None:
            row.message_images = await checks.images_json(
                s, form.image_ids, visible(standing), self._limits
            )
        checks.check_row(row, now_local=now_local, limits=self._limits)
        next_send = self._deps.next_send(row, values)  # also checks that a send is left
        row.next_send_at = next_send if row.status == "active" else None

    async def _write_rules(self, s: AsyncSession, row: Schedule, values: rules.RuleValues) -> None:
        """Keep ``row``'s rules row in step with its seed columns (none when plain)."""
        if values.plain():
            await rule_rows.remove(s, [row.id])
            return
        now_local = to_local_naive(self._clock.now(), self._tz)
        await rule_rows.save(
            s, row.id, values.columns(), fingerprint=fingerprint(row), now_local=now_local
        )

    async def _check_text(
        self, s: AsyncSession, source: ScheduleForm | Schedule, room: Room | None
    ) -> None:
        """The text as a template, rendered for ``room`` (unregistered: syntax only)."""
        places = []
        if room is not None:
            org = await s.get(Org, room.org_id)
            places.append((org.name if org else "", room.name))
        check_text(source.message_text, places, self._limits)

    def _audit(
        self,
        s: AsyncSession,
        actor: Admin,
        action: str,
        schedule_id: int,
        before: dict[str, object] | None,
        after: dict[str, object] | None,
    ) -> None:
        self._deps.audit(s, actor, action, schedule_id, before, after)
