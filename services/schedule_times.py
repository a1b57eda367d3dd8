"""A schedule's coming send times as the services show them: its rule beyond the seed
(``kbot_schedule_rules``), the config's holiday policy and the process's holiday calendar
applied, so every door shows the times the scheduler will really send at."""

from __future__ import annotations

from datetime import datetime

from scheduler.rules import Planned, RuleError, plan, upcoming
from scheduler.schedule_rule import ExtraColumns
from services.schedule_deps import ScheduleDeps
from storage.models import Schedule


def coming(
    deps: ScheduleDeps, row: Schedule, count: int, extra: ExtraColumns | None
) -> list[datetime]:
    """The next ``count`` send times of an active ``row`` (aware, in the configured zone)."""
    if row.status != "active":
        return []
    try:
        rule, progress = deps.rule(row, extra)
        return upcoming(rule, deps.clock.now(), deps.tz, count, deps.calendar(), progress)
    except RuleError:
        return []


def planned(
    deps: ScheduleDeps, row: Schedule, count: int, extra: ExtraColumns | None
) -> list[Planned]:
    """``coming`` with the times skipped or moved among them, for ``!스케줄 보기``."""
    if row.status != "active":
        return []
    try:
        rule, progress = deps.rule(row, extra)
        return plan(rule, deps.clock.now(), deps.tz, count, deps.calendar(), progress)
    except RuleError:
        return []
