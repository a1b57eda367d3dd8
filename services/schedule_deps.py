"""What the schedule and campaign services share: their dependencies, and the row helpers
both use (the next send time, the audit entry)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.clock import Clock
from core.timeutil import to_local_naive
from scheduler.calendar import HolidayCalendar
from scheduler.rules import HolidayPolicy, Progress, Rule, RuleError, next_occurrence
from scheduler.schedule_rule import ExtraColumns, progress_of, rule_of
from services import schedule_checks as checks
from services.ports import NO_CALENDARS, HolidayCalendars, SchedulerPort
from storage import audit
from storage.engine import ReadSessions
from storage.kbot_models import Admin, AuditEntry
from storage.models import Schedule


@dataclass(frozen=True, slots=True)
class ScheduleDeps:
    sessions: async_sessionmaker[AsyncSession]
    read_sessions: ReadSessions
    clock: Clock
    tz: ZoneInfo
    limits: checks.Limits
    scheduler: SchedulerPort
    archive_dir: Path  # where a deleted schedule's send log goes
    prefix: str  # of the chat commands, which some messages name
    holidays: HolidayCalendars = NO_CALENDARS  # the calendar the scheduler sends by
    holiday_policy: HolidayPolicy = "send"  # config scheduler.holiday_policy

    def calendar(self) -> HolidayCalendar:
        return self.holidays.current()

    def rule(self, row: Schedule, extra: ExtraColumns | None) -> tuple[Rule, Progress]:
        """The row's rule and progress (``RuleError`` for a row that cannot fire)."""
        return rule_of(row, extra, self.holiday_policy), progress_of(extra)

    def next_send(self, row: Schedule, extra: ExtraColumns | None = None) -> datetime:
        """The row's true next send time from now (naive local), its rules row ``extra``
        and the holidays applied; ``Invalid`` when none is left."""
        try:
            rule, progress = self.rule(row, extra)
            found = next_occurrence(
                rule, self.clock.now(), self.tz, calendar=self.calendar(), progress=progress
            )
        except RuleError:
            found = None
        if found is None:
            raise checks.no_send_left()
        return to_local_naive(found, self.tz)

    def now_local(self) -> datetime:
        return to_local_naive(self.clock.now(), self.tz)

    def audit_values(
        self,
        actor: Admin,
        action: str,
        entity_id: int,
        before: dict[str, object] | None,
        after: dict[str, object] | None,
        *,
        entity: str = "schedule",
    ) -> dict[str, object]:
        """``audit``'s entry as values for a bulk insert (``kbot_audit_log``)."""
        return audit.values(
            at=self.clock.now(),
            actor=audit.actor_label(actor),
            actor_admin_id=actor.id,
            action=action,
            entity=entity,
            entity_id=entity_id,
            before=before,
            after=after,
        )

    def audit(
        self,
        s: AsyncSession,
        actor: Admin,
        action: str,
        entity_id: int,
        before: dict[str, object] | None,
        after: dict[str, object] | None,
        *,
        entity: str = "schedule",
    ) -> None:
        """One audit entry of ``actor``'s change, now."""
        s.add(
            AuditEntry(**self.audit_values(actor, action, entity_id, before, after, entity=entity))
        )
